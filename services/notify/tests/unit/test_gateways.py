"""The two HTTP brandname gateway adapters against the local fake gateways (real HTTP on 127.0.0.1, no broker,
no database): answers mapped to accepted / temporary / technical / permanent, client-reference deduplication,
signed receipts verified, tampering refused."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from dvc_contracts import clock
from dvc_notify.adapters.providers import gw_form, gw_rest
from dvc_notify.adapters.providers.base import InvalidReceipt, OutgoingSms
from dvc_notify.adapters.providers.gw_form import FormGatewayProvider
from dvc_notify.adapters.providers.gw_rest import RestGatewayProvider
from dvc_notify.domain.status import ReceiptStatus
from dvc_notify.fakes.gateways import Behaviour, FakeFormGateway, FakeRestGateway

KEY, SECRET = "test-key", "test-secret"


def sms(message_id: str = "m-1", phone: str = "+84912345678") -> OutgoingSms:
    return OutgoingSms(message_id, phone, "Cổng DVC: Hồ sơ 01-0001 đã có kết quả.", "UCS-2", 1)


@pytest.fixture(scope="module")
async def rest() -> AsyncIterator[tuple[FakeRestGateway, RestGatewayProvider]]:
    fake = FakeRestGateway(api_key=KEY, callback_secret=SECRET, behaviour=Behaviour(receipts=[]))
    await fake.start()
    provider = RestGatewayProvider(
        fake.url, api_key=KEY, callback_secret=SECRET, callback_url="", brandname="CONG DVC", timeout=0.5
    )
    yield fake, provider
    await provider.close()
    await fake.stop()


@pytest.fixture(scope="module")
async def form() -> AsyncIterator[tuple[FakeFormGateway, FormGatewayProvider]]:
    fake = FakeFormGateway(user="congdvc", secret=SECRET, receipt_url="", behaviour=Behaviour(receipts=[]))
    await fake.start()
    provider = FormGatewayProvider(fake.url, user="congdvc", secret=SECRET, brandname="CONG DVC", timeout=0.5)
    yield fake, provider
    await provider.close()
    await fake.stop()


@pytest.fixture(params=["rest", "form"])
def gateway(request: pytest.FixtureRequest, rest: Any, form: Any) -> Any:
    fake, provider = rest if request.param == "rest" else form
    fake.behaviour = Behaviour(receipts=[])
    return fake, provider


async def test_accepts_and_deduplicates_the_client_reference(gateway: Any) -> None:
    fake, provider = gateway
    ref = f"dedup-{time.monotonic_ns()}"
    first = await provider.send(sms(ref))
    assert first.kind == "accepted" and first.provider_ref
    again = await provider.send(sms(ref))
    assert (again.kind, again.provider_ref) == ("accepted", first.provider_ref)
    on_handset = [m for m in fake.handset if m.client_ref == ref]
    assert len(on_handset) == 1, "a repeated client reference is not sent twice"
    assert on_handset[0].msisdn == "84912345678"
    assert on_handset[0].text == "Cổng DVC: Hồ sơ 01-0001 đã có kết quả."


@pytest.mark.parametrize(
    ("failure", "kind", "code"),
    [
        ("busy", "temporary", "busy"),
        ("http_503", "temporary", "http_503"),
        ("auth", "technical", None),
        ("invalid_number", "permanent", None),
    ],
)
async def test_failures_are_classified(gateway: Any, failure: str, kind: str, code: str | None) -> None:
    fake, provider = gateway
    fake.behaviour = Behaviour(failure_rate=1.0, failure=failure, receipts=[])  # type: ignore[arg-type]
    result = await provider.send(sms(f"f-{time.monotonic_ns()}"))
    assert result.kind == kind
    if code:
        assert result.code == code
    assert not result.ambiguous


async def test_an_invalid_number_is_refused_for_good(gateway: Any) -> None:
    _, provider = gateway
    result = await provider.send(sms(f"bad-{time.monotonic_ns()}", phone="+8491234"))
    assert result.kind == "permanent"


async def test_a_timeout_is_temporary_and_ambiguous(gateway: Any) -> None:
    fake, provider = gateway
    fake.behaviour = Behaviour(latency_seconds=1.0, receipts=[])  # the client gives up after 0.5 s
    result = await provider.send(sms(f"t-{time.monotonic_ns()}"))
    assert (result.kind, result.code, result.ambiguous) == ("temporary", "timeout", True)


async def test_an_unreachable_gateway_is_temporary_and_not_ambiguous() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    provider = RestGatewayProvider(
        f"http://127.0.0.1:{port}", api_key=KEY, callback_secret=SECRET, callback_url="", brandname="X"
    )
    try:
        result = await provider.send(sms())
    finally:
        await provider.close()
    assert (result.kind, result.code, result.ambiguous) == ("temporary", "connect_error", False)


async def test_wrong_credentials_are_technical(rest: Any, form: Any) -> None:
    rest_fake, _ = rest
    form_fake, _ = form
    rest_fake.behaviour = form_fake.behaviour = Behaviour(receipts=[])
    bad_rest = RestGatewayProvider(
        rest_fake.url, api_key="nope", callback_secret="", callback_url="", brandname="X"
    )
    bad_form = FormGatewayProvider(form_fake.url, user="congdvc", secret="wrong", brandname="X")
    try:
        assert (await bad_rest.send(sms())).reason == "technical:invalid_api_key"
        assert (await bad_form.send(sms())).reason == "technical:bad_signature_or_user"
    finally:
        await bad_rest.close()
        await bad_form.close()


STATUSES: list[ReceiptStatus] = [
    "sent",
    "delivered",
    "temporary-failure",
    "permanent-failure",
    "technical-failure",
]


@pytest.mark.parametrize("status", STATUSES)
def test_signed_receipts_round_trip(status: ReceiptStatus) -> None:
    now = clock.now()
    rest_fake = FakeRestGateway(api_key=KEY, callback_secret=SECRET)
    rest_provider = RestGatewayProvider(
        "", api_key=KEY, callback_secret=SECRET, callback_url="", brandname="X"
    )
    body, headers = rest_fake.receipt("R-00000001", "m-7", status)
    r = rest_provider.parse_receipt(headers, body, now)
    assert (r.provider, r.status, r.provider_ref, r.message_id) == ("gw-rest", status, "R-00000001", "m-7")
    assert r.reported_at is not None and r.reported_at.utcoffset() is not None

    form_fake = FakeFormGateway(user="u", secret=SECRET, receipt_url="")
    form_provider = FormGatewayProvider("", user="u", secret=SECRET, brandname="X")
    body, headers = form_fake.receipt("F-00000001", "m-8", status)
    r = form_provider.parse_receipt(headers, body, now)
    assert (r.provider, r.status, r.provider_ref, r.message_id) == ("gw-form", status, "F-00000001", "m-8")


def test_tampered_or_stale_receipts_are_refused() -> None:
    now = clock.now()
    rest_fake = FakeRestGateway(api_key=KEY, callback_secret=SECRET)
    provider = RestGatewayProvider("", api_key=KEY, callback_secret=SECRET, callback_url="", brandname="X")
    body, headers = rest_fake.receipt("R-1", "m-1", "delivered")
    with pytest.raises(InvalidReceipt) as info:
        provider.parse_receipt(headers, body.replace(b"DELIVERED", b"FAILED"), now)
    assert (info.value.reason, info.value.status_code) == ("bad_signature", 401)
    with pytest.raises(InvalidReceipt) as info:
        provider.parse_receipt({}, body, now)
    assert info.value.reason == "missing_signature"
    old = str(int(now.timestamp()) - 3600)
    stale = {"x-timestamp": old, "x-signature": gw_rest.sign(SECRET, old, body)}
    with pytest.raises(InvalidReceipt) as info:
        provider.parse_receipt(stale, body, now)
    assert info.value.reason == "stale_timestamp"

    form_fake = FakeFormGateway(user="u", secret=SECRET, receipt_url="")
    form_provider = FormGatewayProvider("", user="u", secret=SECRET, brandname="X")
    body, headers = form_fake.receipt("F-1", "m-1", "delivered")
    with pytest.raises(InvalidReceipt) as info:
        form_provider.parse_receipt(headers, body.replace(b"DELIVRD", b"UNDELIV"), now)
    assert info.value.reason == "bad_signature"
    with pytest.raises(InvalidReceipt):
        form_provider.parse_receipt(headers, b"msgid=F-1", now)


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        ("SENT", None, "sent"),
        ("DELIVERED", None, "delivered"),
        ("FAILED", "EXPIRED", "temporary-failure"),
        ("FAILED", "ABSENT_SUBSCRIBER", "temporary-failure"),
        ("FAILED", "INVALID_NUMBER", "permanent-failure"),
        ("FAILED", "BLOCKED", "permanent-failure"),
        ("FAILED", "SYSTEM_ERROR", "technical-failure"),
        ("FAILED", None, "technical-failure"),
    ],
)
def test_rest_receipt_states(status: str, error: str | None, expected: str) -> None:
    assert gw_rest.receipt_status(status, error) == expected


def test_form_receipt_states_cover_smpp() -> None:
    assert gw_form.STATES == {
        "ENROUTE": "sent",
        "ACCEPTD": "sent",
        "DELIVRD": "delivered",
        "EXPIRED": "temporary-failure",
        "UNDELIV": "permanent-failure",
        "REJECTD": "permanent-failure",
        "DELETED": "technical-failure",
        "UNKNOWN": "technical-failure",
    }
