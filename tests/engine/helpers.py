"""Small drivers for engine tests: start a case, find and complete its open tasks."""
from __future__ import annotations

from sqlalchemy import select

from engine import cases, tasks
from engine.db import transaction
from engine.models import Case, HumanTask
from engine.statuses import TaskState


def start(sessions, actor, process_key, unit_id, data, **kw) -> int:
    with transaction(sessions) as session:
        return cases.start_case(session, actor, process_key, unit_id, data, **kw).id


def open_tasks(sessions, case_id) -> list[HumanTask]:
    with sessions() as session:
        return list(session.scalars(select(HumanTask).where(
            HumanTask.case_id == case_id, HumanTask.state.in_(TaskState.OPEN)).order_by(HumanTask.created_at,
                                                                                       HumanTask.task_spec)))


def only_task(sessions, case_id, spec: str | None = None) -> HumanTask:
    found = [t for t in open_tasks(sessions, case_id) if spec is None or t.task_spec == spec]
    assert len(found) == 1, f"expected one open task {spec or ''}, found {[t.task_spec for t in found]}"
    return found[0]


def complete(sessions, actor, task_id, data) -> list[HumanTask]:
    with transaction(sessions) as session:
        return tasks.complete(session, actor, task_id, data)


def get_case(sessions, case_id) -> Case:
    with sessions() as session:
        return session.get(Case, case_id)


def deploy_unchecked(sessions, directory, names) -> None:
    """Store process versions straight from the parser, bypassing deploy-time validation (call cycles …):
    what an older release, or a hand-edited database, may hold."""
    from sqlalchemy import func
    from engine import bpmn, clock
    from engine.models import ProcessVersion
    parsed = bpmn.parse_sources({n: (directory / n).read_bytes() for n in names})
    with transaction(sessions) as session:
        for proc in parsed:
            last = session.scalar(select(func.max(ProcessVersion.version)).where(
                ProcessVersion.process_key == proc.key)) or 0
            session.add(ProcessVersion(
                process_key=proc.key, name=proc.name, version=last + 1, content_hash=proc.content_hash,
                file_name=proc.file_name, bpmn_xml=proc.bpmn_xml, spec_json=proc.spec_json,
                properties=proc.properties, deployed_at=clock.now(), deployed_by="test"))
