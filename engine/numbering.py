"""Case document numbers, unique per handling unit and year, without gaps or duplicates.

The counter row is bumped with a single UPDATE inside the case-start transaction: the row lock
serialises concurrent starts, and a rolled-back start gives its number back.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import CaseNumberCounter, DocumentCounter, Unit


def allocate(session: Session, unit: Unit, year: int) -> tuple[int, str]:
    """Next sequence number for ``unit`` in ``year`` and its formatted document number."""
    seq = _bump(session, unit.id, year)
    if seq is None:
        try:
            with session.begin_nested():
                session.execute(insert(CaseNumberCounter).values(unit_id=unit.id, year=year, last_seq=0))
        except IntegrityError:
            pass  # a concurrent start created it first
        seq = _bump(session, unit.id, year)
    prefix = unit.doc_prefix or unit.name
    return seq, f"{prefix}〔{year}〕{seq}号"


def _bump(session: Session, unit_id: str, year: int) -> int | None:
    stmt = (update(CaseNumberCounter)
            .where(CaseNumberCounter.unit_id == unit_id, CaseNumberCounter.year == year)
            .values(last_seq=CaseNumberCounter.last_seq + 1)
            .returning(CaseNumberCounter.last_seq))
    return session.execute(stmt).scalar_one_or_none()


def peek(session: Session, unit_id: str, year: int) -> int:
    return session.scalar(select(CaseNumberCounter.last_seq).where(
        CaseNumberCounter.unit_id == unit_id, CaseNumberCounter.year == year)) or 0


def allocate_document(session: Session, unit: Unit, year: int, kind: str) -> int:
    """Next gap-free number of a document ``kind`` for ``unit`` in ``year`` (same row-lock pattern)."""
    def bump():
        return session.execute(
            update(DocumentCounter).where(DocumentCounter.unit_id == unit.id, DocumentCounter.year == year,
                                          DocumentCounter.kind == kind)
            .values(last_seq=DocumentCounter.last_seq + 1).returning(DocumentCounter.last_seq)).scalar_one_or_none()
    seq = bump()
    if seq is None:
        try:
            with session.begin_nested():
                session.execute(insert(DocumentCounter).values(unit_id=unit.id, year=year, kind=kind, last_seq=0))
        except IntegrityError:
            pass
        seq = bump()
    return seq
