"""Numbered enforcement documents (执法文书), issued in the transaction of the step that requires them.

Which step issues which document is declared next to the templates, in ``forms/documents/manifest.json``
(``steps``: BPMN task id → document kinds, optionally with a ``when`` condition on the case data), or on
the user task itself as the spiffworkflow property ``documents="decision_letter,service_receipt"``.
Each document gets a gap-free number per unit, year and kind (e.g. 城南街道综执罚决字〔2026〕第12号),
is rendered once to PDF (A4, CJK fonts, a QR code linking to the case page), stored and hashed like an
attachment, and recorded in the case's hash-chained log. A document is never regenerated: a correction
is a new document with a new number (:func:`reissue`).
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import blobs, clock, numbering, pdf
from engine.attachments import Target
from engine.deadlines.calendar import local_date
from engine.errors import Conflict, Forbidden, NotFound
from engine.events import EventLog
from engine.models import Attachment, Case, Document, HumanTask, ProcessVersion, Unit, User
from engine.org import Actor
from engine.runtime import lock_case
from engine.statuses import EventType, Role, TaskState


def enabled() -> bool:
    return os.environ.get("ZHIFA_DOCUMENTS", "on").lower() not in ("off", "0", "false")


@lru_cache(maxsize=4)
def _manifest(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text("utf-8"))


def manifest() -> dict:
    path = pdf.documents_dir() / "manifest.json"
    if not path.is_file():
        return {"documents": {}, "steps": {}}
    return _manifest(str(path), path.stat().st_mtime)


def kinds() -> dict[str, dict]:
    return manifest().get("documents", {})


def _wanted(task_spec: str, properties: dict, data: dict) -> list[str]:
    declared = properties.get("documents")
    if declared:
        return [k.strip() for k in declared.split(",") if k.strip()]
    out = []
    for item in manifest().get("steps", {}).get(task_spec, []):
        kind, when = (item, None) if isinstance(item, str) else (item.get("kind"), item.get("when"))
        if _holds(when, data):
            out.append(kind)
    return out


def _holds(when, data: dict) -> bool:
    if when is None:
        return True
    if isinstance(when, str):
        return bool(data.get(when))
    return all(data.get(k) == v for k, v in when.items())


def issue_for_step(session: Session, case: Case, task: HumanTask, properties: dict, submitted: dict,
                   actor_id: int | None) -> list[Document]:
    """Issue the documents the completed ``task`` requires (called inside the step's transaction)."""
    if not enabled():
        return []
    data = dict(case.data or {}, **submitted)
    wanted = [kind for kind in _wanted(task.task_spec, properties or {}, data) if kind in kinds()]
    if not wanted:  # most steps issue nothing: no query
        return []
    reopened = session.scalar(select(HumanTask.id).where(
        HumanTask.case_id == case.id, HumanTask.task_spec == task.task_spec, HumanTask.id != task.id,
        HumanTask.state.in_(TaskState.OPEN)).limit(1))
    if reopened is not None:  # the step was sent back (e.g. a fine above the notified one): nothing to issue
        return []
    return [issue(session, case, kind, data, task=task, actor_id=actor_id) for kind in wanted]


def doc_prefix(unit: Unit) -> str:
    """城南街道综执罚 → 城南街道综执 (the unit's part of every document number)."""
    prefix = unit.doc_prefix or unit.name
    return prefix[:-1] if prefix.endswith("罚") and len(prefix) > 1 else prefix


def issue(session: Session, case: Case, kind: str, data: dict, *, task: HumanTask | None = None,
          actor_id: int | None = None, replaces: Document | None = None) -> Document:
    spec = kinds()[kind]
    unit = session.get(Unit, case.unit_id)
    now = clock.now()
    year = local_date(now).year  # the Beijing year, like the date on the document
    seq = numbering.allocate_document(session, unit, year, kind)
    number = f"{doc_prefix(unit)}{spec.get('code', '')}〔{year}〕第{seq}号"
    doc = Document(case_id=case.id, task_id=task.id if task else None, kind=kind, title=spec["title"],
                   unit_id=unit.id, year=year, seq=seq, number=number, replaces_id=replaces.id if replaces else None,
                   issued_by=actor_id or None, issued_at=now)
    session.add(doc)
    session.flush()
    version = session.get(ProcessVersion, getattr(task, "form_version_id", None) or case.process_version_id)
    templates = (version.bundle or {}).get("documents") if version is not None else None
    content = pdf.render_pdf(spec["template"], _context(session, case, unit, doc, data, task, actor_id), templates)
    sha, size = blobs.store_bytes(session, content, "pdf")
    target = Target("document", str(doc.id), case.unit_id, case.id, task.id if task else None)
    att = Attachment(sha256=sha, size=size, type_code="pdf", media_type="application/pdf", category="pdf",
                     filename=f"{spec['title']}（{number}）.pdf", owner_kind=target.owner_kind,
                     owner_id=target.owner_id, case_id=case.id, task_id=target.task_id, unit_id=case.unit_id,
                     source="generated", uploaded_by=actor_id or None, uploaded_at=now)
    session.add(att)
    session.flush()
    doc.attachment_id = att.id
    ev = EventLog(session, case).append(
        EventType.DOCUMENT_ISSUED, actor_id=actor_id or None, task_id=doc.task_id,
        task_spec=task.task_spec if task else None, at=now,
        data={"document": doc.id, "kind": kind, "title": doc.title, "number": number, "attachment": att.id,
              "sha256": sha, "size": size, "replaces": doc.replaces_id})
    att.event_seq = ev.seq
    return doc


def _people(session: Session, ids) -> list[dict]:
    out = []
    for uid in ids or []:
        user = session.get(User, uid) if isinstance(uid, int) else None
        if user is not None:
            out.append({"name": user.display_name.split(" ")[-1], "title": user.display_name,
                        "certificate_no": user.certificate_no or ""})
    return out


def _context(session: Session, case: Case, unit: Unit, doc: Document, data: dict, task, actor_id) -> dict:
    issuer = session.get(User, actor_id) if actor_id else None
    agency = unit.name
    if unit.parent_id and unit.kind == "direct_squad":
        agency = session.get(Unit, unit.parent_id).name
    earlier = for_case(session, case.id)
    decisions = [d for d in earlier if d.kind in ("decision_letter", "on_spot_decision")]
    return {
        "hearing_eligible": bool(data.get("hearing_eligible")), "notice_served_on": data.get("notice_served_on"),
        "served_documents": decisions or [d for d in earlier if d.kind == "prior_notice"][-1:],
        "decision_number": decisions[-1].number if decisions else data.get("decision_number", ""),
        "case": {"number": case.number, "id": case.id, "title": case.title, "opened_at": case.opened_at},
        "party": data.get("party") or {}, "data": data, "doc": doc, "unit": unit, "agency": agency,
        "investigators": _people(session, data.get("investigators")),
        "issuer": issuer.display_name.split(" ")[-1] if issuer else "",
        "issued_on": pdf.cn_date(local_date(doc.issued_at)), "qr": pdf.qr_svg(f"{pdf.public_url()}/cases/{case.id}"),
        "case_url": f"{pdf.public_url()}/cases/{case.id}",
    }


def for_case(session: Session, case_id: int) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.id)))


def get(session: Session, actor: Actor, document_id: int) -> Document:
    from engine.cases import get_case
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} not found", zh="文书不存在")
    get_case(session, actor, doc.case_id)  # 404 outside scope
    return doc


def reissue(session: Session, actor: Actor, document_id: int) -> Document:
    """A correction: the same kind with the case's current data, under a new number; the old one stays."""
    doc = get(session, actor, document_id)
    if actor.read_only or not (actor.has_role(Role.SQUAD_LEADER, doc.unit_id)
                               or actor.has_role(Role.AGENCY_HEAD, doc.unit_id)):
        raise Forbidden("only the unit's squad leader or head may issue a corrected document",
                        zh="只有本单位中队长或负责人可以重新制发更正文书")
    case = lock_case(session, doc.case_id)
    if session.scalar(select(Document.id).where(Document.replaces_id == doc.id)) is not None:
        raise Conflict(f"{doc.number} has already been corrected", zh=f"{doc.number} 已有更正文书")
    task = session.get(HumanTask, doc.task_id) if doc.task_id else None
    return issue(session, case, doc.kind, dict(case.data or {}), task=task, actor_id=actor.user_id, replaces=doc)
