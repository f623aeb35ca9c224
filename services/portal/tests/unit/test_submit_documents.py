"""The submission form's documents (issue 18): a file input per required document; each chosen file goes to the
dossier service with the citizen's own token before the submission names it; a refusal comes back in Vietnamese
on its own input with the rest of the form kept; the dossier page lists what was attached."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx

from .. import portal_fakes
from ..conftest import Portal

PATH = "/thu-tuc/HT-XN-HON-NHAN/nop-ho-so"
PDF = b"%PDF-1.7\n" + b"\x00" * 3000 + b"\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200
FIELDS = {"applicant_name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678",
          "date_of_birth": "12/05/1990", "address": "12 Tràng Tiền, Hà Nội",
          "marital_status": "Chưa đăng ký kết hôn", "purpose": "Để kết hôn", "province_code": "01"}  # fmt: skip


async def post(
    portal: Portal, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None
) -> httpx.Response:
    csrf = await portal.csrf(PATH)
    multipart: dict[str, Any] = {
        k: (n, data, "application/octet-stream") for k, (n, data) in (files or {}).items()
    }
    multipart |= {k: (None, v) for k, v in (fields | {"csrf": csrf}).items()}
    return await portal.client.post(PATH, files=multipart)


async def test_the_form_has_one_accessible_file_input_per_required_document(portal: Portal) -> None:
    await portal.sign_in()
    page = (await portal.client.get(PATH)).text
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="doc-TK-XN-HON-NHAN">Tờ khai</label>' in page
    assert re.search(r'<input type="file" id="doc-TK-XN-HON-NHAN" name="doc-TK-XN-HON-NHAN" '
                     r'accept="\.pdf,\.jpg,\.jpeg,\.png" aria-describedby="doc-limits"', page)  # fmt: skip
    assert "PDF, JPEG hoặc PNG</strong>, tối đa\n    <strong>10 MB</strong>" in page


async def test_a_pdf_is_uploaded_with_the_citizens_token_attached_and_listed(portal: Portal) -> None:
    await portal.sign_in()
    r = await post(portal, FIELDS, {"doc-TK-XN-HON-NHAN": ("tờ khai.pdf", PDF)})
    assert r.status_code == 303, r.text
    (up,) = portal.dossiers.uploads.values()
    assert up["owner"] == "001099012345" and up["filename"] == "tờ khai.pdf" and up["size"] == len(PDF)
    (body,) = portal.dossiers.bodies
    assert body["documents"] == [{"document_id": up["id"], "name": "Tờ khai", "code": "TK-XN-HON-NHAN"}]
    page = (await portal.client.get(r.headers["location"])).text
    table = page[page.index('id="dossier-documents"') :]
    assert "<td>Tờ khai</td><td>tờ khai.pdf</td><td>3 KB</td>" in table
    assert (
        f'<code title="{hashlib.sha256(PDF).hexdigest()}">{hashlib.sha256(PDF).hexdigest()[:12]}</code>'
        in table
    )


async def test_a_renamed_program_is_refused_on_its_input_and_the_form_is_kept(portal: Portal) -> None:
    await portal.sign_in()
    r = await post(portal, FIELDS, {"doc-TK-XN-HON-NHAN": ("to-khai.pdf", EXE)})
    assert r.status_code == 422
    assert (
        'id="doc-TK-XN-HON-NHAN-error"><span class="sr-only">Lỗi: </span>Tệp “to-khai.pdf” không phải PDF, JPEG hoặc PNG'
        in r.text
    )
    assert 'aria-describedby="doc-limits doc-TK-XN-HON-NHAN-error" aria-invalid="true"' in r.text
    assert '<a href="#doc-TK-XN-HON-NHAN">' in r.text  # in the error summary too
    assert 'value="12 Tràng Tiền, Hà Nội"' in r.text  # the other answers stay
    assert portal.dossiers.bodies == [] and portal.dossiers.uploads == {}


async def test_a_file_over_the_limit_is_refused_here_and_never_sent(portal: Portal) -> None:
    await portal.sign_in()
    portal.settings.documents_max_bytes = 2048
    r = await post(portal, FIELDS, {"doc-TK-XN-HON-NHAN": ("lon.pdf", PDF)})
    assert r.status_code == 422
    assert "Tệp “lon.pdf” vượt quá giới hạn 0,001953125 MB mỗi tệp" in r.text
    assert portal.dossiers.uploads == {} and portal.dossiers.bodies == []


async def test_an_upload_is_kept_while_a_typo_is_fixed(portal: Portal) -> None:
    await portal.sign_in()
    r = await post(
        portal, FIELDS | {"date_of_birth": "31/02/1990"}, {"doc-TK-XN-HON-NHAN": ("tờ khai.pdf", PDF)}
    )
    assert r.status_code == 422 and 'id="f-date_of_birth-error"' in r.text
    (up,) = portal.dossiers.uploads.values()
    assert "Đã tải lên: <strong>tờ khai.pdf</strong>" in r.text
    assert f'name="doc-TK-XN-HON-NHAN-id" value="{up["id"]}"' in r.text
    again = await post(
        portal, FIELDS | {"doc-TK-XN-HON-NHAN-id": up["id"], "doc-TK-XN-HON-NHAN-ten": "tờ khai.pdf"}
    )
    assert again.status_code == 303
    assert portal.dossiers.bodies[-1]["documents"] == [
        {"document_id": up["id"], "name": "Tờ khai", "code": "TK-XN-HON-NHAN"}
    ]
    assert len(portal.dossiers.uploads) == 1  # not uploaded twice


async def test_someone_elses_upload_id_is_refused_on_the_input(portal: Portal) -> None:
    await portal.sign_in()
    await post(portal, FIELDS | {"date_of_birth": "x"}, {"doc-TK-XN-HON-NHAN": ("a.pdf", PDF)})
    (up,) = portal.dossiers.uploads.values()
    up["owner"] = "someone-else"
    r = await post(portal, FIELDS | {"doc-TK-XN-HON-NHAN-id": up["id"], "doc-TK-XN-HON-NHAN-ten": "a.pdf"})
    assert r.status_code == 422
    assert (
        'id="doc-TK-XN-HON-NHAN-error"><span class="sr-only">Lỗi: </span>Không tìm thấy giấy tờ đã tải lên'
        in r.text
    )
    assert "doc-TK-XN-HON-NHAN-id" not in r.text  # forgotten: choose the file again


CAR = "/thu-tuc/DKX-OTO/nop-ho-so"
CAR_FIELDS = {"applicant_name": "Nguyễn Văn An", "citizen_id": "001099012345", "phone": "0912345678",
              "province_code": "01", "vehicle_value_vnd": "400000000"}  # fmt: skip


async def post_car(
    portal: Portal, fields: dict[str, str], files: dict[str, tuple[str, bytes]]
) -> httpx.Response:
    multipart: dict[str, Any] = {k: (n, data, "application/pdf") for k, (n, data) in files.items()}
    multipart |= {k: (None, v) for k, v in (fields | {"csrf": await portal.csrf(CAR)}).items()}
    return await portal.client.post(CAR, files=multipart)


async def test_a_level_4_form_needs_every_mandatory_document_on_its_own_input(portal: Portal) -> None:
    await portal.sign_in()
    form = (await portal.client.get(CAR)).text
    assert "giải quyết hoàn toàn trực\n    tuyến: mọi giấy tờ không ghi “(nếu có)” phải được đính kèm" in form

    r = await post_car(portal, CAR_FIELDS, {"doc-TK-LPTB": ("to-khai.pdf", PDF)})
    assert r.status_code == 422 and portal.dossiers.bodies == []  # nothing submitted
    cccd = r.text[r.text.index('<label for="doc-CCCD">') :]
    assert cccd.index('id="doc-CCCD-error"') < cccd.index("</div>")
    assert ("Chưa có tệp “Căn cước công dân”. Đây là giấy tờ bắt buộc khi nộp hồ sơ trực tuyến: hãy chọn tệp "
            "PDF, JPEG hoặc PNG của giấy tờ này.") in cccd  # fmt: skip
    assert 'aria-invalid="true"' in cccd[: cccd.index("</div>")]
    assert 'href="#doc-CCCD"' in r.text  # in the summary, linked to the input
    assert (
        'id="doc-TK-LPTB-error"' not in r.text and 'id="doc-HOA-DON-MUA-XE-error"' not in r.text
    )  # optional
    (kept,) = portal.dossiers.uploads.values()  # the chosen file is held, not asked again
    assert f'name="doc-TK-LPTB-id" value="{kept["id"]}"' in r.text

    done = await post_car(
        portal, CAR_FIELDS | {"doc-TK-LPTB-id": kept["id"], "doc-TK-LPTB-ten": "to-khai.pdf"},
        {"doc-CCCD": ("cccd.pdf", PDF)},
    )  # fmt: skip
    assert done.status_code == 303, done.text
    (body,) = portal.dossiers.bodies
    assert [(d["code"], d["name"]) for d in body["documents"]] == [
        ("TK-LPTB", "Tờ khai lệ phí trước bạ"), ("CCCD", "Căn cước công dân")]  # fmt: skip


async def test_the_dossier_services_missing_documents_lands_on_the_documents_inputs(portal: Portal) -> None:
    """Should the catalog's list change between the form and the submission, the dossier service's 422
    missing_documents (errors on documents.<code>) is shown on each document's input."""
    from dvc_portal.domain import documents

    car = dict(portal_fakes.CAR)
    detail = {"error": "missing_documents", "message": "Thiếu giấy tờ bắt buộc.",
              "fields": ["documents.CCCD", "documents.KHONG-CO"]}  # fmt: skip
    errors = documents.errors_from_dossier(car, {}, detail)
    assert errors == {"doc-CCCD": documents.missing_message("Căn cước công dân")}
