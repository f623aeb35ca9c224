"""Traffic fines (the police issue them on Kafka, citizens find and pay them online: fine-settled, one SMS each)
and feedback (citizens submit, the responsible agency starts and answers it: one SMS each), during the storm."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, date, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from dvc_contracts import topics
from dvc_contracts.envelope import new_event, to_binary
from dvc_contracts.events import FineIssuedV1
from dvckit.auth.jwt import DevKeys

from .ledger import Ledger
from .web import GaveUp, Web, signed

VIOLATION_DAY = date(2026, 2, 10)
FEEDBACK_TEXT = (
    "Hồ sơ số {n} của tôi đã quá hạn trả kết quả nhưng chưa có thông báo, đề nghị cơ quan kiểm tra và trả lời "
    "sớm. Mã phản ánh thử tải {run}-{n}, xin cảm ơn."
)
ANSWER = "Cơ quan đã kiểm tra hồ sơ và trả kết quả qua bưu điện; xin lỗi ông/bà vì sự chậm trễ này."


def fine(run: str, n: int) -> FineIssuedV1:
    return FineIssuedV1(
        decision_no=f"QD-FS{run}-{n:05d}", record_no=f"BB-FS{run}-{n:05d}", violation_date=VIOLATION_DAY,
        offender_name=f"Nguyễn Văn Phạt {n}", offender_id=f"fsf{run.lower()}{n:05d}", plate=f"29A-{n:05d}",
        amount=800_000, issuing_unit="Phòng CSGT Công an TP Hà Nội", province_code="01",
        decided_at=datetime.now(UTC),
    )  # fmt: skip


async def issue_fines(bootstrap: str, run: str, n: int) -> None:
    """The police system publishes its decisions (retried through any fault until acknowledged)."""
    producer: AIOKafkaProducer | None = None
    k = 0
    while k < n:
        f = fine(run, k)
        headers, value = to_binary(
            new_event(topics.FINE_ISSUED, "/agency/BCA-CSGT", f, subject=f.decision_no)
        )
        try:
            if producer is None:
                producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10000)
                await producer.start()
            sent = producer.send_and_wait(
                topics.FINE_ISSUED, value, key=f.decision_no.encode(), headers=headers
            )
            await asyncio.wait_for(sent, 20)
            k += 1
        except (KafkaError, OSError, TimeoutError):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5)  # type: ignore[union-attr]
            producer = None
            await asyncio.sleep(1.0)
    if producer is not None:
        await producer.stop()


async def pay_fine(web: Web, payment: list[str], ledger: Ledger, run: str, n: int) -> None:
    f = fine(run, n)
    q = {"record_no": f.record_no, "violation_date": VIOLATION_DAY.isoformat(), "name": f.offender_name}
    while (await web.call("GET", payment, "/fines/lookup", params=q)).status_code == 404:
        await asyncio.sleep(1.0)  # not heard of yet
    body = q | {"provider": "paygov", "phone": f"0977{n:06d}"}
    r = await web.call("POST", payment, f"/fines/{f.decision_no}/pay", json=body)
    if r.status_code != 201:
        ledger.fines[f.decision_no] = f"pay answered {r.status_code}"
        return
    pay_url, form = str(r.json()["pay_url"]), {"content-type": "application/x-www-form-urlencoded"}
    path = pay_url.removeprefix(payment[0])
    await web.call("POST", payment, path, content="action=pay&scenario=normal", headers=form)
    ledger.fines[f.decision_no] = str(r.json()["payment_id"])


async def feedback_one(
    web: Web, urls: list[str], keys: DevKeys, ledger: Ledger, proc: str, run: str, n: int
) -> None:
    sub = f"fsb{run.lower()}{n:05d}"
    citizen = await signed(keys, role="citizen", sub=sub, name="Người phản ánh", phone=f"0966{n:06d}")
    body = {
        "kind": "feedback", "category": "dossier_handling", "title": f"Hồ sơ trễ hẹn số {n} ({run})",
        "content": FEEDBACK_TEXT.format(n=n, run=run), "province_code": "01", "procedure_code": proc,
    }  # fmt: skip
    try:
        fb = await _submit_feedback(web, urls, citizen, body)
    except GaveUp as exc:
        ledger.feedback_refused.append(f"{sub}: {exc}")
        return
    ledger.feedback[fb["id"]] = sub
    staff = await signed(keys, role="agency", sub="fs-staff", agency=fb["agency_code"], province="01")
    await web.call("POST", urls, f"/feedback/{fb['id']}/start", headers=staff)
    await web.call("POST", urls, f"/feedback/{fb['id']}/answer", json={"answer": ANSWER}, headers=staff)


async def _submit_feedback(
    web: Web, urls: list[str], citizen: dict[str, str], body: dict[str, str], patience: float = 1800.0
) -> dict[str, Any]:
    """Sent once per try: a lost answer is looked up in "my feedback" before the next try. Tries back off (1 s
    doubling to 15 s) within ``patience``; an answer that will not change (a 4xx other than a procedure the
    service has not heard of yet) ends them at once."""
    deadline, wait, k = time.monotonic() + patience, 1.0, 0
    while time.monotonic() + wait < deadline:
        with contextlib.suppress(httpx.HTTPError):
            r = await web.http.post(f"{urls[k % len(urls)]}/feedback", json=body, headers=citizen)
            if r.status_code == 201:
                return dict(r.json())
            if 400 <= r.status_code < 500 and r.status_code != 429 and "unknown_procedure" not in r.text:
                raise GaveUp(f"feedback answered {r.status_code}: {r.text[:200]}")
        mine = await web.call("GET", urls, "/feedback", params={"mine": "true"}, headers=citizen)
        if mine.status_code == 200 and mine.json()["items"]:
            return dict(mine.json()["items"][0])  # it had landed: the answer was lost
        await asyncio.sleep(wait)
        wait, k = min(15.0, wait * 2), k + 1
    raise GaveUp(f"feedback not accepted within {patience:.0f} s")


async def run_extras(
    web: Web, bootstrap: str, urls: dict[str, list[str]], keys: DevKeys, ledger: Ledger, run: str, proc: str,
    counts: tuple[int, int], seconds: float,
) -> None:  # fmt: skip
    fines, feedback = counts
    t0 = time.monotonic()

    async def later(k: int, n: int, coro: object) -> None:
        await asyncio.sleep(max(0.0, t0 + k * seconds / max(1, n) - time.monotonic()))
        await coro  # type: ignore[misc]

    await issue_fines(bootstrap, run, fines)
    jobs = [later(k, fines, pay_fine(web, urls["payment"], ledger, run, k)) for k in range(fines)]
    jobs += [
        later(k, feedback, feedback_one(web, urls["feedback"], keys, ledger, proc, run, k))
        for k in range(feedback)
    ]
    await asyncio.gather(*jobs)
