"""Places → township: communities, roads, landmarks (and grid cells) of each township's area.

A lead's place resolves when every gazetteer name found in it (longest names first, aliases included)
lies in one township; names of two townships (a road crossing both) or none leave it to the dispatcher.
A place written with a province / city / county prefix other than the configured county's, or
coordinates outside the county's box, is outside the county and refused.
"""
from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import ValidationFailed
from engine.intake.router import normalise
from engine.models import Place, Unit

DEMO_FILE = Path(__file__).parent / "data" / "places.csv"
KINDS = ("township", "community", "road", "landmark", "grid")
_PREFIX = re.compile(r"^(?:(?P<province>[\u4e00-\u9fff]{2,7}?(?:省|自治区))|(?P<city>[\u4e00-\u9fff]{2,4}?市(?!场))"
                     r"|(?P<county>[\u4e00-\u9fff]{2,4}?(?:县|区)))")
_NOT_DIVISION = ("社区", "小区", "景区", "园区", "城区", "片区", "街区", "校区", "厂区", "院区", "矿区", "库区", "辖区")


def region() -> dict[str, str]:
    """The county and the divisions above it (``ZHIFA_INTAKE_REGION``, default 四川省/成都市/清江县)."""
    parts = os.environ.get("ZHIFA_INTAKE_REGION", "四川省/成都市/清江县").split("/")
    return dict(zip(("province", "city", "county"), (p.strip() for p in parts)))


def bbox() -> tuple[float, float, float, float] | None:
    """West, south, east, north (``ZHIFA_INTAKE_BBOX``); coordinates outside are outside the county."""
    raw = os.environ.get("ZHIFA_INTAKE_BBOX", "103.40,30.45,103.85,30.85")
    try:
        w, s, e, n = (float(x) for x in raw.split(","))
    except ValueError:
        return None
    return w, s, e, n


def outside_reason(text: str, lat: float | None = None, lng: float | None = None) -> str | None:
    """Why a place lies outside the county, or None."""
    if lat is not None and lng is not None:
        box = bbox()
        if box and not (box[0] <= lng <= box[2] and box[1] <= lat <= box[3]):
            return f"坐标 ({lat:.5f}, {lng:.5f}) 不在本县范围内 (coordinates outside the county)"
    rest, own = normalise(text), region()
    while rest:
        m = _PREFIX.match(rest)
        if not m:
            break
        kind = m.lastgroup
        name = m.group(kind)
        if kind == "county" and name.endswith(_NOT_DIVISION):
            break
        if own.get(kind) and name != own[kind]:
            return f"“{name}”不在本县（{own['county']}）范围内 (the place is outside the county)"
        rest = rest[m.end():]
    return None


@dataclass
class Resolution:
    township: str | None          # unit id, when unambiguous
    place_id: int | None
    matched: list[str]            # gazetteer names found
    townships: list[str]          # every township the names point to

    @property
    def reason(self) -> str | None:
        if self.township:
            return None
        return "place_ambiguous" if self.townships else "place_unknown"


def resolve(session: Session, text: str) -> Resolution:
    norm = normalise(text)
    entries = []
    for place in session.scalars(select(Place)):
        for name in [place.name] + list(place.aliases or []):
            n = normalise(name)
            if n and n in norm:
                entries.append((len(n), n, place))
    entries.sort(key=lambda e: -e[0])
    taken: list[str] = []
    chosen: list[Place] = []
    for _len, name, place in entries:
        if any(name in longer for longer in taken if longer != name):
            continue   # 城南 inside 城南路: the longer, more precise name wins
        taken.append(name)
        chosen.append(place)
    townships = sorted({p.unit_id for p in chosen})
    if len(townships) == 1:
        specific = [p for p in chosen if p.kind != "township"] or chosen
        return Resolution(townships[0], specific[0].id, [p.name for p in chosen], townships)
    return Resolution(None, None, [p.name for p in chosen], townships)


def import_rows(session: Session, rows: list[dict]) -> int:
    """Add places (name, kind, unit, aliases "a|b"); existing (name, unit) pairs are updated."""
    units = {u.id: u.kind for u in session.scalars(select(Unit))}
    errors: dict[str, list[str]] = {}
    clean = []
    for n, raw in enumerate(rows, start=1):
        name, kind, unit = (str(raw.get(k) or "").strip() for k in ("name", "kind", "unit"))
        if not name or len(name) > 100:
            errors.setdefault(f"row{n}.name", []).append("必填，最多 100 个字符")
        if kind not in KINDS:
            errors.setdefault(f"row{n}.kind", []).append("township/community/road/landmark/grid")
        if units.get(unit) != "township":
            errors.setdefault(f"row{n}.unit", []).append("须为镇街单位 (must be a township unit)")
        aliases = [a.strip() for a in str(raw.get("aliases") or "").split("|") if a.strip()]
        clean.append((name, kind, unit, aliases))
    if errors:
        raise ValidationFailed("地名表有错误，未导入 (the place list has errors; nothing was imported)", errors)
    existing = {(p.name, p.unit_id): p for p in session.scalars(select(Place))}
    for name, kind, unit, aliases in clean:
        row = existing.get((name, unit))
        if row is None:
            session.add(Place(name=name, kind=kind, unit_id=unit, aliases=aliases))
        else:
            row.kind, row.aliases = kind, aliases
    session.flush()
    return len(clean)


MAX_PLACES = 50000


def import_file(session: Session, actor, data: bytes, filename: str) -> int:
    """Administrators: a CSV/XLSX gazetteer (columns name, kind, unit, aliases "a|b"); all rows or none."""
    from engine.intake import catalogue  # the CSV/XLSX reader and the administrators' check
    catalogue.check_admin(actor)
    rows = catalogue.parse_rows(data, filename)
    if not rows:
        raise ValidationFailed("the place list is empty", {"file": ["no rows"]},
                               zh="地名表为空", errors_zh={"file": ["没有地名"]})
    if len(rows) > MAX_PLACES:
        raise ValidationFailed(f"at most {MAX_PLACES} places", {"file": [f"at most {MAX_PLACES} rows"]},
                               zh=f"最多 {MAX_PLACES} 个地名", errors_zh={"file": [f"最多 {MAX_PLACES} 行"]})
    return import_rows(session, rows)


def listing(session: Session) -> list[Place]:
    return list(session.scalars(select(Place).order_by(Place.unit_id, Place.kind, Place.name)))


def import_demo(session: Session) -> int:
    if session.scalar(select(func.count()).select_from(Place)):
        return 0
    return import_rows(session, list(csv.DictReader(io.StringIO(DEMO_FILE.read_text("utf-8")))))
