"""Photos and files on a lead (the generic attachment store, engine/attachments.py and engine/blobs.py).

Who adds them: the channel that sent the lead (its external system, with its key) and the dispatcher while the
lead waits or is being verified, and the receiving unit's members while it verifies. Who reads them: exactly
the people who see the lead (engine.intake.handling.visible) — a unit that never received it gets 404. Each file
is recorded with its SHA-256 in the lead's hash-chained history; when the unit opens a case from the lead, every
file is carried into the case file (卷宗) with its hash in the case's log (source ``lead``).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import attachments, blobs, clock
from engine.attachments import Target
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.events import EventLog
from engine.intake import handling, history, leads
from engine.models import Attachment, Case, Lead, Unit
from engine.org import Actor
from engine.statuses import EventType, Role

OWNER = "lead"
MAX_FILES = 30
ADDED = "attachment_added"   # lead history event type


def _open(lead: Lead) -> None:
    if lead.status not in leads.OPEN:
        raise Conflict(f"lead {lead.number} is finished; files go on its case",
                       zh=f"线索 {lead.number} 已办结，不能再上传；请在案件中补充材料")


def _room(session: Session, lead: Lead) -> None:
    n = session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.owner_kind == OWNER, Attachment.owner_id == str(lead.id))) or 0
    if n >= MAX_FILES:
        raise ValidationFailed(f"a lead holds at most {MAX_FILES} files", {"file": [f"at most {MAX_FILES} files"]},
                               zh=f"每条线索最多 {MAX_FILES} 个文件", errors_zh={"file": [f"最多 {MAX_FILES} 个文件"]})


def _unit(session: Session, lead: Lead) -> str:
    """The unit named on the row: the receiving unit, else the command centre that holds the lead."""
    return lead.unit_id or session.scalar(
        select(Unit.id).where(Unit.kind.in_(("command_center", "bureau"))).order_by(Unit.kind, Unit.id).limit(1))


def target_of(session: Session, lead: Lead) -> Target:
    return Target(OWNER, str(lead.id), _unit(session, lead))


def target_for_staff(session: Session, actor: Actor, lead_id: int) -> Target:
    """The dispatcher (lead waiting or being verified) or a member of the receiving unit (being verified)."""
    if actor.read_only:
        raise Forbidden("auditors have read-only access", zh="审计人员只能查看，不能上传")
    lead = handling.get(session, actor, lead_id)   # 404 outside the actor's scope
    _open(lead)
    receiving = lead.status == leads.DISPATCHED and bool(
        set(handling.handling_units(session, lead.unit_id)) & set(actor.member_units))
    if not (actor.units_with(Role.DISPATCHER) or receiving):
        raise Forbidden("only the command centre or the receiving unit may add files to this lead",
                        zh="只有指挥中心或接收单位可以为该线索上传材料")
    _room(session, lead)
    return target_of(session, lead)


def target_for_channel(session: Session, channel_id: str, lead_id: int) -> Target:
    """A channel's external system, on one of its own leads (others answer 404)."""
    lead = handling.for_channel(session, channel_id, lead_id)
    _open(lead)
    _room(session, lead)
    return target_of(session, lead)


def record(session: Session, actor_id: int | None, target: Target, received: blobs.Received, *,
           note: str | None = None, replaces_id: int | None = None, actor: Actor | None = None) -> Attachment:
    """Under the lead's lock: re-check, store the row and the file, append the hash to the lead's history."""
    lead = leads.lock(session, int(target.owner_id))
    _open(lead)
    _room(session, lead)
    row = attachments.record(session, actor_id or None, target_of(session, lead), received,
                             note=note, replaces_id=replaces_id, actor=actor)
    history.append(session, lead, ADDED, actor_id=actor_id or None, unit_id=lead.unit_id, data={
        "attachment": row.id, "sha256": row.sha256, "size": row.size, "filename": row.filename,
        "media_type": row.media_type})
    return row


def for_lead(session: Session, lead_id: int) -> list[Attachment]:
    return attachments.for_owner(session, OWNER, str(lead_id))


def carry_to_case(session: Session, lead: Lead, case: Case, actor_id: int | None) -> int:
    """Copy the lead's files into the new case's file (same stored content, hash recorded in the case log)."""
    rows = for_lead(session, lead.id)
    if not rows:
        return 0
    log, now = EventLog(session, case), clock.now()
    for src in rows:
        note = f"来自线索 {lead.number}" + (f"：{src.note}" if src.note else "")
        row = Attachment(sha256=src.sha256, size=src.size, type_code=src.type_code, media_type=src.media_type,
                         category=src.category, filename=src.filename, owner_kind="case", owner_id=str(case.id),
                         case_id=case.id, unit_id=case.unit_id, source="lead", note=note[:300],
                         has_thumbnail=src.has_thumbnail, uploaded_by=src.uploaded_by, uploaded_at=now)
        session.add(row)
        session.flush()
        ev = log.append(EventType.ATTACHMENT_ADDED, actor_id=actor_id or None, at=now, data={
            "attachment": row.id, "sha256": row.sha256, "size": row.size, "filename": row.filename,
            "media_type": row.media_type, "owner": "case", "replaces": None, "lead": lead.number,
            "lead_attachment": src.id})
        row.event_seq = ev.seq
    return len(rows)
