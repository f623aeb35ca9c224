"""Logs: structlog with the service and the request's correlation id bound.

``LOG_FORMAT`` chooses the renderer: ``console`` (one coloured, human-readable line per event: ``make run`` sets
it), ``json`` (one JSON object per line: production always, whatever ``LOG_FORMAT`` says), default ``console``
on a terminal and ``json`` elsewhere. Libraries' stdlib logs (uvicorn, aiokafka, FastStream, httpx) go through the
same renderer, tamed: connection errors aiokafka repeats while the broker is away are dropped (the kit logs
``broker.down``/``broker.up`` once each), a partition assignment is one short line, not a list of every partition,
and httpx's request lines (reporting's scrapes every few seconds) stay below INFO.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

import structlog

_configured = False

# aiokafka's lines while the broker is away: the kit's broker supervisor reports the outage itself, once
_BROKER_AWAY = re.compile(
    r"Unable connect to node|Unable to update metadata|Unable to request metadata|Unexpected exception in "
    r"AIOKafkaConnection|Failed fetch messages|Heartbeat|Marking the coordinator dead|Group Coordinator "
    r"Request failed|LeaveGroup request failed|Coordinator .* is either not started|Connection at .* closed"
)
_ASSIGNED = re.compile(r"^Consumer (\S+) assigned to partitions: \((.*)\)$", re.DOTALL)
_TASK_CALLBACK = re.compile(r"^callback for \S+ is being executed")
_QUIET = {"aiokafka": "WARNING", "httpx": "WARNING", "httpcore": "WARNING", "asyncio": "WARNING"}


class _Tame(logging.Filter):
    """Drops aiokafka's broker-away repeats; shortens FastStream's partition assignment to a count per topic."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("aiokafka") and record.levelno < logging.CRITICAL:
            return not _BROKER_AWAY.search(record.getMessage())
        if record.name == "dvc.faststream" and _TASK_CALLBACK.match(record.getMessage()):
            return False  # FastStream's "callback for Task-N is being executed..." at every stop
        if record.levelno == logging.INFO and (m := _ASSIGNED.match(record.getMessage())):
            topics = re.findall(r"topic='([^']+)'", m.group(2))
            per_topic = {t: topics.count(t) for t in sorted(set(topics))}
            summary = ", ".join(f"{t}×{n}" for t, n in per_topic.items()) or "none"
            record.msg, record.args = f"consumer assigned {len(topics)} partitions ({summary})", None
        return True


def log_format() -> str:
    if os.environ.get("DVC_ENV", "").strip().lower() == "production":
        return "json"
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("console", "json"):
        return chosen
    return "console" if sys.stderr.isatty() else "json"


def configure_logging(service: str, level: str = "INFO") -> None:
    global _configured
    renderer: Any = (
        structlog.dev.ConsoleRenderer(
            colors=True, pad_event=28, exception_formatter=structlog.dev.plain_traceback
        )
        if log_format() == "console"
        else structlog.processors.JSONRenderer()
    )
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    # Route stdlib logs (uvicorn, aiokafka, faststream) through the same renderer.
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_Tame())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own plain-text handlers go
        lg = logging.getLogger(name)
        if lg.handlers:  # (uvicorn --no-access-log leaves uvicorn.access without handlers: it stays off)
            lg.handlers, lg.propagate = [], True
    structlog.contextvars.bind_contextvars(service=service)
    _configured = True


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)


def bind(**values: Any) -> None:
    structlog.contextvars.bind_contextvars(**values)


def current_correlation_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("correlation_id")
    return str(value) if value else None
