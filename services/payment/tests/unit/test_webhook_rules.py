"""The rules of agency webhooks and staff refunds, alone: the signature (and how a receiver checks it), the
backoff schedule, which URLs are accepted, and who may register, see and refund what."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest

from dvc_payment.domain.model import PaymentError
from dvc_payment.domain.webhooks import (
    Backoff,
    Scope,
    check_url,
    may_refund,
    scope_for,
    sees,
    signature,
    verify,
)
from dvckit.auth.jwt import Principal

SECRET = "whsec_test-secret"
BODY = '{"id":"e1","type":"payment.succeeded","data":{"amount_vnd":135000,"ghi_chú":"Lệ phí"}}'.encode()


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    header = signature(SECRET, 1_767_225_600, BODY)
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1767225600,v1={expected}"


def test_a_receiver_accepts_a_fresh_signature_and_refuses_the_rest() -> None:
    header = signature(SECRET, 1000, BODY)
    assert verify(SECRET, header, BODY, now=1100)
    assert not verify(SECRET, header, BODY + b" ", now=1100)  # body changed
    assert not verify("whsec_other", header, BODY, now=1100)  # another secret
    assert not verify(SECRET, header, BODY, now=1000 + 301)  # too old: a replay
    assert not verify(SECRET, header.replace("t=1000", "t=1001"), BODY, now=1001)  # timestamp moved
    assert not verify(SECRET, "v1=abc", BODY, now=1000)  # no timestamp
    # a receiver tolerates extra schemes and several v1 (a secret being rotated)
    assert verify(SECRET, header + ",v1=00ff,v0=zz", BODY, now=1000)


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half() -> None:
    b = Backoff(base_seconds=10, cap_seconds=300, max_attempts=8)
    assert [b.ceiling(n) for n in range(1, 8)] == [10, 20, 40, 80, 160, 300, 300]
    rand = random.Random(7)
    for n in range(1, 8):
        waits = [b.delay(n, rand).total_seconds() for _ in range(200)]
        assert all(b.ceiling(n) / 2 <= w <= b.ceiling(n) for w in waits)
        assert len({round(w, 6) for w in waits}) > 100  # spread out, not one instant for every sender
    assert not b.gives_up(7) and b.gives_up(8)


@pytest.mark.parametrize(
    ("url", "production", "code"),
    [
        ("https://mot-cua.hanoi.gov.vn/hooks/dvc", True, None),
        ("https://mot-cua.hanoi.gov.vn:8443/hooks", False, None),
        ("http://127.0.0.1:9000/hook", False, None),
        ("http://localhost:9000/hook", False, None),
        ("http://[::1]:9000/hook", False, None),
        ("http://127.0.0.1:9000/hook", True, "insecure_url"),
        ("http://mot-cua.hanoi.gov.vn/hook", False, "insecure_url"),
        ("ftp://mot-cua.hanoi.gov.vn/hook", False, "insecure_url"),
        ("https://10.0.0.5/hook", True, "invalid_url"),
        ("https://169.254.169.254/latest", True, "invalid_url"),
        ("https://user:pw@mot-cua.hanoi.gov.vn/hook", False, "invalid_url"),
        ("https:///no-host", False, "invalid_url"),
        ("https://mot-cua.hanoi.gov.vn:port/hook", False, "invalid_url"),
        ("https://mot-cua.hanoi.gov.vn/" + "a" * 500, False, "invalid_url"),
    ],
)
def test_endpoint_urls(url: str, production: bool, code: str | None) -> None:
    if code is None:
        check_url(url, production=production, max_length=500)
        return
    with pytest.raises(PaymentError) as err:
        check_url(url, production=production, max_length=500)
    assert err.value.code == code


def agency(code: str = "SO-GTVT", province: str | None = "01") -> Principal:
    return Principal(sub=f"agency-{code}", role="agency", agency=code, province=province)


def operator(province: str | None = "01") -> Principal:
    return Principal(sub="op", role="operator", province=province)


def test_an_agency_registers_for_itself_in_its_province_only() -> None:
    assert scope_for(agency(), None, None) == Scope("SO-GTVT", "01")
    assert scope_for(agency(), "so-gtvt", "01") == Scope("SO-GTVT", "01")
    assert scope_for(agency("BHXH", None), None, "79") == Scope("BHXH", "79")  # nationwide may narrow
    assert scope_for(agency("BHXH", None), None, None) == Scope("BHXH", None)
    for asked in [("SO-TP", None), (None, "79")]:
        with pytest.raises(PaymentError) as err:
            scope_for(agency(), *asked)
        assert err.value.code == "forbidden"


def test_an_operator_registers_for_an_agency_of_their_province() -> None:
    assert scope_for(operator("01"), "SO-GTVT", None) == Scope("SO-GTVT", "01")
    assert scope_for(operator(None), "BCA-CSGT", "79") == Scope("BCA-CSGT", "79")
    with pytest.raises(PaymentError, match="tỉnh/thành 01"):
        scope_for(operator("01"), "SO-GTVT", "79")
    with pytest.raises(PaymentError) as err:
        scope_for(operator("01"), None, None)
    assert err.value.code == "agency_code_required"
    with pytest.raises(PaymentError) as err:
        scope_for(Principal(sub="c", role="citizen"), "SO-GTVT", None)
    assert err.value.code == "forbidden"


def test_who_sees_an_endpoint_and_its_deliveries() -> None:
    hanoi = Scope("SO-GTVT", "01")
    assert sees(agency(), hanoi) and sees(operator("01"), hanoi) and sees(operator(None), hanoi)
    assert not sees(agency("SO-TP"), hanoi)  # another agency of the same province
    assert not sees(agency("SO-GTVT", "79"), hanoi)  # the same agency code elsewhere
    assert not sees(operator("79"), hanoi)
    assert not sees(Principal(sub="c", role="citizen"), hanoi)


def test_a_scope_covers_payments_of_its_agency_in_its_province() -> None:
    assert Scope("SO-GTVT", "01").covers("SO-GTVT", "01")
    assert not Scope("SO-GTVT", "01").covers("SO-GTVT", "79")
    assert not Scope("SO-GTVT", "01").covers("SO-TP", "01")
    assert Scope("BHXH", None).covers("BHXH", "79") and Scope("BHXH", None).covers("BHXH", None)


def test_refunds_by_api_need_an_operator_of_the_payments_province_or_a_national_one() -> None:
    assert may_refund(operator("79"), "79") and may_refund(operator(None), "79")
    assert may_refund(operator(None), None)
    assert not may_refund(operator("01"), "79")
    assert not may_refund(operator("01"), None)  # a payment of no province: national operators only
    assert not may_refund(agency("SO-GTVT", "79"), "79")
