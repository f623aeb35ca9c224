"""The send API's keys from a shell — the twin of the operators' ``/v1/api-keys`` endpoints, for setting a sending
service up where no operator token is at hand (``NOTIFY_DATABASE_URL``, or ``--url``):

    python -m dvc_notify.keys_cli create --service payment --name refunds --type live   # prints the key, once
    python -m dvc_notify.keys_cli list [--service payment] [--include-revoked]
    python -m dvc_notify.keys_cli revoke <key id>
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sys
from collections.abc import Sequence

from dvc_notify.adapters.orm import messaging
from dvc_notify.config import Settings
from dvc_notify.domain.api_keys import KEY_TYPES, SERVICE_PATTERN
from dvc_notify.service.api import create_key, revoke_key
from dvc_notify.service.uow import NotifyUnitOfWork
from dvckit.db import make_engine, make_sessionmaker
from dvckit.logging import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dvc_notify.keys_cli", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", help="the notify database (default: NOTIFY_DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create", help="a new key; prints it (only a hash of its secret is kept)")
    create.add_argument("--service", required=True, help="the sending service, e.g. payment")
    create.add_argument("--name", required=True, help="what the key is for, e.g. refunds")
    create.add_argument("--type", choices=KEY_TYPES, default="test", dest="key_type")
    listing = sub.add_parser("list", help="keys, newest first (never their secrets)")
    listing.add_argument("--service")
    listing.add_argument("--include-revoked", action="store_true")
    revoke = sub.add_parser("revoke", help="refuse a key from now on")
    revoke.add_argument("key_id")
    return parser


async def run(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create" and not re.fullmatch(SERVICE_PATTERN, args.service):
        print(f"--service must match {SERVICE_PATTERN}", file=sys.stderr)
        return 2
    engine = make_engine(args.url or Settings().database_url)
    sessions = make_sessionmaker(engine)
    by = f"cli:{getpass.getuser()}"
    try:
        async with NotifyUnitOfWork(sessions, messaging, service="notify") as uow:
            if args.command == "create":
                key_id, key = await create_key(
                    uow, name=args.name[:100], service=args.service, key_type=args.key_type, by=by
                )
                await uow.commit()
                print(f"created {args.key_type} key {key_id} for {args.service}", file=sys.stderr)
                print(key)
            elif args.command == "list":
                rows, total = await uow.api_keys.page(
                    service=args.service, include_revoked=args.include_revoked, limit=1000, offset=0
                )
                for r in rows:
                    revoked = f"revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else "active"
                    print(f"{r.id}  {r.service:<16} {r.key_type:<4}  {revoked:<18} {r.name}")
                print(f"{total} key(s)", file=sys.stderr)
            else:
                row = await revoke_key(uow, args.key_id, by)
                if row is None:
                    print(f"no key {args.key_id}", file=sys.stderr)
                    return 1
                await uow.commit()
                print(
                    f"revoked {row.id} ({row.service}, {row.key_type}) at {row.revoked_at:%Y-%m-%d %H:%M:%S}"
                )
    finally:
        await engine.dispose()
    return 0


def main() -> None:
    configure_logging("notify", Settings().log_level)  # log lines on stderr: stdout is the key alone
    sys.exit(asyncio.run(run(sys.argv[1:])))


if __name__ == "__main__":
    main()
