"""Units as a tree: add, rename / re-prefix, move under another parent, close (kept for history)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import Case, HumanTask, Membership, Unit
from engine.org import children_map, subtree
from engine.orgadmin.changes import Editor, record
from engine.statuses import CaseState, TaskState

KINDS = ("office", "bureau", "legal_section", "command_center", "direct_squad", "township", "agency", "section")
_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
FIELDS = ("name", "name_en", "kind", "parent_id", "doc_prefix")


def today():
    from engine.deadlines.calendar import local_date
    return local_date(clock.now())


def _text(errors: dict, data: dict, key: str, *, required: bool, limit: int):
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[key] = ["必填 / required"]
        return None
    if not isinstance(value, str) or len(value.strip()) > limit or "\x00" in value:
        errors[key] = [f"最多 {limit} 个字符 / at most {limit} characters"]
        return None
    return value.strip()


def clean_unit(data: dict, *, creating: bool) -> dict:
    """Validate unit fields (all of them when creating, those present otherwise)."""
    errors: dict[str, list[str]] = {}
    out: dict = {}
    if creating:
        uid = data.get("id")
        if not isinstance(uid, str) or not _ID.match(uid):
            errors["id"] = ["小写字母开头，仅含小写字母、数字和下划线（2–64 位） / a lowercase code: letters, digits, _"]
        out["id"] = uid
    for key, limit in (("name", 200), ("name_en", 200), ("doc_prefix", 100)):
        if creating or key in data:
            out[key] = _text(errors, data, key, required=creating and key == "name", limit=limit)
    if creating or "kind" in data:
        if data.get("kind") not in KINDS:
            errors["kind"] = [f"须为 / one of: {', '.join(KINDS)}"]
        out["kind"] = data.get("kind")
    if creating or "parent" in data:
        parent = data.get("parent")
        if parent is not None and not isinstance(parent, str):
            errors["parent"] = ["单位代码 / a unit id"]
        out["parent_id"] = parent
    if errors:
        raise ValidationFailed("单位信息有误 / invalid unit", errors)
    return out


def add_unit(session: Session, editor: Editor, data: dict) -> Unit:
    clean = clean_unit(data, creating=True)
    if session.get(Unit, clean["id"]) is not None:
        raise ValidationFailed("单位代码已存在 / unit id taken", {"id": [f"{clean['id']} 已存在 / already exists"]})
    if clean["parent_id"] is None:
        if editor.scope is not None:
            raise ValidationFailed("须指定上级单位 / a parent unit is required", {"parent": ["必填 / required"]})
    else:
        _open_parent(session, editor, clean["parent_id"])
    unit = Unit(**clean)
    session.add(unit)
    session.flush()
    record(session, editor, "unit.add", unit.id, after={k: clean[k] for k in FIELDS})
    return unit


def update_unit(session: Session, editor: Editor, unit_id: str, data: dict) -> dict:
    """Rename, change kind / prefix, or move (``parent``). Returns {field: [before, after]} of what changed."""
    unit = editor.check_unit(session, unit_id)
    clean = clean_unit(data, creating=False)
    if "name" in clean and clean["name"] is None:
        raise ValidationFailed("单位名称不能为空 / the name is required", {"name": ["必填 / required"]})
    if "parent_id" in clean and clean["parent_id"] != unit.parent_id:
        if clean["parent_id"] is None:
            raise ValidationFailed("不能移到最顶层 / a unit cannot become a root", {"parent": ["必填 / required"]})
        _open_parent(session, editor, clean["parent_id"])
        if clean["parent_id"] in subtree(session, {unit.id}):
            raise ValidationFailed("不能移到自身或其下级单位之下 / cannot move a unit below itself",
                                   {"parent": [f"{clean['parent_id']} 是 {unit.id} 本身或其下级 / is below {unit.id}"]})
    changed = {k: [getattr(unit, k), v] for k, v in clean.items() if getattr(unit, k) != v}
    for key, (_before, after) in changed.items():
        setattr(unit, key, after)
    if changed:
        action = "unit.move" if set(changed) == {"parent_id"} else "unit.update"
        record(session, editor, action, unit.id, changes=changed)
        session.flush()
    return changed


def close_unit(session: Session, editor: Editor, unit_id: str) -> Unit:
    """Close a unit with no open work and no open sub-units; its role grants end yesterday. Kept for history."""
    unit = editor.check_unit(session, unit_id)
    if unit.closed_at is not None:
        return unit
    open_children = [u for u in children_map(session).get(unit.id, []) if session.get(Unit, u).closed_at is None]
    if open_children:
        raise Conflict(f"单位 {unit.name} 仍有未撤销的下级单位：{', '.join(sorted(open_children))} / "
                       f"unit has open sub-units")
    running = session.scalar(select(func.count()).select_from(Case).where(
        Case.unit_id == unit.id, Case.state == CaseState.RUNNING))
    tasks = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.unit_id == unit.id, HumanTask.state.in_(TaskState.OPEN)))
    if running or tasks:
        raise Conflict(f"单位 {unit.name} 仍有 {running} 件在办案件、{tasks} 项待办任务，请先移交 / "
                       f"unit still has {running} running cases and {tasks} open tasks")
    unit.closed_at = clock.now()
    end = today() - timedelta(days=1)
    ended = []
    for m in session.scalars(select(Membership).where(Membership.unit_id == unit.id)):
        if m.valid_until is None or m.valid_until > end:
            m.valid_until = end
            ended.append(f"{m.user.username}:{m.role}")
    record(session, editor, "unit.close", unit.id, roles_ended=sorted(ended))
    session.flush()
    return unit


def _open_parent(session: Session, editor: Editor, parent_id: str) -> Unit:
    try:
        parent = editor.check_unit(session, parent_id)
    except NotFound:
        raise ValidationFailed("上级单位不存在 / unknown parent unit",
                               {"parent": [f"{parent_id} 不存在 / not found"]}) from None
    if parent.closed_at is not None:
        raise ValidationFailed("上级单位已撤销 / the parent unit is closed", {"parent": [f"{parent_id} 已撤销 / closed"]})
    return parent
