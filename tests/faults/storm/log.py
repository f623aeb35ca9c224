"""Progress lines on stderr, stamped with the seconds since the storm's process started."""

from __future__ import annotations

import sys
import time

T0 = time.monotonic()


def say(what: str) -> None:
    print(f"[faults +{time.monotonic() - T0:6.1f}s] {what}", file=sys.stderr, flush=True)
