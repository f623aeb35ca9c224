"""Small clients for the e2e flows: the citizen's browser, the police and health agencies on Kafka."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from dvc_contracts import clock, topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import AgencyStatusReportedV1, FineIssuedV1
from dvckit.dev.waiting import poll, until_row


async def emit(bootstrap: str, topic: str, data: Any, key: str, source: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        headers, value = to_binary(new_event(topic, source, data, subject=key))
        await producer.send_and_wait(topic, value, key=key.encode(), headers=headers)
    finally:
        await producer.stop()


async def agency_reports(
    bootstrap: str,
    dossier: str,
    procedure: str,
    agency: str,
    province: str,
    seq: int,
    status: str,
    result: str | None = None,
) -> None:
    data = AgencyStatusReportedV1(
        dossier_code=dossier,
        procedure_code=procedure,
        agency_code=agency,
        province_code=province,
        sequence=seq,
        status=status,  # type: ignore[arg-type]
        occurred_at=clock.now(),
        result=result,
    )
    await emit(bootstrap, topics.AGENCY_STATUS_REPORTED, data, dossier, f"/agency/{agency}")


async def police_fine(
    bootstrap: str, decision_no: str, record_no: str, name: str, amount: int, offender_id: str | None = None
) -> None:
    fine = FineIssuedV1(
        decision_no=decision_no,
        record_no=record_no,
        violation_date=date(2026, 11, 10),
        offender_name=name,
        offender_id=offender_id,
        plate="30A-999.99",
        amount=amount,
        issuing_unit="Phòng CSGT Công an TP Hà Nội",
        province_code="01",
        decided_at=clock.now(),
    )
    await emit(bootstrap, topics.FINE_ISSUED, fine, decision_no, "/agency/BCA-CSGT")


async def dossier_has_fine(database_url: str, decision_no: str, timeout: float = 40.0) -> None:
    """Waits until the dossier service has read the police decision into its shared-data read model.

    A fine the portal has not yet heard of cannot block anything; tests of the block start once it is known.
    """
    await until_row(database_url, "SELECT 1 FROM fines WHERE decision_no = :d", {"d": decision_no}, timeout)


async def dossier_has_procedure(database_url: str, code: str, name: str, timeout: float = 40.0) -> None:
    """Waits until the dossier service validates submissions of ``code`` against the snapshot named ``name``.

    A procedure with a real code may have been published on the session's broker by another test's catalog too
    (the portal's browser test seeds the real catalog): the dossier service keeps the newest snapshot, and at an
    equal version the one read last, so a test that publishes its own waits for it before submitting.
    """
    sql = "SELECT 1 FROM procedures WHERE code = :c AND snapshot->>'name' = :n"
    await until_row(database_url, sql, {"c": code, "n": name}, timeout)


async def pay(
    http: httpx.AsyncClient,
    payment_url: str,
    payment_id: str,
    provider: str = "momo",
    scenario: str = "normal",
    *,
    token: str | None = None,
    link: str | None = None,
) -> None:
    """The citizen opens the provider's pay page and clicks "Thanh toán" (sandbox, signed callback follows).
    A payment id alone is not enough: the citizen pays with their own login (``token``, the intent's owner) or
    the signed pay link they were given (``link``, e.g. the ``pay_page`` of a fine)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    query = f"?{httpx.URL(link).query.decode()}" if link else ""

    async def checkout() -> httpx.Response:
        return await http.post(
            f"{payment_url}/payments/{payment_id}/checkout{query}",
            json={"provider": provider},
            headers=headers,
        )

    resp = await poll(checkout, lambda r: r.status_code != 404, timeout=20)
    assert resp.status_code in (200, 201), resp.text
    pay_url = resp.json()["pay_url"]
    if pay_url.startswith("/"):
        pay_url = payment_url + pay_url
    page = await http.get(pay_url)
    assert page.status_code == 200 and "Thanh toán" in page.text
    done = await http.post(
        pay_url,
        content=f"action=pay&scenario={scenario}",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert done.status_code in (200, 303), done.text


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6].upper()}"
