"""Who hears about a deadline, the in-app inbox, and the outbox for mail/SMS/webhook senders.

Recipients (org roles, never hard-coded users):
- yellow (到期预警): the handling officers — the task's assignee, else holders of the task's role in its unit
  (case clocks: the case's ``investigators``, else the unit's officers) — and the unit's squad leader(s).
- red (超期警示): the unit's deputy in charge (``deputy_head``; the nearest one up the tree, else the unit's
  ``agency_head``) and the county supervisor(s) (``supervisor`` in the nearest unit above that has any).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.deadlines.config import settings
from engine.errors import NotFound
from engine.models import Case, Clock, HumanTask, Notification, OutboxMessage, Unit, User
from engine.org import users_with_role
from engine.statuses import Role

KIND_WARNING, KIND_OVERDUE = "warning", "overdue"
TITLES = {
    "warning": "【到期预警】", "overdue": "【超期警示】", "reminder": "【超期提醒】",
    "urge": "【催办单】", "supervise": "【督办单】", "circular": "【通报】",
}


# ---------------------------------------------------------------- recipients

class Recipients:
    """Recipient look-ups, each done once per unit, role and task for as long as this object lives (a sweep
    batch resolves the same unit's squad leaders or deputies for every clock only once)."""

    def __init__(self, session: Session):
        self.session = session
        self._roles: dict[tuple[str, str], list[User]] = {}
        self._chains: dict[str, list[str]] = {}
        self._assignees: dict[str, int | None] = {}
        self._users: dict[int, User | None] = {}

    def role(self, unit_id: str, role: str) -> list[User]:
        found = self._roles.get((unit_id, role))
        if found is None:
            found = self._roles[(unit_id, role)] = users_with_role(self.session, unit_id, role)
        return found

    def ancestors(self, unit_id: str) -> list[str]:
        chain = self._chains.get(unit_id)
        if chain is None:
            chain, current = [], self.session.get(Unit, unit_id)
            while current is not None and current.parent_id and current.parent_id not in chain:
                chain.append(current.parent_id)
                current = self.session.get(Unit, current.parent_id)
            self._chains[unit_id] = chain
        return chain

    def user(self, user_id: int) -> User | None:
        if user_id not in self._users:
            self._users[user_id] = self.session.get(User, user_id)
        return self._users[user_id]

    def prefetch_tasks(self, task_ids) -> None:
        """Assignees of these tasks (and the assignees' users) in two statements."""
        wanted = [t for t in set(task_ids) if t not in self._assignees]
        if not wanted:
            return
        self._assignees.update({t: None for t in wanted})
        self._assignees.update(self.session.execute(select(HumanTask.id, HumanTask.assignee_id).where(
            HumanTask.id.in_(wanted))).all())
        users = {a for a in self._assignees.values() if a is not None and a not in self._users}
        if users:
            self._users.update({u: None for u in users})
            self._users.update({u.id: u for u in self.session.scalars(select(User).where(User.id.in_(users)))})

    def handling_officers(self, task_id: str | None, unit_id: str, role: str | None, case_data) -> list[User]:
        if task_id:
            self.prefetch_tasks([task_id])
            assignee = self._assignees.get(task_id)
            if assignee:
                return [self.user(assignee)]
            return self.role(unit_id, role or Role.OFFICER)
        ids = [i for i in (case_data or {}).get("investigators") or [] if isinstance(i, int)]
        users = [u for u in (self.user(i) for i in ids) if u is not None and u.active]
        return users or self.role(unit_id, Role.OFFICER)

    def squad_leaders(self, unit_id: str) -> list[User]:
        return self.role(unit_id, Role.SQUAD_LEADER)

    def heads(self, unit_id: str) -> list[User]:
        return self.role(unit_id, Role.AGENCY_HEAD)

    def deputies(self, unit_id: str) -> list[User]:
        for unit in [unit_id] + self.ancestors(unit_id):
            found = self.role(unit, Role.DEPUTY_HEAD)
            if found:
                return found
        return self.heads(unit_id)

    def supervisors(self, unit_id: str) -> list[User]:
        for unit in self.ancestors(unit_id):
            found = self.role(unit, Role.SUPERVISOR)
            if found:
                return found
        return []


def handling_officers(session: Session, clk: Clock, case: Case) -> list[User]:
    return Recipients(session).handling_officers(clk.task_id, clk.unit_id, clk.role, case.data)


def squad_leaders(session: Session, unit_id: str) -> list[User]:
    return Recipients(session).squad_leaders(unit_id)


def heads(session: Session, unit_id: str) -> list[User]:
    return Recipients(session).heads(unit_id)


def deputies(session: Session, unit_id: str) -> list[User]:
    return Recipients(session).deputies(unit_id)


def supervisors(session: Session, unit_id: str) -> list[User]:
    return Recipients(session).supervisors(unit_id)


# ---------------------------------------------------------------- writing

def notify(session: Session, users, *, kind: str, case: Case, clk: Clock | None, body: str, data: dict,
           key: str, now: datetime) -> list[Notification]:
    """Notify ``users`` about a case (and one of its clocks): see :func:`write`."""
    title = f"{TITLES.get(kind, '')}{case.number} {clk.label if clk else ''}".strip()
    return write(session, users, kind=kind, title=title, body=body, data=dict(data, case_number=case.number),
                 key=key, now=now, refs={"case_id": case.id}, clock_id=clk.id if clk else None)


def write(session: Session, users, *, kind: str, title: str, body: str, data: dict, key: str, now: datetime,
          refs: dict, clock_id: int | None = None) -> list[Notification]:
    """One notification per distinct active user (skipping users who already have ``key``), plus outbox rows:
    one look-up of the users who already have it and one flush, however many recipients. ``refs`` names what
    the notification is about (``case_id`` or ``lead_id``) in the outbox payload; a ``case_id`` also links it."""
    distinct = list({u.id: u for u in users if u is not None and u.active}.values())
    if not distinct:
        return []
    have = set(session.scalars(select(Notification.user_id).where(
        Notification.user_id.in_([u.id for u in distinct]), Notification.dedupe_key == key)))
    fresh = [u for u in distinct if u.id not in have]
    created = [Notification(user_id=u.id, case_id=refs.get("case_id"), clock_id=clock_id, kind=kind, title=title,
                            body=body, data=data, dedupe_key=key, created_at=now)
               for u in fresh]
    session.add_all(created)
    session.flush()
    session.add_all([OutboxMessage(notification_id=note.id, channel=channel, user_id=u.id, created_at=now, attempts=0,
                                   payload={"title": title, "body": body, "kind": kind, **refs,
                                            "username": u.username})
                     for note, u in zip(created, fresh) for channel in settings().notify_channels])
    return created


def colour_changed(session: Session, clk: Clock, case: Case, colour: str, now: datetime) -> list[Notification]:
    key = f"clock:{clk.id}:colour:{clk.colour_changes}"
    data = {"colour": colour, "due_on": clk.due_on.isoformat(), "clock_id": clk.id}
    if colour == "yellow":
        users = handling_officers(session, clk, case) + squad_leaders(session, clk.unit_id)
        body = f"{case.number}「{clk.label}」将于 {clk.due_on.isoformat()} 到期，请抓紧办理。"
        return notify(session, users, kind=KIND_WARNING, case=case, clk=clk, body=body, data=data, key=key, now=now)
    users = deputies(session, clk.unit_id) + supervisors(session, clk.unit_id)
    body = f"{case.number}「{clk.label}」已超过期限（{clk.due_on.isoformat()}），请督促办理。"
    return notify(session, users, kind=KIND_OVERDUE, case=case, clk=clk, body=body, data=data, key=key, now=now)


# ---------------------------------------------------------------- inbox and outbox

def inbox(session: Session, user_id: int, unread_only: bool = False, kind: str | None = None,
          limit: int = 50, before_id: int | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    if kind:
        query = query.where(Notification.kind == kind)
    if before_id:
        query = query.where(Notification.id < before_id)
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(max(1, min(limit, 200)))))


def unread_count(session: Session, user_id: int) -> int:
    from sqlalchemy import func
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, user_id: int, notification_id: int, now: datetime) -> Notification:
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user_id:
        raise NotFound(f"notification {notification_id} not found", zh="通知不存在")
    note.read_at = note.read_at or now
    return note


def mark_all_read(session: Session, user_id: int, now: datetime) -> int:
    return session.execute(update(Notification).where(Notification.user_id == user_id,
                                                      Notification.read_at.is_(None)).values(read_at=now)).rowcount


def claim_outbox(session: Session, channel: str, limit: int = 100) -> list[OutboxMessage]:
    """For senders: unsent rows of a channel, locked (PostgreSQL: SKIP LOCKED, so senders can run in parallel)."""
    return list(session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == channel, OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id)
        .limit(limit).with_for_update(skip_locked=True)))


def mark_sent(message: OutboxMessage, now: datetime, error: str | None = None) -> None:
    message.attempts = (message.attempts or 0) + 1
    if error is None:
        message.sent_at = now
    message.last_error = error
