"""Which provinces a request may see, in which edition: today's 34 (default) or the 63 of before 1 July 2025
(``units=2024``). An old code where a current one is expected is refused with a message that names the
province it now belongs to; a province operator sees only their province, in either edition."""

from __future__ import annotations

from fastapi import HTTPException, Query, status

from dvc_contracts import units
from dvc_reporting.domain.reference import province_name
from dvckit.auth.jwt import Principal

UNITS_Q = Query(
    "2025",
    description="đơn vị hành chính: 2025 = 34 tỉnh, thành phố từ 01/07/2025 (mặc định); 2024 = 63 tỉnh, "
    "thành phố trước ngày 01/07/2025 (để so sánh với số liệu cũ; province= là mã tỉnh cũ)",
)


def scope_of(principal: Principal) -> str | None:
    """A province operator's province (today's unit: dvckit.auth reads a former province in a token as the
    province it belongs to now)."""
    return principal.province or None


def _refuse(code: str, edition: units.Edition) -> HTTPException:
    if edition == "2024":
        return HTTPException(
            422,
            detail={
                "error": "unknown_province",
                "message": f"Mã tỉnh/thành phố '{code}' không có trong danh mục 63 tỉnh, thành phố trước ngày "
                "01/07/2025.",
            },
        )
    retired = code in units.RETIRED_CODES
    return HTTPException(
        422,
        detail={
            "error": "former_province" if retired else "unknown_province",
            "message": units.check_current(code),
            "current_code": units.current_of(code) if retired else None,
        },
    )


def place_filter(
    principal: Principal, province: str | None, edition: units.Edition
) -> tuple[str | None, str | None]:
    """(province of today, former province) for the ``province=`` of a request in ``edition``."""
    scope = scope_of(principal)
    if province is None:
        return scope, None
    current: str | None = province
    former = province if edition == "2024" else None
    if province in units.CURRENT_CODES | units.FORMER_CODES:
        # (a code neither edition knows is kept as sent in the read model, never guessed: it can be looked at)
        if province not in units.by_code(edition):
            raise _refuse(province, edition)
        if edition == "2024":
            current = units.current_of(province)
    if scope is not None and current != scope:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail={
                "error": "forbidden_province",
                "message": f"Tài khoản này chỉ xem được số liệu của {province_name(scope)}.",
            },
        )
    return current, former
