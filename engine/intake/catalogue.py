"""The enforcement matter catalogue (执法事项目录): import from CSV/XLSX, versions, edits, the current router.

Every import or edit writes a new version (all matters copied); leads keep the version they were routed
with, so a later edit never changes why an old lead went where it went.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.intake import router as routing
from engine.models import CatalogueVersion, Matter, ProcessVersion, Unit
from engine.org import Actor
from engine.statuses import Role

COLUMNS = ("code", "name", "field", "legal_basis", "keywords", "synonyms", "levels", "delegated", "county_unit",
           "procedure")
LEVELS = ("county", "township")
PROCEDURES = ("simple_procedure", "ordinary_procedure")
MAX_MATTERS = 20000
MAX_WORDS = 60
DEMO_FILE = Path(__file__).parent / "data" / "catalogue.csv"


def _words(value) -> list[str]:
    if isinstance(value, list):
        items = value
    else:
        items = str(value or "").replace("，", "|").replace(",", "|").replace("、", "|").split("|")
    out = []
    for item in items:
        word = routing.normalise(str(item))
        if word and word not in out:
            out.append(word)
    return out


def _bool(value) -> bool | None:
    text = str(value if value is not None else "").strip().lower()
    if text in ("1", "true", "yes", "是", "y"):
        return True
    if text in ("0", "false", "no", "否", "n", ""):
        return False
    return None


def clean_matter(raw: dict, where: str, units: set[str]) -> tuple[dict, dict]:
    """One catalogue row → (clean values, errors keyed ``<where>.<column>``)."""
    errors: dict[str, list[str]] = {}

    def bad(col, msg):
        errors.setdefault(f"{where}.{col}", []).append(msg)

    m = {"code": str(raw.get("code") or "").strip(), "name": str(raw.get("name") or "").strip(),
         "field": str(raw.get("field") or "").strip(), "legal_basis": str(raw.get("legal_basis") or "").strip(),
         "keywords": _words(raw.get("keywords")), "synonyms": _words(raw.get("synonyms")),
         "levels": [x for x in _words(raw.get("levels"))], "delegated": _bool(raw.get("delegated")),
         "county_unit": str(raw.get("county_unit") or "").strip() or None,
         "procedure": str(raw.get("procedure") or "").strip() or "ordinary_procedure"}
    for col, limit in (("code", 40), ("name", 200), ("field", 40), ("legal_basis", 500)):
        if not m[col]:
            bad(col, "必填 (required)")
        elif len(m[col]) > limit:
            bad(col, f"最多 {limit} 个字符 (at most {limit} characters)")
    if not m["keywords"]:
        bad("keywords", "至少一个关键词 (at least one keyword)")
    if len(m["keywords"]) + len(m["synonyms"]) > MAX_WORDS:
        bad("keywords", f"关键词和同义词合计最多 {MAX_WORDS} 个 (at most {MAX_WORDS} words)")
    if any(len(w) > 20 for w in m["keywords"] + m["synonyms"]):
        bad("keywords", "每个词最多 20 个字符 (each word at most 20 characters)")
    if not m["levels"] or any(x not in LEVELS for x in m["levels"]):
        bad("levels", "county 和/或 township (county and/or township)")
    if m["delegated"] is None:
        bad("delegated", "是/否 (yes/no)")
    elif m["delegated"] and "township" not in m["levels"]:
        bad("delegated", "赋权镇街的事项须允许镇街层级办理 (a delegated matter must allow the township level)")
    if m["county_unit"] and m["county_unit"] not in units:
        bad("county_unit", "未知单位 (unknown unit)")
    if m["procedure"] not in PROCEDURES:
        bad("procedure", "simple_procedure 或 ordinary_procedure")
    return m, errors


def parse_rows(data: bytes, filename: str) -> list[dict]:
    """CSV (UTF-8, with or without BOM) or XLSX (first sheet, first row = column names)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 — any unreadable workbook is the client's input error
            raise ValidationFailed("无法读取 XLSX 文件 (unreadable XLSX file)", {"file": ["不是有效的 XLSX 文件"]})
        rows = book.active.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows, [])]
        return [dict(zip(header, row)) for row in rows if any(c not in (None, "") for c in row)]
    if name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationFailed("CSV 须为 UTF-8 编码 (CSV must be UTF-8)", {"file": ["不是 UTF-8 编码"]})
        return list(csv.DictReader(io.StringIO(text)))
    raise ValidationFailed("仅支持 CSV 或 XLSX 文件 (CSV or XLSX only)", {"file": ["文件类型须为 .csv 或 .xlsx"]})


