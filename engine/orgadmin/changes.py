"""Who is administering (and over which units), and the change log every administrative change is written to."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Forbidden, NotFound
from engine.models import AdminChange, Unit
from engine.org import Actor, subtree
from engine.statuses import Role


@dataclass(frozen=True)
class Editor:
    """An administrator (``actor_id``) or the command line (``actor_id=None``); ``scope`` None = every unit."""

    actor_id: int | None
    name: str
    scope: frozenset[str] | None = None

    def check_unit(self, session: Session, unit_id: str | None) -> Unit:
        unit = session.get(Unit, unit_id) if unit_id else None
        if unit is None or (self.scope is not None and unit.id not in self.scope):
            raise NotFound(f"unit {unit_id!r} not found", field="unit", zh=f"单位 {unit_id} 不存在或不在您的管理范围内")
        return unit


CLI = Editor(actor_id=None, name="cli")


def editor_for(session: Session, actor: Actor) -> Editor:
    """An actor holding ``admin`` administers the units below (and including) those it is admin in."""
    roots = actor.units_with(Role.ADMIN)
    if not roots:
        raise Forbidden("organisation administration needs the admin role", zh="只有系统管理员可以维护组织机构")
    return Editor(actor_id=actor.user_id, name=actor.username, scope=frozenset(subtree(session, roots)))


def record(session: Session, editor: Editor, action: str, target: str, **detail) -> AdminChange:
    row = AdminChange(at=clock.now(), actor_id=editor.actor_id, actor_name=editor.name, action=action,
                      target=target, detail=_plain(detail))
    session.add(row)
    return row


def history(session: Session, *, target: str | None = None, action: str | None = None, page: int = 1,
            per_page: int = 50, user: str | None = None) -> tuple[list[AdminChange], int]:
    query = select(AdminChange)
    if target:
        query = query.where(AdminChange.target == target)
    if user:  # the user's own changes and their role grants ("name@unit:role")
        query = query.where(or_(AdminChange.target == user, AdminChange.target.startswith(f"{user}@",
                                                                                          autoescape=True)))
    if action:
        query = query.where(AdminChange.action == action)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AdminChange.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total or 0


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
