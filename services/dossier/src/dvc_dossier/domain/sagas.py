"""Cross-agency sagas, written as readable steps with their compensations (FTGO's CreateOrderSaga shape).

Pure: each transition takes the saga and what happened, and returns the new saga and the actions to take
(commands the service layer turns into outbox events and history rows). A transition that does not fit
the current state returns no actions — a repeated event never double-charges, double-refunds or re-sends.

Vehicle registration (chained flow "vehicle-registration"):
  1. declare the registration fee (lệ phí trước bạ) → tax assesses it (rule in the catalog) → payment requested
                                                          compensation: refund the fee
  2. fee-paid → SMS "đã nộp hồ sơ kê khai thuế thành công" with the dossier code
  3. forward the dossier to the traffic police (dossier-forwarded) → SMS "hồ sơ đã được chuyển sang CSGT…"
  4. the police report completed with the plate → done (SMS with the plate)
  The police reject → refund-requested → fee-refunded → SMS. The payment expires → the saga is cancelled.

Driver-licence renewal level 4 (chained flow "licence-renewal-l4"):
  1. shared data about the applicant — the citizen the token names, never a typed name: the health-check
     record (Bộ Y tế) of the code they give, on a health-check dossier they filed themselves, and the unpaid
     traffic fines (Bộ Công an) issued to their personal identification number; each use logged on the
     dossier; a missing record or an unpaid fine blocks the saga with a clear reason until the health record
     / fine-settled arrives
  2. the fee is requested and paid
  3. the licensing agency (the procedure's responsible agency, recorded at submission) processes it and
     reports completed → done

A step that waits for an agency's report (the police's plate, the licensing agency's result) moves only on a
report from that agency; another agency allowed on the procedure may move the dossier's status, not the saga.

The flows' steps, the saga's record and the actions are in ``saga_model`` (their names importable here too).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dvc_contracts import fees
from dvc_dossier.domain.saga_model import (
    FINAL_STATES,
    LICENCE,
    LICENCE_RENEWAL_STEPS,
    POLICE_AGENCY,
    STEPS,
    TAX_AGENCY,
    VEHICLE,
    VEHICLE_REGISTRATION_STEPS,
    Action,
    Forward,
    Note,
    RequestPayment,
    RequestRefund,
    Saga,
    Sms,
    Step,
)

__all__ = [
    "FINAL_STATES",
    "LICENCE",
    "LICENCE_RENEWAL_STEPS",
    "POLICE_AGENCY",
    "STEPS",
    "TAX_AGENCY",
    "VEHICLE",
    "VEHICLE_REGISTRATION_STEPS",
    "Action",
    "FeeError",
    "Forward",
    "Note",
    "RequestPayment",
    "RequestRefund",
    "Saga",
    "Sms",
    "Step",
    "assess_fee",
    "check_licence_prerequisites",
    "on_agency_report",
    "on_fee_paid",
    "on_fee_refunded",
    "on_payment_expired",
    "on_refund_failed",
    "start_vehicle_registration",
    "waiting_for",
]


class FeeError(ValueError):
    """The saga's fee cannot be assessed from the form; ``field`` is the form field to correct."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def assess_fee(fee: dict[str, Any], fields: dict[str, Any], province_code: str) -> int:
    """Tax assesses the registration fee from the catalog's rule (dvc_contracts.fees.assess_fee: percent of the
    declared value, in whole đồng, rounded half up; a former province pays today's unit's rate). The saga asks
    for a payment, so a rule's amount must be known here and above 0."""
    procedure_fee = fees.parse_fee(fee)
    try:
        amount = fees.assess_fee(procedure_fee, fields, province_code)
    except fees.FeeAssessmentError as exc:
        raise FeeError(exc.message, exc.field) from exc
    if procedure_fee.rule is None:
        return amount or 0  # fixed or free
    field = str(getattr(procedure_fee.rule, "value_field", "fee"))
    if amount is None:
        raise FeeError("số tiền do hệ thống khác xác định, không tính được khi nộp hồ sơ", field)
    if amount <= 0:
        raise FeeError(f"{field} phải lớn hơn 0", field)
    return amount


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


