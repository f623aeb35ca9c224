"""Request bodies are limited before they are read: a declared ``Content-Length`` over the limit is refused with
413 at once, and a body sent without one (chunked) is counted while it streams in and refused as soon as it
passes the limit — a 600 MB POST never reaches memory. ``<PREFIX>MAX_BODY_BYTES`` (default 2 MiB) per service.

A route that reads its body as a stream and counts it itself (an upload: ``dvckit.multipart``, with its own,
larger limit and its own message) is named in ``streamed_paths`` (regular expressions matched against the whole
path) and passes through untouched."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dvckit.problems import MEDIA_TYPE, problem_bytes


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, streamed_paths: Sequence[str] = ()) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.streamed = re.compile("|".join(f"(?:{p})" for p in streamed_paths)) if streamed_paths else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.streamed and self.streamed.fullmatch(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(send)
            return
        seen, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes and not started:
                    # answer now; the app sees a client that went away and whatever it answers is dropped
                    refused = True
                    await self._refuse(send)
                    return {"type": "http.disconnect"}
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            if not refused:  # a handler that read on after the 413 fails on the "disconnect": nothing to add
                raise

    async def _refuse(self, send: Send) -> None:
        limit = f"{self.max_bytes:,}".replace(",", ".")
        body = problem_bytes(413, "body_too_large", f"Nội dung yêu cầu vượt quá {limit} byte.")
        headers = [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