def _digest(matters: list[dict]) -> str:
    body = json.dumps(sorted(matters, key=lambda m: m["code"]), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def check_admin(actor: Actor) -> None:
    if actor.user_id and not actor.units_with(Role.ADMIN):
        raise Forbidden("只有系统管理员可以维护执法事项目录 (administrators only)")


def create_version(session: Session, actor: Actor, rows: list[dict], note: str) -> CatalogueVersion:
    """Validate every row (all errors at once) and store them as the new current version."""
    check_admin(actor)
    if not rows:
        raise ValidationFailed("目录为空 (the catalogue is empty)", {"file": ["没有事项"]})
    if len(rows) > MAX_MATTERS:
        raise ValidationFailed(f"最多 {MAX_MATTERS} 个事项", {"file": [f"最多 {MAX_MATTERS} 个事项"]})
    units = set(session.scalars(select(Unit.id)))
    clean, errors, seen = [], {}, set()
    for n, raw in enumerate(rows, start=1):
        m, errs = clean_matter(raw, f"row{n}", units)
        if m["code"] in seen:
            errs.setdefault(f"row{n}.code", []).append("事项编码重复 (duplicate code)")
        seen.add(m["code"])
        errors.update(errs)
        clean.append(m)
    if errors:
        raise ValidationFailed("目录有错误，未导入任何事项 (the catalogue has errors; nothing was imported)",
                               dict(list(errors.items())[:200]))
    version = CatalogueVersion(note=(note or "")[:300], matter_count=len(clean), digest=_digest(clean),
                               created_by=actor.user_id or None, created_at=clock.now())
    session.add(version)
    session.flush()
    session.add_all([Matter(version_id=version.id, **m) for m in clean])
    session.flush()
    return version


def current(session: Session) -> CatalogueVersion | None:
    return session.scalar(select(CatalogueVersion).order_by(CatalogueVersion.id.desc()).limit(1))


def matters(session: Session, version_id: int) -> list[Matter]:
    return list(session.scalars(select(Matter).where(Matter.version_id == version_id).order_by(Matter.code)))


def matter(session: Session, version_id: int, code: str) -> Matter:
    row = session.scalar(select(Matter).where(Matter.version_id == version_id, Matter.code == code))
    if row is None:
        raise NotFound(f"事项 {code} 不在目录中 (matter {code} not found)")
    return row


def as_row(m: Matter) -> dict:
    return {c: getattr(m, c) for c in COLUMNS}


def edit_matter(session: Session, actor: Actor, code: str, changes: dict, note: str) -> CatalogueVersion:
    """Change (or add, when ``code`` is new) one matter: a new version with every other matter copied."""
    check_admin(actor)
    cur = current(session)
    rows = [as_row(m) for m in matters(session, cur.id)] if cur else []
    target = next((r for r in rows if r["code"] == code), None)
    if target is None:
        target = {"code": code}
        rows.append(target)
    target.update({k: v for k, v in changes.items() if k in COLUMNS and k != "code"})
    return create_version(session, actor, rows, note or f"修改事项 {code}")


def versions(session: Session) -> list[CatalogueVersion]:
    return list(session.scalars(select(CatalogueVersion).order_by(CatalogueVersion.id.desc()).limit(50)))


def router_for(session: Session, version: CatalogueVersion) -> routing.Router:
    def load():
        return [routing.MatterEntry(m.code, m.name, {**{w: routing.SYNONYM for w in m.synonyms},
                                                     **{w: routing.KEYWORD for w in m.keywords}})
                for m in matters(session, version.id)]
    return routing.for_version(version.digest, load)


def procedures_available(session: Session) -> set[str]:
    return set(session.scalars(select(ProcessVersion.process_key).distinct()))


def import_demo(session: Session, actor: Actor) -> CatalogueVersion | None:
    """The demo catalogue (engine/intake/data/catalogue.csv), unless a catalogue exists."""
    if session.scalar(select(func.count()).select_from(CatalogueVersion)):
        return None
    return create_version(session, actor, parse_rows(DEMO_FILE.read_bytes(), DEMO_FILE.name),
                          "演示目录（97 项）")
