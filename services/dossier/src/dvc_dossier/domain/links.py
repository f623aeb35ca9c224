"""Expiring download links for a dossier's documents (pure; the clock is a parameter).

A link is ``/v1/documents/{id}/content?expires=<unix seconds>&signature=<hex>``: the signature is
HMAC-SHA256 of ``"{id}\\n{expires}"`` under ``DOSSIER_DOCUMENTS_LINK_SECRET``. Whoever holds the link may fetch the
document until ``expires``; it is handed only to the dossier's owner and its handling agency, after their token
was checked. Changing the id or the expiry breaks the signature.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote, urlencode


def signature(secret: bytes, document_id: str, expires: int) -> str:
    return hmac.new(secret, f"{document_id}\n{expires}".encode(), hashlib.sha256).hexdigest()


def link_path(secret: bytes, document_id: str, expires: int) -> str:
    query = urlencode({"expires": expires, "signature": signature(secret, document_id, expires)})
    return f"/v1/documents/{quote(document_id, safe='')}/content?{query}"


def refusal(secret: bytes, document_id: str, expires: int, sig: str, now: int) -> str | None:
    """Why a link may not be used (``invalid_signature`` | ``link_expired``), or None when it may."""
    if not hmac.compare_digest(signature(secret, document_id, expires).encode(), sig.lower().encode()):
        return "invalid_signature"
    if now >= expires:
        return "link_expired"
    return None
