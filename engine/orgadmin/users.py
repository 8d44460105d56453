"""Users: add, edit, deactivate / reactivate, password reset (new password at next login), roles per unit."""
from __future__ import annotations

import re
import secrets
from datetime import date

from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import accounts, clock
from engine.errors import NotFound, ValidationFailed
from engine.events import EventLog
from engine.models import ApiToken, HumanTask, Membership, User
from engine.orgadmin.changes import Editor, record
from engine.runtime import lock_case
from engine.statuses import EventType, Role, TaskState

_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Temporary passwords are random (~70 bits): a light hash is enough, and importing 200 users stays quick.
# The user replaces it at first login; that password gets the full-strength hash (engine.accounts).
_TEMP_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def temporary_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))


def get_user(session: Session, editor: Editor, username: str) -> User:
    """The user, if the editor administers at least one of their units (or they hold no role at all)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在 / user {username!r} not found")
    units = {m.unit_id for m in user.memberships}
    if editor.scope is not None and units and not units & editor.scope:
        raise NotFound(f"用户 {username} 不存在 / user {username!r} not found")
    return user


def clean_user(data: dict, *, creating: bool) -> dict:
    errors: dict[str, list[str]] = {}
    out: dict = {}
    if creating:
        name = data.get("username")
        if not isinstance(name, str) or not _USERNAME.match(name):
            errors["username"] = ["2–64 位字母、数字或 _ . - / 2–64 letters, digits, _ . -"]
        out["username"] = name
    for key, limit, required in (("display_name", 100, creating), ("certificate_no", 64, False)):
        if not creating and key not in data:
            continue
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required or (key == "display_name"):
                errors[key] = ["必填 / required"]
            out[key] = None
        elif not isinstance(value, str) or len(value.strip()) > limit or "\x00" in value:
            errors[key] = [f"最多 {limit} 个字符 / at most {limit} characters"]
        else:
            out[key] = value.strip()
    if errors:
        raise ValidationFailed("用户信息有误 / invalid user", errors)
    return out


def add_user(session: Session, editor: Editor, data: dict, roles: list[dict] = ()) -> tuple[User, str]:
    """Create a user with a temporary password (returned once; to be changed at first login) and roles."""
    clean = clean_user(data, creating=True)
    if session.scalar(select(User.id).where(User.username == clean["username"])) is not None:
        raise ValidationFailed("用户名已存在 / username taken", {"username": ["已存在 / already exists"]})
    if editor.scope is not None and not roles:
        raise ValidationFailed("请至少授予一个角色 / grant at least one role", {"roles": ["必填 / required"]})
    password = temporary_password()
    user = User(username=clean["username"], display_name=clean["display_name"],
                certificate_no=clean.get("certificate_no"), password_hash=_TEMP_HASHER.hash(password),
                is_demo=False, active=True, must_change_password=True, created_at=clock.now())
    session.add(user)
    session.flush()
    record(session, editor, "user.add", user.username, after={k: clean.get(k) for k in
                                                              ("display_name", "certificate_no")})
    for role in roles:
        grant(session, editor, user.username, role.get("unit"), role.get("role"), role.get("valid_from"),
              role.get("valid_until"))
    return user, password


def update_user(session: Session, editor: Editor, username: str, data: dict) -> dict:
    user = get_user(session, editor, username)
    clean = clean_user(data, creating=False)
    changed = {k: [getattr(user, k), v] for k, v in clean.items() if getattr(user, k) != v}
    for key, (_before, after) in changed.items():
        setattr(user, key, after)
    if changed:
        record(session, editor, "user.update", user.username, changes=changed)
    return changed


def _revoke_tokens(session: Session, user: User) -> int:
    now, n = clock.now(), 0
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
        n += 1
    return n


def deactivate(session: Session, editor: Editor, username: str) -> dict:
    """Sign the user out everywhere at once (tokens and web sessions) and return their claimed tasks to
    the queue. Their tokens stay revoked if the user is reactivated later."""
    user = get_user(session, editor, username)
    if editor.actor_id is not None and user.id == editor.actor_id:
        raise ValidationFailed("不能停用自己的账号 / you cannot deactivate yourself", {"username": ["本人 / yourself"]})
    if not user.active:
        return {"tokens": 0, "tasks": 0}
    user.active = False
    tokens = _revoke_tokens(session, user)
    released = []
    for task in session.scalars(select(HumanTask).where(HumanTask.assignee_id == user.id,
                                                        HumanTask.state == TaskState.CLAIMED)
                                .order_by(HumanTask.case_id)).all():
        case = lock_case(session, task.case_id)
        session.refresh(task)
        if task.state != TaskState.CLAIMED or task.assignee_id != user.id:
            continue
        task.state, task.assignee_id, task.claimed_at = TaskState.READY, None, None
        EventLog(session, case).append(EventType.TASK_UNCLAIMED, actor_id=editor.actor_id, task_id=task.id,
                                       task_spec=task.task_spec,
                                       data={"previous_assignee": user.id, "reason": "user_deactivated"})
        released.append(task.id)
    record(session, editor, "user.deactivate", user.username, tokens_revoked=tokens, tasks_released=released)
    session.flush()
    return {"tokens": tokens, "tasks": len(released)}


def reactivate(session: Session, editor: Editor, username: str) -> User:
    user = get_user(session, editor, username)
    if not user.active:
        user.active = True
        record(session, editor, "user.reactivate", user.username)
    return user


def reset_password(session: Session, editor: Editor, username: str) -> str:
    """A new temporary password (returned once); every session ends and the user must choose a new one."""
    user = get_user(session, editor, username)
    password = temporary_password()
    user.password_hash = _TEMP_HASHER.hash(password)
    user.must_change_password = True
    tokens = _revoke_tokens(session, user)
    record(session, editor, "user.reset_password", user.username, tokens_revoked=tokens)
    return password


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """The user's own password change (required after a reset). Every other session of theirs ends."""
    errors = {}
    if not isinstance(current, str) or not accounts.verify_password(user.password_hash, current):
        errors["current_password"] = ["当前密码不正确 / the current password is wrong"]
    if not isinstance(new, str) or len(new) < 10 or len(new) > 200 or new.isdigit() or new.isalpha():
        errors["new_password"] = ["至少 10 位，须同时含字母和数字 / at least 10 characters, letters and digits"]
    elif new == current or user.username.lower() in new.lower():
        errors["new_password"] = ["不能与原密码相同或包含用户名 / must differ from the old one and the username"]
    if errors:
        raise ValidationFailed("密码未修改 / password not changed", errors)
    user.password_hash = accounts.hash_password(new)
    user.must_change_password = False
    record(session, Editor(actor_id=user.id, name=user.username), "user.change_password", user.username)


