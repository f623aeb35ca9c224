"""Run an ASGI app under uvicorn inside the current event loop (the fake gateways; tests' notify app)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any, Literal

import uvicorn


class EmbeddedServer(uvicorn.Server):
    """uvicorn without its signal handlers: the host process (itself a uvicorn) keeps its own."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Served:
    def __init__(
        self, app: Any, host: str = "127.0.0.1", port: int = 0, lifespan: Literal["auto", "on", "off"] = "off"
    ) -> None:
        self.server = EmbeddedServer(
            uvicorn.Config(
                app, host=host, port=port, log_level="warning", lifespan=lifespan, access_log=False
            )
        )
        self.host = host
        self.task: asyncio.Task[None] | None = None

    @property
    def port(self) -> int:
        sockets = self.server.servers[0].sockets
        return int(sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self, timeout: float = 30.0) -> None:
        self.task = asyncio.create_task(self.server.serve())
        deadline = asyncio.get_running_loop().time() + timeout
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises the startup error
                raise RuntimeError("server exited during startup")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError("server did not start")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self.task = None
