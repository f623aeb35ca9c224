"""The sandboxes' HTML (pay page, result, error) and the two pay-page routes the three share: the page
(GET) and the citizen's choice on it (POST), which completes the transaction and sends the browser back to
the merchant with the provider's own return parameters."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from dvc_payment.adapters.sandbox.core import SCENARIOS, Branding, SandboxCore, SandboxError
from dvc_payment.domain.model import format_vn_time, format_vnd

MERCHANT = "Cổng Dịch vụ công Quốc gia"


def pay_routes(
    router: APIRouter,
    core: SandboxCore,
    provider: str,
    brand: Branding,
    return_query: Callable[[Any], str],
    *,
    page_summary: str | None,
) -> None:
    """``page_summary`` None: the provider serves its own GET pay page (VNPay checks a signed redirect)."""
    base = f"{router.prefix}/pay"
    if page_summary is not None:

        @router.get("/pay/{ref}", summary=page_summary)
        async def pay(ref: str) -> Response:
            row = await core.get(provider, ref)
            if row is None:
                return error_page(brand, "Không tìm thấy giao dịch.", 404)
            return pay_page(brand, row, action_url=f"{base}/{ref}", merchant=MERCHANT)

    @router.post("/pay/{ref}", summary="The citizen's choice on the pay page (form: action, scenario)")
    async def choose(request: Request, ref: str) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        try:
            row = await core.complete(
                provider, ref, form.get("action", "pay"), form.get("scenario", "normal")
            )
        except SandboxError as exc:
            return error_page(brand, exc.message, 404)
        if not row.return_url:
            return result_page(brand, row)
        return RedirectResponse(f"{row.return_url}?{return_query(row)}", status_code=303)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f4f6;margin:0;color:#111}
main{max-width:30rem;margin:2rem auto;background:#fff;border-radius:12px;box-shadow:0 2px 12px #0002;overflow:hidden}
header{color:#fff;padding:1rem 1.25rem;font-weight:600}
section{padding:1.25rem}
dl{display:grid;grid-template-columns:9rem 1fr;gap:.4rem .75rem;margin:0 0 1rem}
dt{color:#555}
.amount{font-size:1.5rem;font-weight:700}
.sandbox{font-size:.85rem;background:#fffbeb;border:1px dashed #d97706;padding:.5rem .75rem;border-radius:8px;margin:1rem 0}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:8px;border:0;cursor:pointer;margin-right:.5rem}
.pay{color:#fff}
.cancel{background:#e5e7eb}
.note{color:#555;font-size:.85rem}
"""


def page(title: str, body: str, *, color: str = "#b91c1c", status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body><main><header style="background:{color}">{html.escape(title)}</header>
<section>{body}</section></main></body></html>""",
        status_code=status_code,
    )


def pay_page(brand: Branding, row: Any, *, action_url: str, merchant: str) -> HTMLResponse:
    if row.status != "created":
        return result_page(brand, row)
    options = "".join(
        f'<option value="{k}"{" selected" if k == "normal" else ""}>{html.escape(v)}</option>'
        for k, v in SCENARIOS.items()
    )
    expires = f"<dt>Hạn thanh toán</dt><dd>{format_vn_time(row.expires_at)}</dd>" if row.expires_at else ""
    body = f"""
<dl>
<dt>Đơn vị nhận</dt><dd>{html.escape(merchant)}</dd>
<dt>Nội dung</dt><dd>{html.escape(row.order_info)}</dd>
<dt>Mã giao dịch</dt><dd>{html.escape(row.ref)}</dd>
{expires}
<dt>Số tiền</dt><dd class="amount">{format_vnd(row.amount_vnd)}</dd>
</dl>
<form method="post" action="{html.escape(action_url)}">
<div class="sandbox"><label>Môi trường thử nghiệm — kịch bản:<br>
<select name="scenario">{options}</select></label></div>
<button class="pay" style="background:{brand.color}" name="action" value="pay">Thanh toán</button>
<button class="cancel" name="action" value="cancel">Hủy</button>
</form>
<p class="note">Đây là cổng thanh toán thử nghiệm: không có tiền thật được chuyển.</p>"""
    return page(f"{brand.name} — Cổng thanh toán (thử nghiệm)", body, color=brand.color)


RESULT_TEXT = {
    "success": "Giao dịch thành công.",
    "failed": "Giao dịch không thành công.",
    "cancelled": "Giao dịch đã bị hủy.",
    "processing": "Ngân hàng đang xử lý giao dịch.",
    "created": "Giao dịch đang chờ thanh toán.",
}


def result_page(brand: Branding, row: Any) -> HTMLResponse:
    body = (
        f"<p>{RESULT_TEXT.get(row.status, row.status)}</p><dl><dt>Mã giao dịch</dt><dd>{html.escape(row.ref)}</dd>"
        f"<dt>Số tiền</dt><dd>{format_vnd(row.amount_vnd)}</dd></dl>"
    )
    return page(f"{brand.name} — Kết quả giao dịch", body, color=brand.color)


def error_page(brand: Branding, message: str, status_code: int = 400) -> HTMLResponse:
    return page(
        f"{brand.name} — Lỗi", f"<p>{html.escape(message)}</p>", color=brand.color, status_code=status_code
    )
