"""``python -m tests.faults.storm``: the storm at the size FAULTS_* say; the JSON goes to FAULTS_OUT
(default bench/results/faults.json). ``make faults`` runs it through ``python -m bench faults``."""

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
