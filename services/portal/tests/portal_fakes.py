"""Small stand-ins for the services the portal calls, speaking their public APIs' shapes (paths, bodies, the one
error format: an RFC 9457 problem from dvckit.problems). The dossier and payment stand-ins verify the
bearer token with the test key set, as the real services do, so a test proves the citizen's own token went."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, HTTPException, Request

from dvckit.auth.jwt import Principal, TokenError, TokenVerifier
from dvckit.multipart import read_form
from dvckit.problems import install_problem_handlers
from dvckit.text import fold

LICENCE = {
    "code": "GPLX-DOI-L4",
    "version": 1,
    "name": "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp (dịch vụ công mức độ 4)",
    "sector": "DUONG-BO",
    "agency_code": "BGTVT-TCDBVN",
    "agency_name": "Tổng cục Đường bộ Việt Nam",
    "level": "province",
    "service_level": 4,
    "fee": {"kind": "fixed", "amount_vnd": 135_000, "rule": None, "description": "Lệ phí đổi giấy phép lái xe 135.000 đồng/lần"},
    "processing_days": 5,
    "required_documents": [
        {"code": "DON-DOI-GPLX", "name": "Đơn đề nghị đổi giấy phép lái xe", "mandatory": True},
        {"code": "GKSK-LAI-XE", "name": "Giấy khám sức khỏe của người lái xe", "mandatory": True},
    ],
    "required_fields": [
        "applicant_name", "citizen_id", "phone", "date_of_birth", "licence_number", "licence_class",
        "health_check_code", "delivery_address", "province_code",
    ],
    "allowed_agency_codes": ["SO-GTVT"],
    "chained_flow": "licence-renewal-l4",
    "social_saving_vnd": 342_751,
    "provinces": [],
    "description": "Đổi giấy phép lái xe hoàn toàn trực tuyến.",
    "status": "published",
}  # fmt: skip
SINGLE = {
    "code": "HT-XN-HON-NHAN",
    "version": 1,
    "name": "Cấp Giấy xác nhận tình trạng hôn nhân",
    "sector": "HO-TICH",
    "agency_code": "UBND-XA",
    "agency_name": "Ủy ban nhân dân cấp xã",
    "level": "commune",
    "service_level": 3,
    "fee": {"kind": "fixed", "amount_vnd": 15_000, "rule": None, "description": "Lệ phí 15.000 đồng"},
    "processing_days": 3,
    "required_documents": [{"code": "TK-XN-HON-NHAN", "name": "Tờ khai", "mandatory": True}],
    "required_fields": ["applicant_name", "citizen_id", "phone", "date_of_birth", "address", "marital_status", "purpose"],
    "allowed_agency_codes": [],
    "chained_flow": None,
    "social_saving_vnd": None,
    "provinces": ["01", "48"],
    "description": "Cấp Giấy xác nhận tình trạng hôn nhân.",
    "status": "published",
}  # fmt: skip
CAR = {
    **LICENCE,
    "code": "DKX-OTO",
    "name": "Đăng ký xe ô tô lần đầu liên thông kê khai, nộp lệ phí trước bạ điện tử",
    "sector": "DANG-KY-XE",
    "fee": {
        "kind": "rule",
        "amount_vnd": None,
        "rule": {
            "type": "percent_of_value",
            "value_field": "vehicle_value_vnd",
            "percent": 10,
            "percent_by_province": {"01": 12, "42": 11},
            "min_vnd": None,
            "max_vnd": None,
        },
        "description": "Lệ phí trước bạ 10% giá trị xe",
    },
    "required_fields": ["applicant_name", "citizen_id", "phone", "province_code", "vehicle_value_vnd"],
    "required_documents": [
        {"code": "TK-LPTB", "name": "Tờ khai lệ phí trước bạ", "mandatory": True},
        {"code": "CCCD", "name": "Căn cước công dân", "mandatory": True},
        {"code": "HOA-DON-MUA-XE", "name": "Hóa đơn mua xe", "mandatory": False},
    ],
    "chained_flow": "vehicle-registration",
}
PROCEDURES = {p["code"]: p for p in (LICENCE, SINGLE, CAR)}


def error(
    status: int, code: str, message: str, fields: list[str] | dict[str, str] | None = None
) -> HTTPException:
    """As the services raise it; the stand-in apps answer it as a problem (install_problem_handlers)."""
    return HTTPException(status, detail={"error": code, "message": message, "fields": fields or []})


def catalog_app(calls: list[str]) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)  # the services' error format

    @app.get("/procedures")
    async def search(q: str | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:
        calls.append(f"search:{q}")
        words = fold(q or "").replace("bang lai", "giay phep lai xe").split()
        found = [p for p in PROCEDURES.values() if all(w in fold(p["name"]) for w in words)]
        return {"total": len(found), "items": found[offset : offset + limit]}

    @app.get("/procedures/{code}")
    async def get(code: str) -> dict[str, Any]:
        calls.append(f"get:{code}")
        if code not in PROCEDURES:
            raise error(404, "not_found", f"Không tìm thấy thủ tục {code}.")
        return PROCEDURES[code]

    return app


@dataclass
class DossierStore:
    verifier: TokenVerifier
    dossiers: dict[str, dict[str, Any]] = field(default_factory=dict)
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    bodies: list[dict[str, Any]] = field(default_factory=list)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # POST /documents, by id

    def who(self, request: Request) -> Principal:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            raise error(401, "unauthenticated", "Cần đăng nhập.")
        try:
            return self.verifier.verify(token)
        except TokenError as exc:
            raise error(401, "invalid_token", str(exc)) from exc


MAGIC = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def dossier_app(store: DossierStore) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)  # the services' error format

    @app.post("/documents", status_code=201)
    async def upload(request: Request) -> dict[str, Any]:
        who = store.who(request)
        form = await read_form(request.stream(), request.headers.get("content-type"),
                               max_total_bytes=1 << 20, max_file_bytes=1 << 19)  # fmt: skip
        part = form.file("file")
        assert part is not None and not part.too_large
        ctype = next((t for m, t in MAGIC.items() if part.data.startswith(m)), None)
        if ctype is None:  # the dossier service's words (dvc_dossier.domain.documents)
            message = (
                f"Tệp “{part.filename}” không phải PDF, JPEG hoặc PNG: nội dung của nó là một chương trình"
            )
            raise HTTPException(415, detail={"error": "unsupported_file_type", "message": message,
                                             "fields": {"file": message}})  # fmt: skip
        doc = {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(part.data).hexdigest(), "size": len(part.data),
               "content_type": ctype, "filename": part.filename, "owner": who.sub, "dossier": None}  # fmt: skip
        store.uploads[doc["id"]] = doc
        return {k: doc[k] for k in ("id", "sha256", "size", "content_type", "filename")}

    @app.get("/dossiers/{code}/documents")
    async def documents(request: Request, code: str) -> dict[str, Any]:
        who = store.who(request)
        d = store.dossiers.get(code)
        if d is None or d["owner"] != who.sub:
            raise error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
        return {"items": [u for u in store.uploads.values() if u["dossier"] == code]}

    @app.post("/dossiers", status_code=201)
    async def submit(request: Request) -> dict[str, Any]:
        who = store.who(request)
        body = await request.json()
        store.bodies.append(body)
        p = PROCEDURES.get(body.get("procedure_code"))
        if p is None:
            raise error(404, "unknown_procedure", "Không có thủ tục.")
        if p["provinces"] and body["province_code"] not in p["provinces"]:
            raise error(
                422, "not_offered_in_province",
                f"Thủ tục {p['code']} chưa được cung cấp tại tỉnh/thành phố mã {body['province_code']}.",
            )  # fmt: skip
        provided = {"applicant_name": body.get("applicant_name"), "phone": body.get("phone") or who.phone,
                    "province_code": body.get("province_code"), **body.get("fields", {})}  # fmt: skip
        missing = [f for f in p["required_fields"] if provided.get(f) in (None, "")]
        if missing:
            raise error(422, "missing_fields", f"Thiếu thông tin bắt buộc: {', '.join(missing)}.", missing)
        refs = body.get("documents") or []
        given = {r.get("code") or fold(r["name"]) for r in refs}
        lacking = [d for d in p["required_documents"] if d["mandatory"] and d["code"] not in given
                   and fold(d["name"]) not in given]  # fmt: skip
        if p["service_level"] == 4 and lacking:  # dvc_dossier.domain.model.check_documents
            raise error(422, "missing_documents", "Thiếu giấy tờ bắt buộc khi nộp hồ sơ trực tuyến.",
                        {f"documents.{d['code']}": f"Chưa đính kèm “{d['name']}”." for d in lacking})  # fmt: skip
        code = f"{body['province_code']}-261205-T{next(store.seq):05d}"
        for i, ref in enumerate(refs):  # all or nothing, as the service's transaction
            up = store.uploads.get(ref["document_id"])
            if up is None or up["owner"] != who.sub or up["dossier"]:
                raise error(422, "unknown_document", f"Không tìm thấy giấy tờ đã tải lên “{ref['name']}”.",
                            [f"documents.{i}.document_id"])  # fmt: skip
        for ref in refs:
            store.uploads[ref["document_id"]] |= {"dossier": code, "name": ref["name"]}
        now = datetime(2026, 12, 5, 2, 30, tzinfo=UTC)
        saga = None
        if p["chained_flow"] == "vehicle-registration":
            saga = {"flow": "vehicle-registration", "state": "awaiting_payment",
                    "steps": [{"name": "declare_fee", "title": "Kê khai lệ phí trước bạ", "compensation": None},
                              {"name": "pay_fee", "title": "Nộp lệ phí trước bạ", "compensation": "Hoàn trả lệ phí trước bạ"},
                              {"name": "forward_to_police", "title": "Chuyển hồ sơ sang CSGT", "compensation": None},
                              {"name": "issue_plate", "title": "Cấp biển số", "compensation": None}],
                    "payment_id": f"pay-{code}", "amount_vnd": 48_000_000, "blocked_reason": None, "result": None}  # fmt: skip
        store.dossiers[code] = {
            "code": code, "procedure_code": p["code"], "procedure_name": p["name"], "agency_code": p["agency_code"],
            "province_code": body["province_code"], "status": "submitted", "submitted_at": now.isoformat(),
            "due_date": "2026-12-10", "overdue": False, "waiting_for_supplement": False, "result": None,
            "channel": "online", "applicant_name": body.get("applicant_name"), "phone": provided["phone"],
            "fields": body.get("fields", {}), "fee_vnd": p["fee"].get("amount_vnd") or 0, "sequence": -1,
            "updated_at": now.isoformat(), "owner": who.sub, "saga": saga,
            "history": [{"kind": "status", "status": "submitted", "occurred_at": now.isoformat(), "sequence": None,
                         "applied": True, "old_status": None, "actor": f"citizen:{who.sub}", "note": None,
                         "result": None, "event_id": None}],
        }  # fmt: skip
        d = store.dossiers[code]
        return {
            k: d[k]
            for k in ("code", "status", "procedure_code", "procedure_name", "submitted_at", "due_date")
        }

    @app.get("/dossiers")
    async def mine(request: Request, mine: bool = True) -> dict[str, Any]:
        who = store.who(request)
        own = [d for d in store.dossiers.values() if d["owner"] == who.sub]
        return {"items": [{k: v for k, v in d.items() if k not in ("owner", "history", "saga")} for d in own]}

    @app.get("/dossiers/{code}")
    async def one(request: Request, code: str) -> dict[str, Any]:
        who = store.who(request)
        d = store.dossiers.get(code)
        if d is None or d["owner"] != who.sub:
            raise error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
        return {k: v for k, v in d.items() if k != "owner"}

    @app.get("/track/{code}")
    async def track(code: str) -> dict[str, Any]:
        d = store.dossiers.get(code)
        if d is None:
            raise error(404, "not_found", f"Không tìm thấy hồ sơ {code}.")
        public = ("code", "procedure_code", "procedure_name", "agency_code", "province_code", "status",
                  "submitted_at", "due_date", "overdue", "waiting_for_supplement", "result")  # fmt: skip
        history = [
            {k: h[k] for k in ("kind", "status", "occurred_at", "sequence", "applied")} for h in d["history"]
        ]
        return {k: d[k] for k in public} | {"history": history}

    return app


@dataclass
class PaymentRecorder:
    verifier: TokenVerifier
    owners: dict[str, str] = field(default_factory=dict)  # payment id → citizen sub
    forwarded_for: list[str] = field(default_factory=list)
    fines_paid: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


FINE = {
    "decision_no": "123/QĐ-XPHC", "record_no": "HN-000123", "violation_date": "2025-11-10",
    "offender_name": "Nguyễn Văn An", "plate": "30A-999.99", "issuing_unit": "Phòng CSGT Công an TP Hà Nội",
    "province_code": "01", "decided_at": "2026-11-20T03:00:00+00:00", "amount": 4_000_000, "discount_percent": 10,
    "discount_vnd": 400_000, "discount_until": "2026-12-05", "amount_due": 3_600_000, "status": "unpaid",
    "status_text": "Chưa nộp phạt", "settled_at": None, "amount_paid": None, "payment": None,
}  # fmt: skip


def payment_app(rec: PaymentRecorder) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)  # the services' error format

    @app.get("/payments/{payment_id}/link")
    async def link(request: Request, payment_id: str) -> Any:
        token = request.headers.get("authorization", "").partition(" ")[2]
        try:
            who = rec.verifier.verify(token)
        except TokenError:
            raise error(401, "unauthenticated", "Cần đăng nhập.") from None
        owner = rec.owners.get(payment_id)
        if owner is None:
            raise error(404, "not_found", f"Không tìm thấy khoản thanh toán {payment_id}.")
        if owner != who.sub:
            raise error(403, "not_owner", "Không phải khoản thanh toán của bạn.")
        exp = int((datetime.now(UTC) + timedelta(minutes=90)).timestamp())
        return {
            "payment_id": payment_id,
            "pay_page": f"http://pay.test/payments/{payment_id}/pay?exp={exp}&sig=abc",
        }

    @app.get("/fines/lookup")
    async def lookup(request: Request, record_no: str, violation_date: str, name: str) -> dict[str, Any]:
        rec.forwarded_for.append(request.headers.get("x-forwarded-for", ""))
        if (
            record_no != FINE["record_no"]
            or violation_date != FINE["violation_date"]
            or fold(name) != fold(FINE["offender_name"])
        ):
            raise error(404, "not_found", "Không tìm thấy quyết định xử phạt.")
        return FINE

    @app.post("/fines/{decision_no:path}/pay", status_code=201)
    async def pay(request: Request, decision_no: str) -> dict[str, Any]:
        body = await request.json()
        rec.fines_paid.append((decision_no, body))
        return {"decision_no": decision_no, "payment_id": "pay-fine-1", "provider": body["provider"],
                "pay_url": f"http://pay.test/sandbox/{body['provider']}/pay/1", "pay_page": "http://pay.test/payments/pay-fine-1/pay",
                "amount": 4_000_000, "discount_vnd": 400_000, "amount_due": 3_600_000, "expires_at": None}  # fmt: skip

    return app


@dataclass
class FeedbackStore:
    verifier: TokenVerifier
    items: dict[str, dict[str, Any]] = field(default_factory=dict)


def feedback_app(store: FeedbackStore) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)  # the services' error format
    kinds = {"feedback": "Phản ánh", "petition": "Kiến nghị"}
    categories = {"dossier_handling": "Giải quyết hồ sơ (chậm, sai hẹn, đòi thêm giấy tờ)", "other": "Khác"}
    statuses = {"received": "Đã tiếp nhận", "routed": "Đã chuyển cơ quan có thẩm quyền"}

    def who(request: Request) -> Principal:
        try:
            return store.verifier.verify(request.headers.get("authorization", "").partition(" ")[2])
        except TokenError as exc:
            raise error(401, "unauthenticated", "Cần đăng nhập.") from exc

    @app.get("/feedback/categories")
    async def reference() -> dict[str, Any]:
        return {"kinds": kinds, "categories": categories, "statuses": statuses}

    @app.post("/feedback", status_code=201)
    async def submit(request: Request) -> Any:
        citizen = who(request)
        body = await request.json()
        errors: dict[str, str] = {}
        if not 10 <= len(body.get("title", "")) <= 200:
            errors["title"] = "Tiêu đề phải có từ 10 đến 200 ký tự."
        if body.get("category") not in categories:
            errors["category"] = "Lĩnh vực phải là một trong: dossier_handling, other."
        if not (body.get("dossier_code") or body.get("procedure_code")):
            errors["subject"] = (
                "Cần nêu thủ tục (procedure_code), hồ sơ (dossier_code) hoặc cơ quan (agency_code)."
            )
        if errors:
            detail = {
                "error": "invalid_input",
                "message": "Phản ánh, kiến nghị chưa hợp lệ.",
                "fields": errors,
            }
            raise HTTPException(422, detail=detail)
        fid = f"PA-261205-{len(store.items) + 1:04d}"
        store.items[fid] = body | {
            "id": fid, "owner": citizen.sub, "kind_label": kinds[body["kind"]], "category_label": categories[body["category"]],
            "status": "routed", "status_label": statuses["routed"], "received_at": "2026-12-05T03:00:00+00:00",
            "due_date": "2026-12-19", "overdue": False, "answer": None, "answered_at": None,
            "history": [{"action": "submit", "from_status": None, "to_status": "received", "occurred_at": "2026-12-05T03:00:00+00:00", "note": None},
                        {"action": "route", "from_status": "received", "to_status": "routed", "occurred_at": "2026-12-05T03:00:00+00:00", "note": "Sở GTVT"}],
        }  # fmt: skip
        return {k: v for k, v in store.items[fid].items() if k not in ("owner", "history")}

    @app.get("/feedback")
    async def mine(request: Request) -> dict[str, Any]:
        citizen = who(request)
        return {"items": [f for f in store.items.values() if f["owner"] == citizen.sub]}

    @app.get("/feedback/{feedback_id}")
    async def one(request: Request, feedback_id: str) -> dict[str, Any]:
        citizen = who(request)
        fb = store.items.get(feedback_id)
        if fb is None or fb["owner"] != citizen.sub:
            raise error(404, "not_found", "Không tìm thấy.")
        return fb

    return app
