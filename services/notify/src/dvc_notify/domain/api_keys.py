"""API keys of the send API (pure): the key's shape, and the hash that is all notify keeps of it.

A key reads ``<name>-<service>-<key id>-<secret>`` (GOV.UK Notify's shape, name and service first so that a
key found in a log or a repository says whose it is): ``payment_refunds-payment-3f0c…-9a1b…``. The key id is
a UUID (36 characters) and the secret 64 hexadecimal digits (256 random bits), so both are read from the
right whatever hyphens the name and service hold. Only SHA-256 of the secret is stored; a key is shown once,
when it is created. A secret of 256 random bits needs no slow password hash: there is nothing to guess.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from typing import Final, Literal

from dvc_notify.domain.encoding import strip_diacritics

KeyType = Literal["live", "test"]
KEY_TYPES: Final[tuple[KeyType, ...]] = ("live", "test")

SERVICE_PATTERN: Final = r"^[a-z][a-z0-9-]{1,31}$"  # e.g. payment, dossier, so-gtvt-01
SECRET_LENGTH: Final = 64
_ID_LENGTH: Final = 36
_ID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SECRET: Final = re.compile(r"[0-9a-f]{64}")
_NOT_SLUG: Final = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class NewKey:
    id: str
    key: str  # the whole key, shown once
    secret_hash: str


def slug(name: str) -> str:
    """A key name as it appears in the key: không dấu, lower-case ASCII letters and digits, ``_`` for the rest."""
    return _NOT_SLUG.sub("_", strip_diacritics(name).lower()).strip("_")[:40] or "key"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key(name: str, service: str) -> NewKey:
    key_id, secret = str(uuid.uuid4()), secrets.token_hex(SECRET_LENGTH // 2)
    return NewKey(key_id, f"{slug(name)}-{service}-{key_id}-{secret}", hash_secret(secret))


def parse_key(key: str) -> tuple[str, str] | None:
    """(key id, secret) of a well-formed key, else None (nothing to look up)."""
    tail = _ID_LENGTH + 1 + SECRET_LENGTH
    if len(key) <= tail + 1 or key[-tail - 1] != "-" or key[-SECRET_LENGTH - 1] != "-":
        return None
    key_id, secret = key[-tail : -SECRET_LENGTH - 1], key[-SECRET_LENGTH:]
    if not _ID.fullmatch(key_id) or not _SECRET.fullmatch(secret):
        return None
    return key_id, secret


def secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)
