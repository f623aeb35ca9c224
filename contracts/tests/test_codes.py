"""The one rule for dossier codes: agencies' real code shapes pass, anything a spreadsheet, a page or a log
could misread does not."""

import pytest

from dvc_contracts.codes import DOSSIER_CODE_MAX, is_dossier_code


@pytest.mark.parametrize(
    "code", ["000.00.01.H26-240506-0007", "01-261204-7KQ2MX", "G22.19-2026_0001", "a", "9" * DOSSIER_CODE_MAX]
)
def test_codes_agencies_write_are_accepted(code: str) -> None:
    assert is_dossier_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "=HYPERLINK(1)",
        "-01-2026",
        ".hidden",
        "01 2026",
        "01-2026\n",
        "<b>01</b>",
        "hồ-sơ-01",
        "9" * (DOSSIER_CODE_MAX + 1),
    ],
)
def test_codes_that_could_be_misread_are_refused(code: str) -> None:
    assert not is_dossier_code(code)
