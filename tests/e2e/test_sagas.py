"""Cross-agency sagas end to end: every service a process, the real broker, agencies emitting on Kafka.

Vehicle registration: fee assessed and requested → paid (signed sandbox callback) → SMS → forwarded to the
traffic police → SMS → the police report completed with the plate. Also: police rejection with refund,
payment expiry, late success after expiry (reconciliation + automatic refund), a forged callback, and the
dossier service SIGKILLed mid-saga. Licence renewal level 4: an unpaid fine blocks, fine-settled unblocks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .conftest import Stack
from .helpers import agency_reports, dossier_has_fine, dossier_has_procedure, pay, police_fine, poll, unique

pytestmark = pytest.mark.e2e
POLICE, TAX = "BCA-CSGT", "BTC-TCT"


def vehicle_procedure(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": "Đăng ký xe ô tô (liên thông lệ phí trước bạ)",
        "sector": "GTVT-DANG-KY-XE",
        "agency_code": POLICE,
        "agency_name": "Cục Cảnh sát giao thông",
        "level": "province",
        "service_level": 4,
        "fee": {
            "kind": "rule",
            "rule": {
                "type": "percent_of_value",
                "value_field": "vehicle_value_vnd",
                "percent": 10,
                "percent_by_province": {"01": 12},
            },
        },
        "processing_days": 2,
        "required_fields": ["applicant_name", "phone", "vehicle_value_vnd", "chassis_number"],
        "allowed_agency_codes": [TAX, "CA-TINH"],
        "chained_flow": "vehicle-registration",
    }


async def publish(
    http: httpx.AsyncClient, stack: Stack, body: dict[str, Any], operator: dict[str, str]
) -> None:
    r = await http.post(f"{stack.url('catalog')}/procedures", json=body, headers=operator)
    assert r.status_code == 201, r.text
    r = await http.post(f"{stack.url('catalog')}/procedures/{body['code']}/publish", headers=operator)
    assert r.status_code == 200, r.text


class Citizen:
    def __init__(self, http: httpx.AsyncClient, stack: Stack, token: str) -> None:
        self.http, self.stack = http, stack
        self.headers = {"authorization": f"Bearer {token}"}

    async def submit(self, procedure: str, fields: dict[str, Any], province: str = "01") -> str:
        body = {
            "procedure_code": procedure,
            "province_code": province,
            "phone": "0987654321",
            "fields": fields,
        }

        async def go() -> httpx.Response:
            return await self.http.post(
                f"{self.stack.url('dossier')}/dossiers", json=body, headers=self.headers
            )

        r = await poll(go, lambda resp: resp.status_code != 404)
        assert r.status_code == 201, r.text
        return str(r.json()["code"])

    async def dossier(self, code: str) -> dict[str, Any]:
        r = await self.http.get(f"{self.stack.url('dossier')}/dossiers/{code}", headers=self.headers)
        r.raise_for_status()
        return dict(r.json())

    async def saga_state(self, code: str, state: str, timeout: float = 40) -> dict[str, Any]:
        async def fetch() -> dict[str, Any]:
            return await self.dossier(code)

        d = await poll(fetch, lambda d: d["saga"] and d["saga"]["state"] == state, timeout)
        return d


async def sms_texts(
    http: httpx.AsyncClient, stack: Stack, operator: dict[str, str], dossier: str
) -> list[str]:
    r = await http.get(f"{stack.url('notify')}/sms", params={"dossier_code": dossier}, headers=operator)
    r.raise_for_status()
    return [m["text"] for m in r.json()["items"]]


async def wait_sms(
    http: httpx.AsyncClient, stack: Stack, operator: dict[str, str], dossier: str, *needles: str
) -> list[str]:
    async def fetch() -> list[str]:
        return await sms_texts(http, stack, operator, dossier)

    return list(await poll(fetch, lambda texts: all(any(n in t for t in texts) for n in needles)))


@pytest.fixture
def people(make_token: Callable[..., str]) -> dict[str, dict[str, str] | str]:
    return {
        "operator": {"authorization": f"Bearer {make_token('operator')}"},
        "citizen": make_token("citizen", sub=unique("0012"), name="Trịnh Thanh Phong"),
    }


async def _to_police(
    stack: Stack, http: httpx.AsyncClient, people: dict[str, Any]
) -> tuple[Citizen, str, str, dict[str, Any]]:
    operator = people["operator"]
    code = unique("E2E-DKX")
    await publish(http, stack, vehicle_procedure(code), operator)
    citizen = Citizen(http, stack, people["citizen"])
    dossier = await citizen.submit(code, {"vehicle_value_vnd": 400_000_000, "chassis_number": "RLUF123456"})
    d = await citizen.saga_state(dossier, "awaiting_payment")
    assert d["saga"]["amount_vnd"] == 48_000_000, "12% in Hà Nội, assessed from the catalog rule"
    await pay(http, stack.url("payment"), d["saga"]["payment_id"], token=people["citizen"])
    d = await citizen.saga_state(dossier, "awaiting_police")
    assert d["status"] == "forwarded" and d["agency_code"] == POLICE, "same dossier, now at the police"
    await wait_sms(http, stack, operator, dossier, "kê khai thuế thành công", "chuyển sang CSGT")
    return citizen, code, dossier, operator


async def test_vehicle_registration_happy_path(
    stack: Stack, people: dict[str, Any], kafka_bootstrap: str
) -> None:
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as http:
        citizen, procedure, dossier, operator = await _to_police(stack, http, people)
        await agency_reports(kafka_bootstrap, dossier, procedure, POLICE, "01", 0, "received")
        await agency_reports(
            kafka_bootstrap, dossier, procedure, POLICE, "01", 1, "completed", result="30K-123.45"
        )
        d = await citizen.saga_state(dossier, "completed")
        assert d["saga"]["result"] == "30K-123.45" and d["status"] == "completed"
        texts = await wait_sms(http, stack, operator, dossier, "30K-123.45")
        steps = [h["status"] for h in d["history"] if h["kind"] == "saga"]
        assert steps == ["fee_assessed", "fee_paid", "forwarded", "completed"]
        # each step told once: no second SMS for the same step
        assert sum("kê khai thuế thành công" in t for t in texts) == 1


async def test_police_rejection_refunds_the_fee(
    stack: Stack, people: dict[str, Any], kafka_bootstrap: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        citizen, procedure, dossier, operator = await _to_police(stack, http, people)
        await agency_reports(kafka_bootstrap, dossier, procedure, POLICE, "01", 0, "rejected")
        d = await citizen.saga_state(dossier, "compensated")
        kinds = [(h["kind"], h["status"]) for h in d["history"] if h["kind"] == "compensation"]
        assert kinds == [("compensation", "refund_requested"), ("compensation", "refunded")]
        await wait_sms(http, stack, operator, dossier, "đã được hoàn trả")
        payment = (await http.get(f"{stack.url('payment')}/payments/{d['saga']['payment_id']}")).json()
        assert payment["status"] == "refunded"


async def test_payment_expiry_cancels_the_saga(stack: Stack, people: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        code = unique("E2E-DKX")
        await publish(http, stack, vehicle_procedure(code), people["operator"])
        citizen = Citizen(http, stack, people["citizen"])
        dossier = await citizen.submit(code, {"vehicle_value_vnd": 100_000_000, "chassis_number": "X1"})
        d = await citizen.saga_state(dossier, "cancelled", timeout=60)  # nobody pays within 20 s
        assert d["status"] == "cancelled"
        # the cancellation is a status change like any other: notify (and reporting, feedback) hear of it
        await wait_sms(http, stack, people["operator"], dossier, "da bi huy")


async def test_late_success_after_expiry_is_refunded(stack: Stack, people: dict[str, Any]) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        code = unique("E2E-DKX")
        await publish(http, stack, vehicle_procedure(code), people["operator"])
        citizen = Citizen(http, stack, people["citizen"])
        dossier = await citizen.submit(code, {"vehicle_value_vnd": 100_000_000, "chassis_number": "X2"})
        d = await citizen.saga_state(dossier, "awaiting_payment")
        # the bank is slow (settles after 25 s) and never calls back: the intent expires first
        await pay(
            http,
            stack.url("payment"),
            d["saga"]["payment_id"],
            scenario="slow_no_ipn",
            token=people["citizen"],
        )
        await citizen.saga_state(dossier, "cancelled", timeout=60)

        async def refunded() -> dict[str, Any]:
            return await citizen.dossier(dossier)

        d = await poll(refunded, lambda d: any(h["status"] == "refunded" for h in d["history"]), timeout=90)
        history = (
            await http.get(
                f"{stack.url('payment')}/payments/{d['saga']['payment_id']}/history",
                headers=people["operator"],
            )
        ).json()
        assert "refunded" in str(history), "reconciliation found the late success and refunded it"


async def test_forged_callback_is_rejected(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        forged = {
            "vnp_TmnCode": "DVCSBX01",
            "vnp_TxnRef": "nope",
            "vnp_Amount": "100",
            "vnp_ResponseCode": "00",
            "vnp_TransactionStatus": "00",
            "vnp_SecureHash": "00" * 64,
        }
        r = await http.get(f"{stack.url('payment')}/callbacks/vnpay", params=forged)
        assert r.status_code == 400 and r.json()["RspCode"] == "97"
        momo = await http.post(
            f"{stack.url('payment')}/callbacks/momo", json={"orderId": "x", "signature": "bad"}
        )
        assert momo.status_code == 400


async def test_unpaid_fine_blocks_licence_renewal_until_settled(
    stack: Stack, people: dict[str, Any], kafka_bootstrap: str, make_token: Callable[..., str]
) -> None:
    operator = people["operator"]
    name = f"Lê Thị {unique('Hoa')}"
    sub = unique("0013")  # the citizen's personal identification number: what the fine names
    citizen_token = make_token("citizen", sub=sub, name=name)
    async with httpx.AsyncClient(timeout=10) as http:
        health_code = unique("KSK")
        health_proc = {
            "code": "YT-KSK-LAI-XE",
            "name": "Khám sức khỏe cho người lái xe",
            "sector": "Y-TE",
            "agency_code": "BYT",
            "agency_name": "Bộ Y tế",
            "level": "province",
            "service_level": 4,
            "fee": {"kind": "fixed", "amount_vnd": 350000},
            "processing_days": 1,
        }
        await publish(http, stack, health_proc, operator)
        db_url = stack["dossier"].env["DOSSIER_DATABASE_URL"]
        await dossier_has_procedure(db_url, health_proc["code"], health_proc["name"])
        licence = unique("E2E-GPLX")
        await publish(
            http,
            stack,
            {
                "code": licence,
                "name": "Đổi giấy phép lái xe (mức độ 4)",
                "sector": "GTVT-GPLX",
                "agency_code": "BGTVT-TCDBVN",
                "agency_name": "Tổng cục Đường bộ Việt Nam",
                "level": "province",
                "service_level": 4,
                "fee": {"kind": "fixed", "amount_vnd": 135000},
                "processing_days": 5,
                "required_fields": ["health_check_code"],
                "chained_flow": "licence-renewal-l4",
            },
            operator,
        )
        decision, record = unique("QD"), unique("BB")
        await police_fine(kafka_bootstrap, decision, record, name, 4_000_000, offender_id=sub)
        await dossier_has_fine(db_url, decision)
        citizen = Citizen(http, stack, citizen_token)
        # the citizen's own health check, filed on the portal: the record is theirs (a counter one is nobody's)
        health_dossier = await citizen.submit("YT-KSK-LAI-XE", {})
        await agency_reports(
            kafka_bootstrap, health_dossier, "YT-KSK-LAI-XE", "BYT", "01", 0, "completed", result=health_code
        )

        async def submit_when_ready() -> str:
            return await citizen.submit(licence, {"health_check_code": health_code})

        dossier = await submit_when_ready()
        d = await citizen.saga_state(dossier, "blocked")
        if "khám sức khỏe" in (d["saga"]["blocked_reason"] or ""):
            d = await poll(
                lambda: citizen.dossier(dossier), lambda d: decision in (d["saga"]["blocked_reason"] or "")
            )
        assert decision in d["saga"]["blocked_reason"], "the unpaid fine is named as the reason"
        uses = [h["note"] for h in d["history"] if h["kind"] == "data_access"]
        assert any("Bộ Y tế" in u for u in uses) and any("Bộ Công an" in u for u in uses)

        # the citizen pays the fine online → fine-settled → the saga continues to the fee
        async def look_up() -> httpx.Response:  # payment keeps its own copy of the decision
            return await http.get(
                f"{stack.url('payment')}/fines/lookup",
                params={"record_no": record, "violation_date": "2026-11-10", "name": name.upper()},
            )

        lookup = await poll(look_up, lambda r: r.status_code != 404)
        assert lookup.status_code == 200, lookup.text
        r = await http.post(
            f"{stack.url('payment')}/fines/{decision}/pay",
            json={"record_no": record, "violation_date": "2026-11-10", "name": name, "provider": "paygov"},
        )
        assert r.status_code in (200, 201), r.text
        await pay(
            http, stack.url("payment"), r.json()["payment_id"], provider="paygov", link=r.json()["pay_page"]
        )
        d = await citizen.saga_state(dossier, "awaiting_payment", timeout=60)
        assert d["saga"]["amount_vnd"] == 135000 and d["saga"]["blocked_reason"] is None


async def test_dossier_killed_mid_saga_finishes_exactly_once(
    stack: Stack, people: dict[str, Any], kafka_bootstrap: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        code = unique("E2E-DKX")
        operator = people["operator"]
        await publish(http, stack, vehicle_procedure(code), operator)
        citizen = Citizen(http, stack, people["citizen"])
        dossier = await citizen.submit(code, {"vehicle_value_vnd": 200_000_000, "chassis_number": "K1"})
        d = await citizen.saga_state(dossier, "awaiting_payment")
        payment_id = d["saga"]["payment_id"]

        async def intent() -> httpx.Response:
            return await http.get(f"{stack.url('payment')}/payments/{payment_id}")

        # payment-requested has left dossier's outbox once payment knows the intent: only then is the kill
        # "mid-saga" rather than "before the request went out".
        await poll(intent, lambda r: r.status_code == 200, timeout=30)
        stack["dossier"].kill()  # SIGKILL: no clean shutdown
        try:
            # fee-paid arrives while it is down
            await pay(http, stack.url("payment"), payment_id, token=people["citizen"])
        finally:
            stack["dossier"].start()  # the stack is shared: never leave it without dossier
        await citizen.saga_state(dossier, "awaiting_police", timeout=60)
        await agency_reports(
            kafka_bootstrap, dossier, code, POLICE, "01", 0, "completed", result="29A-000.01"
        )
        d = await citizen.saga_state(dossier, "completed")
        steps = [h["status"] for h in d["history"] if h["kind"] == "saga"]
        assert steps == ["fee_assessed", "fee_paid", "forwarded", "completed"], "every step exactly once"
        texts = await wait_sms(http, stack, operator, dossier, "29A-000.01")
        assert sum("kê khai thuế thành công" in t for t in texts) == 1
        assert sum("chuyển sang CSGT" in t for t in texts) == 1
