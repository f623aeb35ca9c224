"""`make bench`: every scenario prints its figures and writes JSON to bench/results/."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import pkgutil
import platform
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import bench


def _scenarios() -> dict[str, Callable[[], Coroutine[Any, Any, dict[str, Any]]]]:
    """Every module in bench/ with an async ``run()`` is a scenario, named after the module."""
    found = {}
    for info in pkgutil.iter_modules(bench.__path__):
        module = importlib.import_module(f"bench.{info.name}")
        if hasattr(module, "run"):
            found[info.name.replace("_", "-")] = module.run
    return found


SCENARIOS = _scenarios()
# run only when named (`make faults` = `python -m bench faults`): not part of a plain `make bench`.
# typed-before-after: needs the repository's history (a worktree of an older revision)
ON_DEMAND = {"faults", "typed-before-after"}


def main() -> None:
    parser = argparse.ArgumentParser(description="Cổng DVC benchmarks")
    default = [s for s in SCENARIOS if s not in ON_DEMAND]
    parser.add_argument("scenarios", nargs="*", help=f"default: all of {', '.join(default)}")
    args = parser.parse_args()
    args.scenarios = args.scenarios or default
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    out = Path("bench/results")
    out.mkdir(parents=True, exist_ok=True)
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()}
    for name in args.scenarios:
        result: dict[str, Any] = asyncio.run(SCENARIOS[name]())
        result |= {
            "scenario": name,
            "machine": machine,
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        path = out / f"{name}.json"
        path.write_text(json.dumps(result, indent=2) + "\n")
        print(f"{name}: wrote {path}")


if __name__ == "__main__":
    main()
