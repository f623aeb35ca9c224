"""Errors of the payment routes added after the kit's problem format: raise ``error(...)`` (an RFC 9457
problem through dvckit.problems) and declare ``CONFLICT`` where a route can answer 409."""

from __future__ import annotations

from typing import Any, Final

from fastapi import HTTPException

from dvckit.problems import MEDIA_TYPE, TITLES, Problem


def error(status: int, code: str, message: str, **extensions: Any) -> HTTPException:
    return HTTPException(status, detail={"error": code, "message": message, **extensions})


CONFLICT: Final[dict[int | str, dict[str, Any]]] = {
    409: {
        "model": Problem,
        "description": TITLES[409],
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
}
