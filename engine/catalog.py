"""The designers' overview: procedures, their versions (state, who deployed when with which note, running
cases per version) and drafts. Counts come from SQL over the cases table."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Case, ProcessDraft, ProcessVersion
from engine.statuses import CaseState


@dataclass
class Procedure:
    key: str
    name: str
    state: str                 # deployed (some version takes new cases) | retired
    current_version: int | None
    versions: list = field(default_factory=list)   # ProcessVersion rows, newest first, with .running set
    drafts: list = field(default_factory=list)


def running_counts(session: Session) -> dict[int, int]:
    rows = session.execute(select(Case.process_version_id, func.count()).where(Case.state == CaseState.RUNNING)
                           .group_by(Case.process_version_id))
    return {vid: n for vid, n in rows}


def procedures(session: Session) -> list[Procedure]:
    counts = running_counts(session)
    found: dict[str, Procedure] = {}
    for row in session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_key,
                                                               ProcessVersion.version.desc())):
        proc = found.setdefault(row.process_key, Procedure(row.process_key, row.name, "retired", None))
        row.running = counts.get(row.id, 0)
        proc.versions.append(row)
        if row.state == "deployed" and proc.current_version is None:
            proc.current_version, proc.state, proc.name = row.version, "deployed", row.name
    for draft in session.scalars(select(ProcessDraft).order_by(ProcessDraft.updated_at.desc())):
        proc = found.get(draft.process_key)
        if proc is None:
            proc = found[draft.process_key] = Procedure(draft.process_key, draft.title, "draft", None)
        proc.drafts.append(draft)
    return sorted(found.values(), key=lambda p: p.key)


def procedure(session: Session, key: str) -> Procedure:
    from engine.errors import NotFound
    for proc in procedures(session):
        if proc.key == key:
            return proc
    raise NotFound(f"没有流程 {key} (no procedure {key!r})")
