"""Incidents on cases: work the platform refused to go on with by itself (e.g. a timer loop past the run budget).

A case with an open incident is left out of the timer sweeps until an administrator resolves it, so a
runaway diagram costs one budget's worth of work once, not on every sweep.
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import clock
from engine.db import transaction
from engine.errors import EngineError, NotFound
from engine.models import Case, CaseIncident

log = logging.getLogger(__name__)


def record(factory: sessionmaker, case_id: int, exc: EngineError, source: str) -> int | None:
    """Record ``exc`` as an open incident on the case, in its own transaction. Returns the incident id."""
    try:
        with transaction(factory) as session:
            if session.get(Case, case_id) is None:
                return None
            row = CaseIncident(case_id=case_id, kind=exc.code, source=source,
                               element=getattr(exc, "element", None),
                               detail=getattr(exc, "detail_zh", None) or exc.detail, at=clock.now())
            session.add(row)
            session.flush()
            log.error("incident %s on case %s (%s): %s", row.id, case_id, source, exc.detail)
            return row.id
    except Exception:  # noqa: BLE001 — recording must not take the caller down
        log.exception("could not record an incident on case %s", case_id)
        return None


def open_incident_cases():
    """Subquery: ids of cases with an unresolved incident."""
    return select(CaseIncident.case_id).where(CaseIncident.resolved_at.is_(None))


def for_case(session: Session, case_id: int) -> list[CaseIncident]:
    return list(session.scalars(select(CaseIncident).where(CaseIncident.case_id == case_id)
                                .order_by(CaseIncident.id)))


def list_open(session: Session, limit: int = 100) -> list[CaseIncident]:
    return list(session.scalars(select(CaseIncident).where(CaseIncident.resolved_at.is_(None))
                                .order_by(CaseIncident.id.desc()).limit(limit)))


def resolve(session: Session, incident_id: int) -> CaseIncident:
    row = session.get(CaseIncident, incident_id)
    if row is None:
        raise NotFound(f"incident {incident_id} not found", zh="故障记录不存在")
    if row.resolved_at is None:
        row.resolved_at = clock.now()
    return row
