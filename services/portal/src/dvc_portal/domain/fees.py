"""A procedure's fee explained in Vietnamese: the amount, or the rule and how it is computed, with the
figures of the rule (rates by province, per-page prices, bounds) and a worked example where one helps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dvc_contracts import units
from dvc_portal.domain import format as fmt
from dvc_portal.domain.vocabulary import spec
from dvckit.text import fold


@dataclass(frozen=True)
class FeeView:
    kind: str  # fixed | free | rule
    headline: str  # what the citizen reads first
    description: str | None = None  # the catalog's own sentence
    explanation: list[str] = field(default_factory=list)  # how the amount is computed
    table: list[tuple[str, str]] = field(default_factory=list)  # e.g. rates by province
    example: str | None = None


def _label(name: str | None) -> str:
    """The field's label inside a sentence, without its unit: "giá trị xe tính lệ phí trước bạ"."""
    return spec(name).label.removesuffix(" (đồng)").lower() if name else "giá trị kê khai"


def _percent_of_value(rule: dict[str, Any]) -> tuple[str, list[str], list[tuple[str, str]], str | None]:
    base = float(rule.get("percent") or 0)
    value_field = rule.get("value_field")
    lines = [f"Số tiền = {fmt.percent(base)} × {_label(value_field)}."]
    by_province = rule.get("percent_by_province") or {}
    table = sorted(
        ((units.name(code), fmt.percent(float(p))) for code, p in by_province.items()),
        key=lambda row: fold(row[0]),
    )
    if table:
        lines.append(
            f"Mức {fmt.percent(base)} áp dụng chung; các tỉnh, thành phố dưới đây có mức riêng "
            "theo nghị quyết của Hội đồng nhân dân tỉnh."
        )
    if rule.get("min_vnd"):
        lines.append(f"Tối thiểu {fmt.vnd(int(rule['min_vnd']))}.")
    if rule.get("max_vnd"):
        lines.append(f"Tối đa {fmt.vnd(int(rule['max_vnd']))}.")
    example_value = 400_000_000
    amount = example_value * base / 100
    if rule.get("max_vnd"):
        amount = min(amount, int(rule["max_vnd"]))
    example = (
        f"Ví dụ: {_label(value_field)} {fmt.vnd(example_value)}, mức {fmt.percent(base)}: "
        f"{fmt.vnd(int(amount))}."
    )
    return f"{fmt.percent(base)} {_label(value_field)}", lines, table, example


def _per_page(rule: dict[str, Any]) -> tuple[str, list[str], str | None]:
    first_pages = int(rule.get("first_pages") or 0)
    first, extra = int(rule.get("first_page_vnd") or 0), int(rule.get("extra_page_vnd") or 0)
    cap = rule.get("max_per_copy_vnd")
    lines = [
        f"{fmt.vnd(first)}/trang cho {first_pages} trang đầu; từ trang thứ {first_pages + 1}: "
        f"{fmt.vnd(extra)}/trang.",
        "Số tiền của một bản nhân với số bản sao cần chứng thực.",
    ]
    if cap:
        lines.insert(1, f"Mỗi bản tối đa {fmt.vnd(int(cap))}.")
    pages, copies = 5, 2
    per_copy = min(pages, first_pages) * first + max(0, pages - first_pages) * extra
    if cap:
        per_copy = min(per_copy, int(cap))
    example = f"Ví dụ: bản chính {pages} trang, {copies} bản sao: {fmt.vnd(per_copy * copies)}."
    return "Theo số trang và số bản sao", lines, example


def _contribution(rule: dict[str, Any]) -> tuple[str, list[str], str | None]:
    p = float(rule.get("percent") or 0)
    low, high = rule.get("min_base_vnd"), rule.get("max_base_vnd")
    lines = [
        f"Số tiền = {fmt.percent(p)} × {_label(rule.get('value_field'))} × {_label(rule.get('months_field'))}."
    ]
    if low is not None and high is not None:
        lines.append(
            f"Mức thu nhập làm căn cứ đóng từ {fmt.vnd(int(low))} đến {fmt.vnd(int(high))} một tháng."
        )
    base = max(int(low or 0), 5_000_000)
    example = f"Ví dụ: thu nhập {fmt.vnd(base)}/tháng, đóng 3 tháng: {fmt.vnd(int(base * p / 100 * 3))}."
    return f"{fmt.percent(p)} mức thu nhập tháng lựa chọn", lines, example


def _household(rule: dict[str, Any]) -> tuple[str, list[str], str | None]:
    base = int(rule.get("base_salary_vnd") or 0)
    p = float(rule.get("percent") or 0)
    factors = [int(f) for f in rule.get("member_factors_percent") or [100]]
    first = base * p / 100
    lines = [
        f"Người thứ nhất đóng {fmt.percent(p)} mức lương cơ sở ({fmt.vnd(base)}): {fmt.vnd(int(first))}/tháng.",
        "Từ người thứ hai đóng giảm dần: "
        + ", ".join(
            f"người thứ {i + 1}: {f}% mức của người thứ nhất" for i, f in enumerate(factors[1:], start=1)
        )
        + " (từ người thứ "
        + str(len(factors))
        + " trở đi như nhau).",
        "Tổng của các thành viên nhân với số tháng đóng.",
    ]
    two = first * (factors[0] + (factors[1] if len(factors) > 1 else factors[0])) / 100
    example = f"Ví dụ: hộ 2 người, đóng 12 tháng: {fmt.vnd(int(two * 12))}."
    return f"{fmt.percent(p)} mức lương cơ sở, giảm dần từ người thứ hai", lines, example


def explain(fee: dict[str, Any] | None) -> FeeView:
    fee = fee or {}
    kind = str(fee.get("kind") or "free")
    description = fee.get("description")
    if kind == "fixed":
        return FeeView("fixed", fmt.vnd(int(fee.get("amount_vnd") or 0)), description)
    if kind == "free":
        return FeeView("free", "Miễn phí", description)
    rule = fee.get("rule") or {}
    rtype = rule.get("type")
    if rtype == "percent_of_value":
        headline, lines, table, example = _percent_of_value(rule)
        return FeeView("rule", headline, description, lines, table, example)
    if rtype == "per_page":
        headline, lines, example = _per_page(rule)
        return FeeView("rule", headline, description, lines, example=example)
    if rtype == "contribution":
        headline, lines, example = _contribution(rule)
        return FeeView("rule", headline, description, lines, example=example)
    if rtype == "household_health_insurance":
        headline, lines, example = _household(rule)
        return FeeView("rule", headline, description, lines, example=example)
    if rtype == "declared_amount":
        return FeeView(
            "rule",
            "Theo số tiền kê khai",
            description,
            [f"Số tiền phải nộp là {_label(rule.get('value_field'))} bạn kê khai trong hồ sơ."],
        )
    if rtype == "fine_amount":
        return FeeView(
            "rule",
            "Theo quyết định xử phạt",
            description,
            [
                "Số tiền là số tiền phạt ghi trong quyết định xử phạt; nộp trực tuyến sớm có thể được giảm "
                "theo quy định. Tra cứu quyết định để biết số tiền phải nộp."
            ],
        )
    if rtype == "external_amount":
        source = rule.get("source") or "cơ quan, đơn vị thu"
        return FeeView(
            "rule",
            "Theo thông báo của đơn vị thu",
            description,
            [f"Số tiền theo thông báo, hóa đơn của {source}; cổng không thu thêm."],
        )
    return FeeView("rule", "Theo quy định", description)
