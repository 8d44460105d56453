"""The organisation tree and what a user may see and do in it."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.models import Membership, Unit, User
from engine.statuses import Role


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user with their (unit, role) memberships, resolved once per request."""

    user_id: int
    username: str
    roles: frozenset[tuple[str, str]]  # (unit_id, role)
    visible_units: frozenset[str]      # units whose cases this actor may read

    def has_role(self, role: str, unit_id: str) -> bool:
        return (unit_id, role) in self.roles

    def units_with(self, *roles: str) -> set[str]:
        return {u for u, r in self.roles if r in roles}

    @property
    def member_units(self) -> set[str]:
        return {u for u, _ in self.roles}

    @property
    def read_only(self) -> bool:
        return all(r == Role.AUDITOR for _, r in self.roles)


SYSTEM = Actor(user_id=0, username="system", roles=frozenset(), visible_units=frozenset())


def children_map(session: Session) -> dict[str | None, list[str]]:
    tree: dict[str | None, list[str]] = {}
    for unit_id, parent_id in session.execute(select(Unit.id, Unit.parent_id)):
        tree.setdefault(parent_id, []).append(unit_id)
    return tree


def subtree(session: Session, roots: set[str], tree: dict | None = None) -> set[str]:
    tree = tree if tree is not None else children_map(session)
    seen, stack = set(), list(roots)
    while stack:
        unit = stack.pop()
        if unit in seen:
            continue
        seen.add(unit)
        stack.extend(tree.get(unit, []))
    return seen


def _today():
    from engine import clock
    from engine.deadlines.calendar import local_date
    return local_date(clock.now())


def actor_for(session: Session, user: User) -> Actor:
    today = _today()  # roles count only within their validity dates (set by administrators)
    return _actor(session, user, frozenset((m.unit_id, m.role) for m in user.memberships if m.in_force(today)))


def actor_from(session: Session, user: User, memberships: list[tuple]) -> Actor:
    """As :func:`actor_for`, from (unit, role, valid_from, valid_until) tuples with ISO dates (or None) as the
    token look-up brings them (engine.tokens.resolve_with_memberships), without loading the user's memberships."""
    today = _today().isoformat()
    return _actor(session, user, frozenset((unit, role) for unit, role, start, end in memberships
                                           if (start is None or start <= today) and (end is None or today <= end)))


def _actor(session: Session, user: User, roles: frozenset) -> Actor:
    own = {u for u, _ in roles}
    overseeing = {u for u, r in roles if r in Role.OVERSEERS}
    visible = own | (subtree(session, overseeing) if overseeing else set())
    return Actor(user.id, user.username, roles, frozenset(visible))


def load_actor(session: Session, user_id: int) -> Actor:
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound(f"user {user_id} not found", zh="用户不存在或已停用")
    return actor_for(session, user)


def org_context(session: Session) -> dict:
    """Unit ids by function, handed to every case as ``org`` so BPMN never hard-codes unit ids."""
    ctx: dict = {"direct_squads": [], "townships": [], "agencies": []}
    for unit in session.scalars(select(Unit).order_by(Unit.id)):
        if unit.kind in ("office", "bureau", "legal_section", "command_center"):
            ctx.setdefault(unit.kind, unit.id)
        elif unit.kind == "direct_squad":
            ctx["direct_squads"].append(unit.id)
        elif unit.kind == "township":
            ctx["townships"].append(unit.id)
        elif unit.kind == "agency":
            ctx["agencies"].append(unit.id)
    return ctx


def users_with_role(session: Session, unit_id: str, role: str) -> list[User]:
    today = _today()
    return list(session.scalars(
        select(User).join(Membership).where(
            Membership.unit_id == unit_id, Membership.role == role, User.active.is_(True),
            or_(Membership.valid_from.is_(None), Membership.valid_from <= today),
            or_(Membership.valid_until.is_(None), Membership.valid_until >= today)).order_by(User.id)))