# --- vehicle registration ------------------------------------------------------------------------------


def start_vehicle_registration(
    dossier_code: str, amount_vnd: int, payment_id: str
) -> tuple[Saga, list[Action]]:
    saga = Saga(dossier_code, VEHICLE, "awaiting_payment", payment_id=payment_id, amount_vnd=amount_vnd)
    return saga, [
        Note(
            "saga",
            "fee_assessed",
            f"Cơ quan thuế đã tính lệ phí trước bạ: {_vnd(amount_vnd)}. Chờ thanh toán.",
        ),
        RequestPayment(payment_id, amount_vnd, f"Lệ phí trước bạ, hồ sơ {dossier_code}"),
    ]


def on_fee_paid(saga: Saga, payment_id: str, refund_reason: str | None = None) -> tuple[Saga, list[Action]]:
    """``refund_reason``: the payment service refunds this money itself (paid after the intent expired), so
    it pays for nothing: the saga keeps waiting, and payment-expired — published with it, on another topic
    that may be read later — cancels it."""
    if saga.state != "awaiting_payment" or saga.payment_id != payment_id or refund_reason is not None:
        return saga, []
    if saga.flow == LICENCE:
        return replace(saga, state="awaiting_agency"), [
            Note(
                "saga",
                "fee_paid",
                f"Đã nộp lệ phí {_vnd(saga.amount_vnd)}. Hồ sơ chuyển cơ quan cấp GPLX xử lý.",
            ),
        ]
    return replace(saga, state="awaiting_police"), [
        Note("saga", "fee_paid", f"Đã nộp lệ phí trước bạ {_vnd(saga.amount_vnd)}: kê khai thuế thành công."),
        Sms("tax-declaration-paid", {"dossier_code": saga.dossier_code, "amount": saga.amount_vnd}),
        Forward(TAX_AGENCY, POLICE_AGENCY, "Cảnh sát giao thông"),
        Note("saga", "forwarded", "Hồ sơ đã được chuyển sang CSGT; mời đến phòng đăng ký xe để làm thủ tục."),
        Sms(
            "dossier-forwarded",
            {"dossier_code": saga.dossier_code, "to_agency": "CSGT", "office": "phòng đăng ký xe"},
        ),
    ]


def on_payment_expired(saga: Saga, payment_id: str) -> tuple[Saga, list[Action]]:
    if saga.state != "awaiting_payment" or saga.payment_id != payment_id:
        return saga, []
    return replace(saga, state="cancelled"), [
        Note("saga", "cancelled", "Quá hạn thanh toán (90 phút): hồ sơ liên thông đã bị hủy."),
    ]


def waiting_for(saga: Saga) -> str | None:
    """The agency whose report the current step waits for (None: no step waits for a report)."""
    if saga.state == "awaiting_police":
        return POLICE_AGENCY
    if saga.state == "awaiting_agency":
        return saga.context.get("agency")  # a saga started without it waits for nobody
    return None


def on_agency_report(
    saga: Saga, agency_code: str, status: str, result: str | None
) -> tuple[Saga, list[Action]]:
    """The police (vehicle) or licensing agency (licence) reported on the dossier."""
    waiting = waiting_for(saga)
    if waiting is None or agency_code != waiting:
        return saga, []
    if status == "completed":
        what = f"biển số {result}" if saga.flow == VEHICLE else f"kết quả {result}"
        return replace(saga, state="completed", context=saga.context | {"result": result}), [
            Note("saga", "completed", f"Hoàn thành: {what}."),
        ]
    if status in ("rejected", "returned"):
        refund_id = f"refund-{saga.payment_id}"
        return replace(saga, state="compensating", refund_id=refund_id), [
            Note("compensation", "refund_requested", "Hồ sơ bị từ chối: đang hoàn trả lệ phí đã nộp."),
            RequestRefund(refund_id, saga.payment_id or "", saga.amount_vnd, "agency_rejected"),
        ]
    return saga, []


