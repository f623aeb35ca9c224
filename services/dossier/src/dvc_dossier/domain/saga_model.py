"""What a saga is made of: its flows and their steps, its record, and the actions a transition returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VEHICLE = "vehicle-registration"
LICENCE = "licence-renewal-l4"
TAX_AGENCY, POLICE_AGENCY = "BTC-TCT", "BCA-CSGT"


@dataclass(frozen=True)
class Step:
    name: str
    title: str  # what the citizen reads on the dossier page
    compensation: str | None = None


VEHICLE_REGISTRATION_STEPS = (
    Step("declare_fee", "Kê khai lệ phí trước bạ, cơ quan thuế tính số tiền"),
    Step("pay_fee", "Nộp lệ phí trước bạ", compensation="Hoàn trả lệ phí trước bạ"),
    Step("forward_to_police", "Chuyển hồ sơ sang Cảnh sát giao thông"),
    Step("issue_plate", "Cảnh sát giao thông đăng ký xe, cấp biển số"),
)
LICENCE_RENEWAL_STEPS = (
    Step("check_health_record", "Tra cứu giấy khám sức khỏe điện tử (Bộ Y tế)"),
    Step("check_unpaid_fines", "Tra cứu quyết định xử phạt giao thông chưa nộp (Bộ Công an)"),
    Step("pay_fee", "Nộp lệ phí đổi giấy phép lái xe", compensation="Hoàn trả lệ phí"),
    Step("issue_licence", "Cơ quan cấp giấy phép lái xe xử lý và trả kết quả"),
)
STEPS = {VEHICLE: VEHICLE_REGISTRATION_STEPS, LICENCE: LICENCE_RENEWAL_STEPS}

FINAL_STATES = frozenset({"completed", "cancelled", "compensated", "compensation_failed"})


# --- actions the service layer performs ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestPayment:
    payment_id: str
    amount_vnd: int
    description: str


@dataclass(frozen=True)
class RequestRefund:
    refund_id: str
    payment_id: str
    amount_vnd: int
    reason: str


@dataclass(frozen=True)
class Forward:
    from_agency: str
    to_agency: str
    to_agency_name: str


@dataclass(frozen=True)
class Sms:
    template: str
    personalisation: dict[str, Any]


@dataclass(frozen=True)
class Note:
    """A line on the citizen's dossier page: a saga step, a compensation, or a use of shared data."""

    kind: str  # saga | compensation | data_access
    status: str
    text: str


Action = RequestPayment | RequestRefund | Forward | Sms | Note


@dataclass(frozen=True)
class Saga:
    dossier_code: str
    flow: str
    state: str
    payment_id: str | None = None
    amount_vnd: int = 0
    refund_id: str | None = None
    blocked_reason: str | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES
