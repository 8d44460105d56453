"""Call activities: the target must exist (and be executable), and no chain of calls may lead back to itself.

A process that calls itself (directly or A → B → A) deploys, then recurses without end when a case reaches
the call; every elementary cycle is reported once, on the call activities that form it.
"""
from __future__ import annotations

from engine.validation.documents import Index, local
from engine.validation.problems import Report


def call_graph(index: Index) -> dict[str, list[tuple[str, object]]]:
    """process id → [(called process id, call activity element)] for every process in the index."""
    graph: dict[str, list[tuple[str, object]]] = {}
    for proc in index.processes.values():
        graph[proc.id] = [((node.get("calledElement") or "").strip(), node) for node in proc.of_type("callActivity")]
    return graph


def reachable(index: Index, start: str) -> list[str]:
    """``start`` and every process it calls, transitively (in discovery order)."""
    graph, seen, todo = call_graph(index), [start], [start]
    while todo:
        for target, _node in graph.get(todo.pop(), []):
            if target in index.processes and target not in seen:
                seen.append(target)
                todo.append(target)
    return seen


def check(index: Index, report: Report) -> None:
    graph = call_graph(index)
    for pid, calls in graph.items():
        proc = index.processes[pid]
        for target, node in calls:
            name = node.get("name")
            if not target:
                report.error("call-no-target", proc.file, node.get("id"), name, "调用活动没有指定被调用的流程（calledElement）",
                             "call activity names no process (calledElement)")
            elif target not in index.processes:
                report.error("call-missing-target", proc.file, node.get("id"), name,
                             f"被调用的流程 {target} 不在本次部署的文件中", f"called process {target!r} is not in the bundle")
    for cycle in _cycles(graph, set(index.processes)):
        path = " → ".join([pid for pid, _ in cycle] + [cycle[0][0]])
        for pid, node in cycle:
            proc = index.processes[pid]
            report.error("call-cycle", proc.file, node.get("id"), node.get("name"),
                         f"调用活动形成循环：{path}（案件走到这里会无限调用）",
                         f"call activities form a cycle: {path} (a case reaching it would recurse without end)")


def _cycles(graph, known: set[str]) -> list[list[tuple[str, object]]]:
    """Every elementary cycle (as [(process, call element)…]), each once, starting at its smallest process id."""
    found: list[list[tuple[str, object]]] = []
    seen_keys: set[tuple] = set()

    def walk(start: str, current: str, path: list[tuple[str, object]], on_path: set[str]) -> None:
        for target, node in graph.get(current, []):
            if target not in known:
                continue
            step = path + [(current, node)]
            if target == start:
                key = tuple(id(n) for _p, n in step)
                if key not in seen_keys:
                    seen_keys.add(key)
                    found.append(step)
            elif target > start and target not in on_path and len(step) < 50:
                walk(start, target, step, on_path | {target})

    for start in sorted(graph):
        walk(start, start, [], {start})
    return found


__all__ = ["check", "call_graph", "reachable", "local"]
