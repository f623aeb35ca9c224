"""``make token ROLE=citizen`` — print a bearer token valid for the local stack."""

from __future__ import annotations

import argparse

from dvc_contracts import units
from dvckit.auth.jwt import ROLES, issue_token, load_or_create_dev_keys


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description="Print a development bearer token for the local Cổng DVC stack.")
    p.add_argument("--role", choices=ROLES, default="citizen")
    p.add_argument("--sub", default=None, help="subject (citizen id, agency user, operator id)")
    p.add_argument("--name", default=None)
    p.add_argument("--agency", default=None, help="agency code (role agency)")
    p.add_argument("--province", default=None, help="province code (a province operator)")
    p.add_argument("--phone", default=None)
    p.add_argument("--keys", default=".run/dev-jwt")
    p.add_argument("--ttl", type=int, default=8 * 3600)
    a = p.parse_args(argv)
    if a.province and (problem := units.check_current(a.province)):
        p.error(problem)  # e.g. a province merged on 1 July 2025: the message names the current one
    defaults = {"citizen": "001099012345", "agency": "agency-user", "operator": "operator"}
    keys = load_or_create_dev_keys(a.keys)
    print(
        issue_token(
            keys,
            sub=a.sub or defaults[a.role],
            role=a.role,
            name=a.name or ("Nguyễn Văn An" if a.role == "citizen" else None),
            agency=a.agency,
            province=a.province,
            phone=a.phone or ("0912345678" if a.role == "citizen" else None),
            ttl_seconds=a.ttl,
        )
    )


if __name__ == "__main__":
    main()
