"""Everything a case file holds, read once from the database into plain data (for the PDF and the ZIP)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock, decisionwords, events, integrity, labels
from engine.archive import versions as carried, words
from engine.models import Case, HumanTask, ProcessVersion, Unit, User
from engine.statuses import TaskState

_SHA = re.compile(r"^[0-9a-f]{64}$")


def utc_text(at: datetime | None) -> str | None:
    """The instant as the hash chain reads it: naive UTC, microseconds."""
    if at is None:
        return None
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def local_text(at: datetime | None, tz=None) -> str:
    """Beijing time for people: 2026-03-02 10:00."""
    if at is None:
        return ""
    from zoneinfo import ZoneInfo
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(tz or ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")


def element_names(spec_json: str) -> dict[str, str]:
    """BPMN element id → name, over the process and every process it calls."""
    raw = json.loads(spec_json)
    names: dict[str, str] = {}
    for spec in [raw.get("spec") or {}, *(raw.get("subprocess_specs") or {}).values()]:
        for task in (spec.get("task_specs") or {}).values():
            if task.get("bpmn_id") and task.get("bpmn_name"):
                names.setdefault(task["bpmn_id"], task["bpmn_name"])
    return names


@dataclass
class FileRef:
    seq: int
    sha256: str
    filename: str
    media_type: str | None
    size: int | None
    kind: str                 # attachment | document
    content: bytes | None     # None: the stored file is missing


@dataclass
class CaseRecord:
    case: dict
    events: list[dict]
    version: dict
    bpmn_xml: str
    spec_json: str
    forms: dict[str, bytes]
    files: list[FileRef]
    verdict: integrity.Verdict
    others: list[dict] = field(default_factory=list)  # every other version the case ran on (a migrated case)
    steps: list[dict] = field(default_factory=list)   # task completions in words
    data_rows: list[tuple[str, str]] = field(default_factory=list)
    exported_at: datetime | None = None
    exported_by: str = ""

    @property
    def chain_head(self) -> str | None:
        return self.events[-1]["hash"] if self.events else None


def _blob(sha256: str) -> bytes | None:
    """The stored bytes of a content-addressed file (engine.blobs, when attachments are installed)."""
    try:
        from engine import blobs  # the officers' attachment storage
    except ImportError:
        return None
    try:
        path = blobs.object_path(sha256)
        return path.read_bytes() if path.is_file() else None
    except (OSError, ValueError):
        return None


def _files(history, read_blob) -> list[FileRef]:
    out = []
    for ev in history:
        data = ev.data or {}
        sha = data.get("sha256")
        if isinstance(sha, str) and _SHA.match(sha):
            kind = "document" if ev.type == "document_issued" else "attachment"
            name = str(data.get("filename") or data.get("title") or data.get("number") or sha[:12])
            out.append(FileRef(ev.seq, sha, name, data.get("media_type"), data.get("size"), kind, read_blob(sha)))
    return out


def load(session: Session, case: Case, exported_by: str = "", read_blob=None) -> CaseRecord:
    """``read_blob(sha256) -> bytes | None`` reads stored files (default: engine.blobs' content addresses)."""
    history = events.history(session, case.id)
    version = session.get(ProcessVersion, case.process_version_id)
    found = labels.for_version(version)
    units = {u.id: u.name for u in session.scalars(select(Unit))}
    user_ids = {ev.actor_id for ev in history if ev.actor_id}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(sorted(user_ids))))} if user_ids else {}
    tasks = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.case_id == case.id))}
    names = element_names(version.spec_json)
    others = _other_versions(session, carried.version_ids(history, version.id), version.id)
    for other in others:     # steps taken on an earlier version keep their names there
        for key, name in element_names(other["spec_json"]).items():
            names.setdefault(key, name)
    verdict = integrity.verify_case(session, case)
    parties = [{"kind": link.party.kind, "name": link.party.name, "id_number": link.party.id_number,
                "address": link.party.address} for link in case.parties]
    case_dict = {
        "id": case.id, "number": case.number, "title": case.title, "state": case.state,
        "state_text": words.STATES.get(case.state, case.state),
        "procedure": {"key": version.process_key, "name": version.name, "version": version.version},
        "unit": {"id": case.unit_id, "name": units.get(case.unit_id, case.unit_id)},
        "opened_at": utc_text(case.opened_at), "closed_at": utc_text(case.closed_at),
        "opened_local": local_text(case.opened_at), "closed_local": local_text(case.closed_at),
        "parties": parties, "data": case.data or {},
        "open_tasks": sorted(t.task_spec for t in tasks.values() if t.state in TaskState.OPEN),
    }
    evs = []
    for ev in history:
        person = people.get(ev.actor_id)
        evs.append({"seq": ev.seq, "type": ev.type, "at": utc_text(ev.at), "actor_id": ev.actor_id,
                    "actor": {"username": person.username, "name": person.display_name} if person else None,
                    "task_id": ev.task_id, "task_spec": ev.task_spec, "process_version_id": ev.process_version_id,
                    "data": ev.data or {}, "prev_hash": ev.prev_hash, "hash": ev.hash,
                    # for people (not hashed):
                    "what": words.EVENTS.get(ev.type, ev.type), "at_local": local_text(ev.at),
                    "element": names.get(ev.task_spec or "", "") or (tasks[ev.task_id].title
                                                                     if ev.task_id in tasks else "")})
    steps = []
    for ev in history:
        if ev.type == "decision_evaluated":
            said = decisionwords.describe(ev.data or {}, "zh", lambda k, v: found.value(k, v) if k else None,
                                          found.label)
            steps.append({"seq": ev.seq, "title": f"决策表判定：{names.get(ev.task_spec or '', ev.task_spec or '')}",
                          "who": "系统", "at": local_text(ev.at), "role": "", "unit": "", "fields": [],
                          "lines": [f"结果：{said.result}", *said.rules]
                          + ([f"输入值：{said.inputs}"] if said.inputs else [])})
            continue
        if ev.type != "task_completed":
            continue
        task = tasks.get(ev.task_id)
        person = people.get(ev.actor_id)
        submitted = (ev.data or {}).get("data") or {}
        steps.append({"seq": ev.seq, "title": (task.title if task else None) or names.get(ev.task_spec, ""),
                      "who": person.display_name if person else "", "at": local_text(ev.at),
                      "role": words.ROLES.get(task.role, task.role) if task else "",
                      "unit": units.get(task.unit_id, "") if task else "",
                      "fields": [(found.label(k), found.value(k, v)) for k, v in submitted.items()]})
    data_rows = [(found.label(k), found.value(k, v)) for k, v in sorted((case.data or {}).items())
                 if k not in ("org", "spawn_cases", "case_id")]
    forms_raw = _forms(found)
    return CaseRecord(
        case=case_dict, events=evs, version=carried.describe(version, forms_raw),
        bpmn_xml=version.bpmn_xml, spec_json=version.spec_json, forms=forms_raw, files=_files(history, read_blob or _blob),
        verdict=verdict, others=others, steps=steps, data_rows=data_rows, exported_at=clock.now(),
        exported_by=exported_by)


def _forms(found: labels.Labels) -> dict[str, bytes]:
    return {key: json.dumps(form, ensure_ascii=False, indent=1).encode("utf-8") for key, form in found.forms.items()}


def _other_versions(session: Session, ids: list[int], current_id: int) -> list[dict]:
    out = []
    for vid in ids:
        other = session.get(ProcessVersion, vid) if vid != current_id else None
        if other is not None:
            forms_raw = _forms(labels.for_version(other))
            out.append({"version": carried.describe(other, forms_raw), "bpmn_xml": other.bpmn_xml,
                        "spec_json": other.spec_json, "forms": forms_raw})
    return out
