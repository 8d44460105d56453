"""Surgery and reading on SpiffWorkflow's task tree: trunk compaction, data parked at joins, callers."""
from __future__ import annotations

from SpiffWorkflow.util.task import TaskState

TRUNK_KEEP = 3  # completed tasks kept above the open frontier when the trunk is compacted (Instance.compact)


def parked_branch_data(join_task) -> dict:
    """What the branches waiting at a join (parallel/inclusive) that has not fired yet have set.

    SpiffWorkflow copies branch data into a join only when it fires: a branch that arrives early leaves a
    WAITING join task *without* data (and is cancelled when the next branch arrives); its variables live only
    in the completed task before the join until then. Merged here the way the join will merge them.
    """
    spec = join_task.task_spec
    same = [t for t in join_task.workflow.tasks.values() if t.task_spec is spec]
    fired = max((t.last_state_change for t in same if t.state == TaskState.COMPLETED), default=float("-inf"))
    arrived = [t for t in same if t.parent is not None and t.parent.state == TaskState.COMPLETED
               and (t is join_task or (t.state == TaskState.CANCELLED and t.last_state_change > fired))]
    data: dict = {}
    for task in sorted(arrived, key=lambda t: t.last_state_change):
        data.update(task.parent.data)
    return data


def compact_workflow(wf, top) -> int:
    tasks = wf.tasks

    def linear(task) -> bool:
        return task.state == TaskState.COMPLETED and len(task._children) == 1 and task._parent is not None

    removed = 0
    for task in list(tasks.values()):
        if task.id not in tasks or not linear(task):
            continue
        parent = tasks.get(task._parent)
        if parent is not None and linear(parent):
            continue  # not the head of a run
        run, nxt = [task], tasks.get(task._children[0])
        while nxt is not None and linear(nxt):
            run.append(nxt)
            nxt = tasks.get(nxt._children[0])
        if len(run) <= TRUNK_KEEP + 1:
            continue
        head, middle, first_kept = run[0], run[1:-TRUNK_KEEP], run[-TRUNK_KEEP]
        for gone in middle:
            del tasks[gone.id]
            top.subprocesses.pop(gone.id, None)
            if wf.last_task is not None and wf.last_task.id == gone.id:
                wf.last_task = first_kept
        head._children = [first_kept.id]
        first_kept._parent = head.id
        removed += len(middle)
    return removed


def calling_element(wf) -> tuple[str | None, str | None]:
    """The call activity that started subworkflow ``wf`` (the element to name when calls nest too deep)."""
    try:
        task = wf.top_workflow.get_task_from_id(wf.parent_task_id)
        return task.task_spec.bpmn_id, getattr(task.task_spec, "bpmn_name", None)
    except Exception:
        return None, None