def _date(errors: dict, key: str, value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[key] = ["日期格式应为 YYYY-MM-DD / a date YYYY-MM-DD"]
        return None


def grant(session: Session, editor: Editor, username: str, unit_id, role, valid_from=None,
          valid_until=None) -> Membership:
    """Grant ``role`` in ``unit_id`` (or change its validity dates when already granted)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在 / user {username!r} not found")
    errors: dict[str, list[str]] = {}
    if role not in Role.ALL:
        errors["role"] = [f"须为 / one of: {', '.join(Role.ALL)}"]
    start, end = _date(errors, "valid_from", valid_from), _date(errors, "valid_until", valid_until)
    if start and end and end < start:
        errors["valid_until"] = ["不能早于起始日期 / before valid_from"]
    try:
        unit = editor.check_unit(session, unit_id)
        if unit.closed_at is not None:
            errors["unit"] = [f"{unit_id} 已撤销 / closed"]
    except NotFound:
        errors["unit"] = [f"{unit_id} 不存在 / unknown unit"]
    if errors:
        raise ValidationFailed("角色未授予 / role not granted", errors)
    member = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.unit_id == unit_id,
                                                     Membership.role == role))
    target = f"{username}@{unit_id}:{role}"
    if member is None:
        member = Membership(user_id=user.id, unit_id=unit_id, role=role, valid_from=start, valid_until=end)
        session.add(member)
        record(session, editor, "role.grant", target, valid_from=start, valid_until=end)
    elif (member.valid_from, member.valid_until) != (start, end):
        record(session, editor, "role.dates", target, before=[member.valid_from, member.valid_until],
               after=[start, end])
        member.valid_from, member.valid_until = start, end
    session.flush()
    session.expire(user, ["memberships"])
    return member


def revoke(session: Session, editor: Editor, username: str, unit_id: str, role: str) -> None:
    user = get_user(session, editor, username)
    editor.check_unit(session, unit_id)
    member = session.scalar(select(Membership).where(Membership.user_id == user.id, Membership.unit_id == unit_id,
                                                     Membership.role == role))
    if member is None:
        raise NotFound(f"{username} 在 {unit_id} 没有角色 {role} / no such role")
    session.delete(member)
    record(session, editor, "role.revoke", f"{username}@{unit_id}:{role}",
           valid_from=member.valid_from, valid_until=member.valid_until)
    session.flush()
    session.expire(user, ["memberships"])
