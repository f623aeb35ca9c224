"""The small OpenID Provider of the fast sign-in tests, at its old path: the code is
:mod:`dvckit.dev.oidc_fake`, whose names this module re-exports. A service's code never imports it
(tests/test_dev_boundary.py)."""

from __future__ import annotations

from dvckit.dev.oidc_fake import CLIENT_ID, CLIENT_SECRET, ISSUER, PERSON, SERVICES, SUB, FakeProvider

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "ISSUER", "PERSON", "SERVICES", "SUB", "FakeProvider"]
