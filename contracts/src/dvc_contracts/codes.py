"""What a dossier code looks like: the one rule every service checks a code against.

A code as the dossier service writes it (``01-261204-7KQ2MX``) or as agencies' one-stop systems do
(``000.00.01.H26-240506-0007``): letters A-Z a-z, digits, ``.``, ``_`` and ``-``, starting with a letter or a
digit, at most ``DOSSIER_CODE_MAX`` characters. Nothing a spreadsheet would run as a formula, no spaces, no
markup — codes reach exports, SMS and public pages.
"""

from __future__ import annotations

import re
from typing import Final

DOSSIER_CODE_MAX: Final = 64
DOSSIER_CODE: Final = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{DOSSIER_CODE_MAX - 1}}}$")
DOSSIER_CODE_RULE: Final = (
    f"letters A-Z a-z, digits, '.', '_' and '-' only, starting with a letter or digit, "
    f"at most {DOSSIER_CODE_MAX} characters"
)


def is_dossier_code(value: str) -> bool:
    """True when ``value`` is a well-formed dossier code (whoever issued it)."""
    return DOSSIER_CODE.fullmatch(value) is not None  # fullmatch: `$` alone lets a final "\n" through
