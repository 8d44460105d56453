"""Bulk import of leads (CSV/XLSX): every row is checked first; one bad row stores nothing."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.errors import Forbidden, ValidationFailed
from engine.intake import catalogue, leads
from engine.org import Actor
from engine.statuses import Role

MAX_ROWS = 5000


def import_leads(session: Session, actor: Actor, data: bytes, filename: str) -> dict:
    if not actor.units_with(Role.DISPATCHER):
        raise Forbidden("只有指挥中心派单员可以导入线索 (dispatchers only)")
    rows = catalogue.parse_rows(data, filename)
    if not rows:
        raise ValidationFailed("文件中没有线索 (no leads in the file)", {"file": ["没有数据行"]})
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(f"一次最多导入 {MAX_ROWS} 条", {"file": [f"最多 {MAX_ROWS} 行"]})
    errors: dict[str, list[str]] = {}
    payloads = []
    for n, row in enumerate(rows, start=1):
        payload = {"text": _s(row.get("text")), "place": _s(row.get("place")),
                   "occurred_at": _s(row.get("occurred_at")) or None, "external_ref": _s(row.get("external_ref")) or None,
                   "reporter": {"name": _s(row.get("reporter_name")), "phone": _s(row.get("reporter_phone"))}}
        try:
            leads.clean_input(payload)
        except ValidationFailed as exc:
            for field, msgs in (exc.errors or {"place": [exc.detail]}).items():
                errors.setdefault(f"row{n}.{field}", []).extend(msgs)
        payloads.append((_s(row.get("channel")) or "dispatcher", payload))
    if errors:
        raise ValidationFailed("导入文件有错误，未导入任何线索 (nothing was imported)", dict(list(errors.items())[:200]))
    created = [leads.create(session, channel, payload, actor=actor) for channel, payload in payloads]
    return {"created": len(created), "dispatched": sum(1 for x in created if x.status == leads.DISPATCHED),
            "waiting": sum(1 for x in created if x.status == leads.WAITING), "numbers": [x.number for x in created]}


def _s(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()
