"""Evidence attachments: who may add a file where, recording it, reading it within scope, checking it on disk.

An upload runs in three phases so a long upload never holds a database lock:

1. :func:`target_for_task` / :func:`target_for_case` (or a :class:`Target` built by another workspace, e.g.
   a lead) check the actor's right to add a file — read-only queries;
2. :func:`engine.blobs.receive` streams the bytes to a temporary file (type by content, size per type);
3. :func:`record` locks the case, re-checks, inserts the row, appends ``attachment_added`` with the
   SHA-256 to the case's hash-chained log, and moves the file to its content address.

A file changed on disk afterwards no longer matches the hash in the log: :func:`verify_case_files`
(called by :func:`engine.events.verify`) reports it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import blobs, clock
from engine.cases import get_case, visible
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.events import EventLog
from engine.models import Attachment, Case, CaseEvent, HumanTask
from engine.org import Actor
from engine.runtime import lock_case
from engine.statuses import CaseState, EventType, TaskState

THUMB_SIZE = (480, 480)


@dataclass(frozen=True)
class Target:
    """Where a file goes: its owner, the unit whose scope reads it, and the case whose log records it."""

    owner_kind: str
    owner_id: str
    unit_id: str
    case_id: int | None = None
    task_id: str | None = None


def _read_only(actor: Actor) -> None:
    if actor.read_only:
        raise Forbidden("auditors have read-only access", zh="审计人员只能查看，不能上传")


def target_for_task(session: Session, actor: Actor, task_id: str) -> Target:
    """A file on a task: the task must be open and the actor its assignee or a holder of its role."""
    from engine.tasks import get_task  # tasks imports cases; keep the import graph flat
    _read_only(actor)
    task = get_task(session, actor, task_id)
    _check_task(actor, task)
    return Target("task", task.id, task.unit_id, task.case_id, task.id)


def _check_task(actor: Actor, task: HumanTask) -> None:
    if task.state not in TaskState.OPEN:
        raise Conflict(f"task '{task.title}' is already {task.state}; files go on the case or a later step",
                       zh=f"“{task.title}”已办结，不能再上传；请在案件或后续环节补充材料")
    if task.state == TaskState.CLAIMED and task.assignee_id != actor.user_id:
        raise Forbidden(f"task '{task.title}' is claimed by someone else",
                        zh=f"“{task.title}”已由他人签收，只有承办人可以上传")
    if not actor.has_role(task.role, task.unit_id):
        raise Forbidden(f"task '{task.title}' needs the role {task.role} in unit {task.unit_id}",
                        zh=f"“{task.title}”不是您所在单位、您的岗位可以办理的任务")


def target_for_case(session: Session, actor: Actor, case_id: int) -> Target:
    """A file on the case itself: the case must be running and the actor work in its handling unit
    or hold an open task of it."""
    _read_only(actor)
    case = get_case(session, actor, case_id)
    if case.state != CaseState.RUNNING:
        raise Conflict(f"case {case.number} is closed", zh=f"案件 {case.number} 已结束，不能再上传材料")
    works = case.unit_id in actor.member_units or session.scalar(
        select(HumanTask.id).where(HumanTask.case_id == case.id, HumanTask.state.in_(TaskState.OPEN),
                                   HumanTask.unit_id.in_(list(actor.member_units))).limit(1)) is not None
    if not works:
        raise Forbidden(f"only the handling unit may add files to case {case.number}",
                        zh="只有承办单位或正在办理该案任务的人员可以上传材料")
    return Target("case", str(case.id), case.unit_id, case.id)


def record(session: Session, actor_id: int | None, target: Target, received: blobs.Received, *,
           note: str | None = None, replaces_id: int | None = None, source: str = "upload",
           actor: Actor | None = None) -> Attachment:
    """Insert the attachment row, record its hash in the case log (if any), place the file."""
    if note is not None and len(note) > 300:
        raise ValidationFailed("note too long", {"note": ["at most 300 characters"]},
                               zh="说明过长", errors_zh={"note": ["最多 300 个字符"]})
    case = None
    if target.case_id is not None:
        case = lock_case(session, target.case_id)
        if target.task_id is not None:
            task = session.get(HumanTask, target.task_id)
            session.refresh(task)
            if actor is not None:
                _check_task(actor, task)
    if replaces_id is not None:
        old = session.get(Attachment, replaces_id)
        if old is None or old.owner_kind != target.owner_kind or old.owner_id != target.owner_id:
            raise ValidationFailed("replaces: not a file of this owner",
                                   {"replaces": [f"attachment {replaces_id} does not belong here"]},
                                   zh="被更正的文件不属于此处", errors_zh={"replaces": ["不是此处的文件"]})
    now = clock.now()
    row = Attachment(sha256=received.sha256, size=received.size, type_code=received.type.code,
                     media_type=received.type.media_type, category=received.type.category,
                     filename=received.filename, owner_kind=target.owner_kind, owner_id=target.owner_id,
                     case_id=target.case_id, task_id=target.task_id, unit_id=target.unit_id, source=source,
                     replaces_id=replaces_id, note=note, uploaded_by=actor_id or None, uploaded_at=now)
    session.add(row)
    session.flush()
    if case is not None:
        task_spec = session.get(HumanTask, target.task_id).task_spec if target.task_id else None
        ev = EventLog(session, case).append(
            EventType.ATTACHMENT_ADDED, actor_id=actor_id or None, task_id=target.task_id, task_spec=task_spec,
            data={"attachment": row.id, "sha256": row.sha256, "size": row.size, "filename": row.filename,
                  "media_type": row.media_type, "owner": target.owner_kind, "replaces": replaces_id},
            at=now)
        row.event_seq = ev.seq
    blobs.place(session, received)
    row.has_thumbnail = row.category == "image" and make_thumbnail(row.sha256)
    return row


def make_thumbnail(sha256: str) -> bool:
    """A JPEG of at most 480×480 beside the store (derived data: rebuilt if missing, never hashed)."""
    target = blobs.thumbnail_path(sha256)
    if target.exists():
        return True
    try:
        from PIL import Image, ImageOps
        with Image.open(blobs.object_path(sha256)) as img:
            img = ImageOps.exif_transpose(img)
            img.thumbnail(THUMB_SIZE)
            target.parent.mkdir(parents=True, exist_ok=True)
            img.convert("RGB").save(target, "JPEG", quality=80)
        return True
    except Exception:  # noqa: BLE001 — an unreadable image is still evidence; it just has no preview
        return False


def get(session: Session, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment the actor may read: on a case in scope, on a lead the actor sees, or owned in a unit in
    scope (404 otherwise)."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound(f"attachment {attachment_id} not found", zh="文件不存在")
    if row.case_id is not None:
        ok = session.scalar(select(Case.id).where(Case.id == row.case_id, visible(actor))) is not None
    elif row.owner_kind == "lead":  # read by exactly those who see the lead (engine.intake.handling.visible)
        from engine.intake import handling
        ok = handling.visible_lead(session, actor, int(row.owner_id))
    else:
        ok = row.unit_id in actor.visible_units
    if not ok:
        raise NotFound(f"attachment {attachment_id} not found", zh="文件不存在")
    return row


def for_case(session: Session, case_id: int) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.case_id == case_id)
                                .order_by(Attachment.uploaded_at, Attachment.id)))


def for_owner(session: Session, owner_kind: str, owner_id: str) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(
        Attachment.owner_kind == owner_kind, Attachment.owner_id == str(owner_id)).order_by(Attachment.id)))


def verify_case_files(session: Session, case_id: int) -> int | None:
    """The seq of the first event whose file on disk no longer has the recorded SHA-256 (or is gone)."""
    rows = session.execute(select(CaseEvent.seq, CaseEvent.data).where(
        CaseEvent.case_id == case_id,
        CaseEvent.type.in_((EventType.ATTACHMENT_ADDED, EventType.DOCUMENT_ISSUED))).order_by(CaseEvent.seq))
    for seq, data in rows:
        sha = (data or {}).get("sha256")
        if sha and blobs.hash_file(blobs.object_path(sha)) != sha:
            return seq
    return None
