"""The access log: who viewed a case's history or exported its case file, when (administrators read it)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Forbidden
from engine.models import AccessLog, Case
from engine.org import Actor
from engine.statuses import Role

ACTIONS = ("history", "export_pdf", "export_zip", "replay")


def record(session: Session, actor: Actor, action: str, case: Case | None, detail: str | None = None) -> AccessLog:
    row = AccessLog(at=clock.now(), user_id=actor.user_id, action=action, case_id=case.id if case else None,
                    case_number=case.number if case else None, detail=detail)
    session.add(row)
    session.flush()
    return row


@dataclass
class LogPage:
    items: list[AccessLog]
    total: int
    page: int
    per_page: int


def read(session: Session, actor: Actor, page: int = 1, per_page: int = 50, user_id: int | None = None,
         case_id: int | None = None, action: str | None = None) -> LogPage:
    if not actor.units_with(Role.ADMIN):
        raise Forbidden("only administrators read the access log", zh="只有系统管理员可以查看访问日志")
    where = []
    if user_id is not None:
        where.append(AccessLog.user_id == user_id)
    if case_id is not None:
        where.append(AccessLog.case_id == case_id)
    if action:
        where.append(AccessLog.action == action)
    total = session.scalar(select(func.count()).select_from(AccessLog).where(*where)) or 0
    items = list(session.scalars(select(AccessLog).where(*where).order_by(AccessLog.at.desc(), AccessLog.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return LogPage(items, total, page, per_page)
