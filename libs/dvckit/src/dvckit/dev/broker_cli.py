"""``dvc-devbroker`` (``python -m dvckit.devbroker``): a development broker in the foreground for ``make run``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
import time
from pathlib import Path

from dvckit.dev.broker import DevBroker
from dvckit.dev.broker_kinds import KINDS, NON_IDEMPOTENT_KINDS, resolve_kind
from dvckit.dev.broker_wire import ensure_topics


def main() -> None:
    """``dvc-devbroker run [--port 9092] [--kind tansu]``: run a broker in the foreground until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="dvc-devbroker", description="Development Kafka broker for Cổng DVC."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start a broker, create the portal topics, run until Ctrl-C")
    run.add_argument("--port", type=int, default=9092, help="port on 127.0.0.1 (default 9092)")
    run.add_argument(
        "--kind",
        choices=[*KINDS, "auto"],
        default=None,
        help="default: KAFKA_BOOTSTRAP, else DVC_DEV_BROKER, else Apache Kafka (Java 17+ and Maven), else "
        "testcontainers if Docker answers, else tansu",
    )
    run.add_argument(
        "--data-dir", type=Path, default=None, help="kafka or noida storage directory (default: temporary)"
    )
    run.add_argument("--log", type=Path, default=None, help="broker log file (default: temporary file)")
    run.add_argument("--no-topics", action="store_true", help="do not create the portal topics")
    sub.add_parser("idempotence", help="print true/false: whether the broker `run` would start has it")
    args = parser.parse_args()
    if args.command == "idempotence":
        print("false" if resolve_kind() in NON_IDEMPOTENT_KINDS else "true")
        return

    stop = threading.Event()
    received: list[int] = []
    setting_up = True

    def _on_signal(signum: int, _frame: object) -> None:
        received.append(signum)
        stop.set()
        if setting_up:  # interrupt a slow start or topic creation; the finally below cleans up
            raise _Interrupted

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    broker: DevBroker | None = None
    code = 0
    try:
        broker = DevBroker(kind=args.kind, port=args.port, data_dir=args.data_dir, log_path=args.log)
        broker.start()
        print(f"dvc-devbroker: {broker.describe()}", flush=True)
        if not args.no_topics:
            from dvc_contracts.topics import ALL_TOPICS, partitions_for

            t0 = time.perf_counter()
            # aiokafka logs every failed connection attempt; ensure_topics reports the final error itself.
            logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
            asyncio.run(ensure_topics(broker.bootstrap, [(t, partitions_for(t)) for t in ALL_TOPICS]))
            print(
                f"dvc-devbroker: {len(ALL_TOPICS)} topics ready in {time.perf_counter() - t0:.2f} s",
                flush=True,
            )
        setting_up = False
        if stop.is_set():
            raise _Interrupted
        print(f"KAFKA_BOOTSTRAP={broker.bootstrap}", flush=True)
        while not stop.wait(0.5):
            proc = broker._proc
            if proc is not None and proc.poll() is not None:
                print(
                    f"dvc-devbroker: broker exited with code {proc.returncode}; log {broker.log_path}",
                    file=sys.stderr,
                    flush=True,
                )
                code = 1
                break
    except _Interrupted:
        pass
    except Exception as exc:
        print(f"dvc-devbroker: {exc}", file=sys.stderr, flush=True)
        code = 1
    finally:
        setting_up = False
        if broker is not None:
            broker.stop()
    if received:
        print(f"dvc-devbroker: stopped ({signal.Signals(received[0]).name})", flush=True)
    sys.exit(code)


class _Interrupted(BaseException):
    """SIGINT/SIGTERM while the CLI is still starting."""


if __name__ == "__main__":
    main()
