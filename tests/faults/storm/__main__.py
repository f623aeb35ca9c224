"""``python -m tests.faults.storm`` (``make faults``): the storm at the size FAULTS_* say; the table on stdout,
the JSON to FAULTS_OUT (default bench/results/faults.json); exit status 1 when an invariant is broken.
``python -m bench faults`` runs the same through the bench runner. FAULTS_KEEP=1 keeps the stack up after the
report (to look around; Ctrl-C ends it)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from .runner import run_storm


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # the storm's finally: clusters, PostgreSQL, namespace go


def main() -> None:
    signal.signal(signal.SIGTERM, _interrupt)
    out = Path(os.environ.get("FAULTS_OUT", "bench/results/faults.json"))
    result = asyncio.run(run_storm(out=out))
    raise SystemExit(1 if result["invariant_failures"] else 0)


if __name__ == "__main__":
    main()
