"""The portal's own payment pages (Vietnamese): choose a provider, and the result after the provider."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from starlette.responses import HTMLResponse

from dvc_payment.adapters.sandbox.pages import page
from dvc_payment.domain.model import STATUS_TEXT, format_vn_time, format_vnd

PORTAL_COLOR = "#b91c1c"


def _summary(p: Any) -> str:
    return f"""<dl>
<dt>Nội dung</dt><dd>{html.escape(p.description)}</dd>
{f"<dt>Mã hồ sơ</dt><dd>{html.escape(p.dossier_code)}</dd>" if p.dossier_code else ""}
{f"<dt>Số quyết định</dt><dd>{html.escape(p.decision_no)}</dd>" if p.decision_no else ""}
<dt>Số tiền</dt><dd class="amount">{format_vnd(p.amount_vnd)}</dd>
{f"<dt>Đã giảm</dt><dd>{format_vnd(p.discount_vnd)}</dd>" if p.discount_vnd else ""}
<dt>Trạng thái</dt><dd>{STATUS_TEXT.get(p.status, p.status)}</dd>
<dt>Hạn thanh toán</dt><dd>{format_vn_time(p.expires_at)}</dd>
</dl>"""


def choose_provider_page(
    p: Any, providers: list[tuple[str, str]], *, action: str, error: str | None = None
) -> HTMLResponse:
    """``action``: where the form posts (the pay page itself, with the pay link's signature if it had one)."""
    if p.status in ("succeeded", "refunded", "expired"):
        return page("Cổng Dịch vụ công — Thanh toán", _summary(p), color=PORTAL_COLOR)
    buttons = "".join(
        f'<p><button class="pay" style="background:{PORTAL_COLOR}" name="provider" value="{html.escape(name)}">'
        f"{html.escape(label)}</button></p>"
        for name, label in providers
    )
    notice = f'<p class="sandbox">{html.escape(error)}</p>' if error else ""
    body = f"""{_summary(p)}{notice}
<form method="post" action="{html.escape(action)}"><p>Chọn kênh thanh toán:</p>{buttons}</form>"""
    return page("Cổng Dịch vụ công — Thanh toán", body, color=PORTAL_COLOR)


def back_to_portal(p: Any, portal_url: str) -> tuple[str, str]:
    """Where the result page sends the citizen back: the dossier's page on the portal for a dossier's fee, the
    fines page for a fine, else the portal's home; from the configured portal address and the intent's own
    dossier code (quoted), never from the request."""
    base = portal_url.rstrip("/")
    if p.dossier_code:
        return f"{base}/ho-so/{quote(p.dossier_code, safe='')}", f"Quay lại hồ sơ {p.dossier_code}"
    if p.decision_no or p.purpose == "fine":
        return f"{base}/phat-nguoi", "Quay lại trang nộp phạt vi phạm giao thông"
    return f"{base}/", "Về Cổng Dịch vụ công"


def result_page(p: Any, *, retry_url: str, portal_url: str) -> HTMLResponse:
    waiting = p.status in ("created", "pending")
    refresh = '<meta http-equiv="refresh" content="2">' if waiting else ""
    lead = {
        "succeeded": "Thanh toán thành công. Cảm ơn bạn!",
        "pending": "Đang chờ xác nhận từ ngân hàng/ví…",
        "failed": "Thanh toán không thành công. Bạn có thể thử lại trước khi hết hạn.",
        "expired": "Khoản thanh toán đã hết hạn.",
        "refunded": "Khoản thanh toán đã được hoàn tiền.",
    }.get(p.status, STATUS_TEXT.get(p.status, p.status))
    retry = f'<p><a href="{html.escape(retry_url)}">Thanh toán lại</a></p>' if p.status == "failed" else ""
    href, text = back_to_portal(p, portal_url)
    back = f'<p><a id="back-to-portal" href="{html.escape(href)}">{html.escape(text)}</a></p>'
    return page(
        "Cổng Dịch vụ công — Kết quả thanh toán",
        f"{refresh}<p>{lead}</p>{_summary(p)}{retry}{back}",
        color=PORTAL_COLOR,
    )