def on_fee_refunded(saga: Saga, amount_vnd: int, reason: str | None = None) -> tuple[Saga, list[Action]]:
    """``reason``: the refund's (``payment_expired``: a payment made after the intent expired, refunded by the
    payment service on its own)."""
    if saga.state == "awaiting_payment" and reason == "payment_expired":
        # the intent expired, though payment-expired (another topic) may not have been read yet: cancel first,
        # then the refund is the late payment's — the same end as when payment-expired is read first
        cancelled, notes = on_payment_expired(saga, saga.payment_id or "")
        after, refunded = on_fee_refunded(cancelled, amount_vnd)
        return after, notes + refunded
    refund_sms = Sms("fee-refunded", {"dossier_code": saga.dossier_code, "amount": amount_vnd})
    if saga.state == "compensating":
        return replace(saga, state="compensated"), [
            Note("compensation", "refunded", f"Đã hoàn trả {_vnd(amount_vnd)}."),
            refund_sms,
        ]
    if saga.state == "cancelled" and not saga.context.get("late_refund"):
        # a late payment after expiry, refunded automatically by the payment service
        return replace(saga, context=saga.context | {"late_refund": True}), [
            Note("compensation", "refunded", f"Khoản thanh toán muộn {_vnd(amount_vnd)} đã được hoàn trả."),
            refund_sms,
        ]
    return saga, []


def on_refund_failed(saga: Saga, reason: str) -> tuple[Saga, list[Action]]:
    if saga.state != "compensating":
        return saga, []
    return replace(saga, state="compensation_failed", blocked_reason=reason), [
        Note("compensation", "refund_failed", f"Hoàn trả chưa thành công ({reason}); cán bộ sẽ xử lý."),
    ]


# --- driver-licence renewal level 4 ----------------------------------------------------------------------


def check_licence_prerequisites(
    saga: Saga, health_record: str | None, unpaid_fines: list[str], payment_id: str
) -> tuple[Saga, list[Action]]:
    """Run (or re-run) the shared-data checks; move on to payment once both pass."""
    if saga.state not in ("checking", "blocked"):
        return saga, []
    code = saga.context.get("health_check_code")
    actions: list[Action] = [
        Note(
            "data_access",
            "health_record_checked",
            f"Đã tra cứu dữ liệu khám sức khỏe của Bộ Y tế (mã {code}): "
            + ("có giấy khám sức khỏe hợp lệ." if health_record else "chưa có kết quả."),
        ),
        Note(
            "data_access",
            "fines_checked",
            "Đã tra cứu dữ liệu xử phạt vi phạm giao thông của Bộ Công an: "
            + (
                f"{len(unpaid_fines)} quyết định chưa nộp phạt."
                if unpaid_fines
                else "không có quyết định chưa nộp."
            ),
        ),
    ]
    if not health_record:
        reason = f"Chưa có giấy khám sức khỏe điện tử mã {code}; hồ sơ chờ dữ liệu từ cơ sở khám."
        return replace(saga, state="blocked", blocked_reason=reason), [
            *actions,
            Note("saga", "blocked", reason),
        ]
    if unpaid_fines:
        reason = "Còn quyết định xử phạt chưa nộp: " + ", ".join(unpaid_fines) + ". Nộp phạt để tiếp tục."
        return replace(saga, state="blocked", blocked_reason=reason), [
            *actions,
            Note("saga", "blocked", reason),
        ]
    unblocked = replace(saga, state="awaiting_payment", blocked_reason=None, payment_id=payment_id)
    return unblocked, [
        *actions,
        Note("saga", "fee_requested", f"Đủ điều kiện; mời nộp lệ phí {_vnd(saga.amount_vnd)}."),
        RequestPayment(
            payment_id, saga.amount_vnd, f"Lệ phí đổi giấy phép lái xe, hồ sơ {saga.dossier_code}"
        ),
    ]
