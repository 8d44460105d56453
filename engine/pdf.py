"""Rendering 执法文书 to PDF: Jinja (sandboxed — templates are edited by designers) → HTML → WeasyPrint.

Templates are plain files in ``forms/documents/`` (``ZHIFA_DOCUMENTS_DIR``); each extends ``_base.html``
(A4, Noto CJK fonts from Debian's fonts-noto-cjk, the issuing unit, the number, a QR code to the case page).
"""
from __future__ import annotations

import base64
import io
import os
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from engine.config import ROOT


def documents_dir() -> Path:
    return Path(os.environ.get("ZHIFA_DOCUMENTS_DIR") or ROOT / "forms" / "documents")


def public_url() -> str:
    return (os.environ.get("ZHIFA_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_BIG = ["", "万", "亿"]


def _four(n: int) -> str:
    text, zero = "", False
    for power, unit in ((3, "仟"), (2, "佰"), (1, "拾"), (0, "")):
        digit = n // 10 ** power % 10
        if digit:
            text += ("零" if zero and text else "") + _DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return text


def rmb_upper(amount) -> str:
    """500 → 人民币伍佰元整; 10005 → 人民币壹万零伍元整; 1234.5 → 人民币壹仟贰佰叁拾肆元伍角."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return ""
    if value < 0 or value >= Decimal("1000000000000"):
        return ""
    yuan, cents = divmod(int(value * 100), 100)
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    text, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _four(group) + _BIG[index]
        gap = False
    jiao, fen = divmod(cents, 10)
    if not cents:
        return f"人民币{text or '零'}元整"
    tail = (_DIGITS[jiao] + "角" if jiao else ("零" if text else "")) + (_DIGITS[fen] + "分" if fen else "")
    return f"人民币{text + '元' if text else ''}{tail}"


def cn_date(value) -> str:
    """'2026-10-29' / date / datetime → 2026年10月29日 (empty for nothing)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def yuan(value) -> str:
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{amount:,.2f}".rstrip("0").rstrip(".")
    return f"{text} 元"


def yes_no(value) -> str:
    return "是" if value is True else "否" if value is False else ""


def qr_svg(url: str) -> str:
    import segno
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=3, border=1)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


@lru_cache(maxsize=4)
def _option_labels(forms_dir: str) -> dict[str, dict]:
    """key → {value: label} over every form-js select/radio/checklist beside the templates."""
    import json
    labels: dict[str, dict] = {}

    def walk(components):
        for comp in components or []:
            if comp.get("key") and isinstance(comp.get("values"), list):
                labels.setdefault(comp["key"], {}).update(
                    {str(v.get("value")): v.get("label") for v in comp["values"] if isinstance(v, dict)})
            walk(comp.get("components"))
    for path in sorted(Path(forms_dir).glob("*.form")):
        try:
            walk(json.loads(path.read_text("utf-8")).get("components"))
        except (ValueError, AttributeError):
            continue
    return labels


def option_label(value, key: str) -> str:
    """The form's label for a select/radio value (e.g. service_method 'direct' → 直接送达)."""
    if value in (None, ""):
        return ""
    return _option_labels(str(documents_dir().parent)).get(key, {}).get(str(value), str(value))


def _make_env(loader) -> SandboxedEnvironment:
    # missing values render empty: a document shows a blank line rather than failing the step
    env = SandboxedEnvironment(loader=loader, autoescape=select_autoescape(default=True))
    env.filters.update(cn_date=cn_date, yuan=yuan, rmb_upper=rmb_upper, yes_no=yes_no, opt=option_label)
    return env


@lru_cache(maxsize=4)
def _env(directory: str) -> SandboxedEnvironment:
    return _make_env(FileSystemLoader(directory))


def render_html(template: str, context: dict, sources: dict[str, str] | None = None) -> str:
    """Render ``template``; with ``sources`` (a process version's templates) those win over ``forms/documents/``,
    so a case's documents follow the templates of the version it runs on."""
    if sources:
        env = _make_env(ChoiceLoader([DictLoader(dict(sources)), FileSystemLoader(str(documents_dir()))]))
        return env.get_template(template).render(**context)
    return _env(str(documents_dir())).get_template(template).render(**context)


def render_pdf(template: str, context: dict, sources: dict[str, str] | None = None) -> bytes:
    from weasyprint import HTML
    html = render_html(template, context, sources)
    return HTML(string=html, base_url=str(documents_dir())).write_pdf()
