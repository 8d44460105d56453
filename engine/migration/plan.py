"""Migration plans: source version → target version of one procedure, the element mapping and the options.

Who: an administrator or a process designer (any unit). A plan is stored when it is made, so every move and
every case event can name it; its mapping is checked against both versions.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.bpmn import migrate as bpmn_migrate
from engine.deploy import get_version, specs_for
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.models import MigrationPlan, ProcessVersion, User
from engine.org import SYSTEM, Actor
from engine.statuses import Role

MAX_REASON = 2000


def check_may_migrate(actor: Actor) -> None:
    if actor is SYSTEM:
        return
    if not actor.units_with(Role.DESIGNER, Role.ADMIN) or actor.read_only:
        raise Forbidden("moving running cases needs the designer or administrator role",
                        zh="迁移运行中的案件需要流程设计人员或系统管理员角色")


def parse_mapping(pairs) -> dict[str, str]:
    """``["A=B", "C=D"]`` or ``"A=B, C=D"`` or a dict → {A: B, C: D}; precise errors for anything else."""
    if isinstance(pairs, dict):
        items = list(pairs.items())
    else:
        text = [pairs] if isinstance(pairs, str) else list(pairs or [])
        items = []
        for chunk in text:
            for pair in filter(None, (p.strip() for p in str(chunk).replace("\n", ",").split(","))):
                left, sep, right = pair.partition("=")
                if not sep:
                    raise ValidationFailed(f"mapping {pair!r}: expected SOURCE=TARGET", {"mapping": [
                        f"{pair}: expected SOURCE=TARGET"]}, zh=f"映射「{pair}」应写成 原环节编号=新环节编号",
                        errors_zh={"mapping": [f"「{pair}」应写成 原环节编号=新环节编号"]})
                items.append((left, right))
    mapping = {}
    for left, right in items:
        left, right = str(left).strip(), str(right).strip()
        if not left or not right or len(left) > 100 or len(right) > 100:
            raise ValidationFailed("empty or too long element id in the mapping",
                                   {"mapping": ["element ids of 1–100 characters"]}, zh="映射中的环节编号为空或过长",
                                   errors_zh={"mapping": ["环节编号应为 1–100 个字符"]})
        mapping[left] = right
    return mapping


def _version(session: Session, process_key: str, number) -> ProcessVersion:
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValidationFailed("version numbers are positive integers", {"version": ["a positive integer"]},
                               zh="版本号应为正整数", errors_zh={"version": ["应为正整数"]})
    try:
        return get_version(session, process_key, number)
    except NotFound:
        raise NotFound(f"procedure {process_key!r} has no version {number}",
                       zh=f"流程 {process_key} 没有第 {number} 版") from None


def create_plan(session: Session, actor: Actor, process_key: str, from_version: int, to_version: int,
                mapping=None, follow_target: bool = True, reason: str | None = None,
                by_name: str | None = None) -> MigrationPlan:
    """Check and store a plan. The mapping's sources must be elements of the source version, its targets elements
    of the target version."""
    check_may_migrate(actor)
    source = _version(session, process_key, from_version)
    target = _version(session, process_key, to_version)
    if source.id == target.id:
        raise ValidationFailed("source and target are the same version", {"to_version": ["another version"]},
                               zh="源版本和目标版本相同", errors_zh={"to_version": ["请选择另一个版本"]})
    mapping = parse_mapping(mapping or {})
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed("a reason of 1–2000 characters is required", {"reason": ["1–2000 characters"]},
                               zh="请填写迁移原因（最多 2000 字）", errors_zh={"reason": ["请填写迁移原因（最多 2000 字）"]})
    if not isinstance(follow_target, bool):
        raise ValidationFailed("follow_target is true or false", {"follow_target": ["true or false"]},
                               zh="待办任务设置选项无效", errors_zh={"follow_target": ["应为是或否"]})
    old, new = specs_for(source), specs_for(target)
    cmp = bpmn_migrate.compare(old, new)
    bad = [f"{a}: not an element of version {source.version}" for a in mapping if a not in cmp.elements]
    bad_zh = [f"{a}：不是第 {source.version} 版的环节" for a in mapping if a not in cmp.elements]
    bad += [f"{b}: not an element of version {target.version}" for b in mapping.values() if b not in cmp.target_names]
    bad_zh += [f"{b}：不是第 {target.version} 版的环节" for b in mapping.values() if b not in cmp.target_names]
    if bad:
        raise ValidationFailed("the mapping names unknown elements", {"mapping": bad},
                               zh="映射中有不存在的环节：" + "；".join(bad_zh), errors_zh={"mapping": bad_zh})
    name = by_name
    if name is None and actor is not SYSTEM:
        user = session.get(User, actor.user_id)
        name = user.username if user is not None else str(actor.user_id)
    plan = MigrationPlan(process_key=process_key, from_version_id=source.id, to_version_id=target.id,
                         mapping=mapping, follow_target=follow_target, reason=reason,
                         created_by=None if actor is SYSTEM else actor.user_id, created_by_name=name or "system",
                         created_at=clock.now())
    session.add(plan)
    session.flush()
    return plan


def get_plan(session: Session, actor: Actor, plan_id: int) -> MigrationPlan:
    check_may_migrate(actor)
    plan = session.get(MigrationPlan, plan_id)
    if plan is None:
        raise NotFound(f"migration plan {plan_id} not found", zh=f"没有编号为 {plan_id} 的迁移计划")
    return plan


def plans_for(session: Session, process_key: str, limit: int = 20) -> list[MigrationPlan]:
    return list(session.scalars(select(MigrationPlan).where(MigrationPlan.process_key == process_key)
                                .order_by(MigrationPlan.id.desc()).limit(limit)))


def versions(session: Session, plan: MigrationPlan) -> tuple[ProcessVersion, ProcessVersion]:
    return session.get(ProcessVersion, plan.from_version_id), session.get(ProcessVersion, plan.to_version_id)


_COMPARISONS: dict[tuple, bpmn_migrate.Comparison] = {}


def comparison(session: Session, plan: MigrationPlan) -> bpmn_migrate.Comparison:
    """The element comparison of the plan's versions (cached: versions never change once deployed)."""
    source, target = versions(session, plan)
    key = (source.id, source.content_hash, target.id, target.content_hash,
           tuple(sorted((plan.mapping or {}).items())))
    found = _COMPARISONS.get(key)
    if found is None:
        found = bpmn_migrate.compare(specs_for(source), specs_for(target), plan.mapping or {})
        if len(_COMPARISONS) > 64:
            _COMPARISONS.clear()
        _COMPARISONS[key] = found
    return found


def preview(session: Session, process_key: str, from_version: int, to_version: int,
            mapping: dict | None = None) -> bpmn_migrate.Comparison:
    """The element comparison of two versions before a plan is stored (the migration page's first step)."""
    source = _version(session, process_key, from_version)
    target = _version(session, process_key, to_version)
    return bpmn_migrate.compare(specs_for(source), specs_for(target), mapping or {})
