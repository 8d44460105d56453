"""Reading the organisation for administrators: units in tree order, users with their roles."""
from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.models import Membership, Unit, User
from engine.org import children_map
from engine.orgadmin.changes import Editor
from engine.orgadmin.units import today


def units_in_tree_order(session: Session, editor: Editor) -> list[tuple[Unit, int]]:
    """(unit, depth) depth-first, children by name; only the editor's units."""
    units = {u.id: u for u in session.scalars(select(Unit))}
    tree = children_map(session)
    out: list[tuple[Unit, int]] = []

    def walk(uid: str, depth: int):
        out.append((units[uid], depth))
        for child in sorted(tree.get(uid, []), key=lambda c: (units[c].closed_at is not None, units[c].name)):
            walk(child, depth + 1)
    roots = [u for u in units.values() if u.parent_id is None or u.parent_id not in units]
    if editor.scope is not None:
        roots = [u for u in units.values() if u.id in editor.scope
                 and (u.parent_id is None or u.parent_id not in editor.scope)]
    for root in sorted(roots, key=lambda u: u.name):
        walk(root.id, 0)
    return out


def user_view(session: Session, user: User, names: dict[str, str] | None = None) -> dict:
    names = names if names is not None else dict(session.execute(select(Unit.id, Unit.name)).all())
    day = today()
    roles = [{"unit": m.unit_id, "unit_name": names.get(m.unit_id, m.unit_id), "role": m.role,
              "valid_from": m.valid_from, "valid_until": m.valid_until, "in_force": m.in_force(day)}
             for m in sorted(user.memberships, key=lambda m: (m.unit_id, m.role))]
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "certificate_no": user.certificate_no, "active": user.active,
            "must_change_password": bool(user.must_change_password), "is_demo": user.is_demo, "roles": roles}


def list_users(session: Session, editor: Editor, *, q: str | None = None, unit: str | None = None,
               active: bool | None = None, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    query = select(User)
    if editor.scope is not None:  # users holding a role in my units, or no role at all (new, or all revoked)
        query = query.where(or_(
            User.id.in_(select(Membership.user_id).where(Membership.unit_id.in_(editor.scope))),
            ~User.id.in_(select(Membership.user_id))))
    if q:
        pattern = f"%{q.strip()}%"
        query = query.where(or_(User.username.like(pattern), User.display_name.like(pattern)))
    if unit:
        query = query.where(User.id.in_(select(Membership.user_id).where(Membership.unit_id == unit)))
    if active is not None:
        query = query.where(User.active.is_(active))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    users = session.scalars(query.order_by(User.username).offset((page - 1) * per_page).limit(per_page)).all()
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    return [user_view(session, u, names) for u in users], total
