"""Retiring versions and procedures: no new cases start on them; running cases continue to their end."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.deploy import DEPLOYED, RETIRED, get_version
from engine.errors import NotFound, ValidationFailed
from engine.models import ProcessVersion


def _check_note(note: str | None) -> None:
    if note is not None and len(note) > 2000:
        raise ValidationFailed("说明太长 (note too long)", {"note": ["最多 2000 字 (at most 2000 characters)"]})


def retire_version(session: Session, process_key: str, version: int, by: str | None, note: str | None = None
                   ) -> ProcessVersion:
    _check_note(note)
    row = get_version(session, process_key, version)
    if row.state == DEPLOYED:
        row.state, row.retired_at, row.retired_by, row.retire_note = RETIRED, clock.now(), by, note or None
    return row


def retire_procedure(session: Session, process_key: str, by: str | None, note: str | None = None
                     ) -> list[ProcessVersion]:
    _check_note(note)
    rows = list(session.scalars(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                                .order_by(ProcessVersion.version)))
    if not rows:
        raise NotFound(f"no deployed procedure {process_key!r}", zh=f"流程 {process_key} 尚未部署")
    now = clock.now()
    for row in rows:
        if row.state == DEPLOYED:
            row.state, row.retired_at, row.retired_by, row.retire_note = RETIRED, now, by, note or None
    return rows
