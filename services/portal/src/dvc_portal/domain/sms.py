"""The citizen's SMS in words: whether their number receives the portal's SMS, what stopping means, the reason
they may give (the SMS page), and the messages a dossier's page lists. Pure: the notify service decides, keeps
the list and the messages (its ``/citizen/opt-out`` and ``/citizen/sms``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dvc_portal.domain import format as fmt

MAX_REASON = 500
# What the portal sends by SMS (notify's templates), as the page lists it.
TRIGGERS = (
    "khi hồ sơ được tiếp nhận, kèm mã hồ sơ và hạn trả kết quả",
    "mỗi khi hồ sơ đổi trạng thái, được chuyển cơ quan hoặc có kết quả",
    "khi phí, lệ phí được thanh toán hoặc hoàn trả",
    "khi khoản phạt vi phạm giao thông đã được nộp",
    "khi phản ánh, kiến nghị của bạn được trả lời",
)
# After a change: ?da-luu=<key> on the page says what was done (role="status").
SAVED = {
    "dung": "Đã dừng gửi tin nhắn SMS tới số điện thoại của bạn.",
    "nhan-lai": "Đã bật lại tin nhắn SMS tới số điện thoại của bạn.",
}
ACTIONS = ("dung", "nhan-lai")


@dataclass(frozen=True)
class SmsPreference:
    phone: str  # masked, as notify shows it (+8491*****78)
    receiving: bool
    since: str | None  # dd/mm/yyyy the number stopped receiving
    stopped_by_support: bool  # stopped by an operator (e.g. at the hotline), not on this page

    @property
    def headline(self) -> str:
        if self.receiving:
            return f"Số {self.phone} đang nhận tin nhắn SMS của Cổng Dịch vụ công."
        since = f" từ ngày {self.since}" if self.since else ""
        return f"Số {self.phone} đã dừng nhận tin nhắn SMS{since}."


def preference(answer: dict[str, Any]) -> SmsPreference:
    """notify's answer (``phone``, ``opted_out``, ``since``, ``source``) as the page shows it."""
    opted_out = bool(answer.get("opted_out"))
    since = answer.get("since")
    return SmsPreference(
        phone=str(answer.get("phone") or ""),
        receiving=not opted_out,
        since=fmt.day(since) if opted_out and since else None,
        stopped_by_support=opted_out and answer.get("source") not in (None, "citizen"),
    )


def clean_reason(text: str | None) -> tuple[str | None, str | None]:
    """(the reason with its spaces tidied or None, an error message or None)."""
    reason = " ".join((text or "").split())
    if len(reason) > MAX_REASON:
        return reason, f"Lý do tối đa {fmt.number(MAX_REASON)} ký tự (bạn đã nhập {fmt.number(len(reason))})."
    return reason or None, None


# notify's message statuses (dvc_notify.domain.status) as a citizen reads them
SMS_STATES = {
    "created": "Đang chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "delivered": "Đã đến máy",
    "temporary-failure": "Chưa gửi được, sẽ gửi lại",
    "permanent-failure": "Không gửi được",
    "technical-failure": "Không gửi được",
}
SMS_UNAVAILABLE = "Chưa xem được tin nhắn SMS lúc này. Vui lòng tải lại trang sau ít phút."


@dataclass(frozen=True)
class SentSms:
    at: str  # HH:MM dd/mm/yyyy, Hà Nội time
    at_iso: str
    text: str
    state: str


@dataclass(frozen=True)
class DossierSms:
    phone: str  # the account's number, masked: the list holds what was sent to it
    messages: list[SentSms]


def dossier_sms(answer: dict[str, Any]) -> DossierSms:
    """notify's answer (``phone``, ``items``: newest first) as the dossier page lists it."""
    messages = [
        SentSms(
            at=fmt.moment(m.get("created_at")),
            at_iso=fmt.iso_moment(m.get("created_at")),
            text=str(m.get("text") or ""),
            state=SMS_STATES.get(str(m.get("status")), "Đang xử lý"),
        )
        for m in answer.get("items") or []
    ]
    return DossierSms(phone=str(answer.get("phone") or ""), messages=messages)
