"""A plan's element comparison in words: what changed, what is gone, what is mapped or suggested."""
from __future__ import annotations

from engine.bpmn.migrate import INTERNAL, Comparison
from engine.migration.words import settings

_SKIP_KINDS = ("StartEvent", "EndEvent", "_EndJoin", "_BoundaryEventParent", "BoundaryEventSplit",
               "BoundaryEventJoin", "SimpleBpmnTask", "NoneTask")


def elements(cmp: Comparison) -> list[dict]:
    out = []
    for element, diff in sorted(cmp.elements.items(), key=lambda kv: (kv[1].process, kv[0])):
        if element in INTERNAL or diff.kind in _SKIP_KINDS:
            continue
        target_name = cmp.target_names.get(diff.target) if diff.target else None
        if diff.target is None and diff.guess:
            guess_name = cmp.target_names.get(diff.guess, diff.guess)
            out.append(_row(diff, diff.guess, guess_name, "suggested",
                            f"在新版本中找不到，可能对应『{guess_name}』（{diff.guess}）",
                            f"not in the new version; it may be '{guess_name}' ({diff.guess})"))
        elif diff.target is None:
            out.append(_row(diff, None, None, "removed", "在新版本中被删除", "removed in the new version"))
        elif diff.mapped:
            out.append(_row(diff, diff.target, target_name, "mapped", f"按映射对应『{target_name}』（{diff.target}）",
                            f"mapped to '{target_name}' ({diff.target})"))
        elif diff.changes:
            zh, en = settings(diff.changes)
            out.append(_row(diff, diff.target, target_name, "changed", f"已修改：{zh}", f"changed: {en}"))
    for element, name, _process in sorted(cmp.added):
        out.append({"element": element, "name": name, "target": element, "target_name": name, "change": "added",
                    "zh": "新版本新增", "en": "new in the new version"})
    return out


def _row(diff, target, target_name, change, zh, en) -> dict:
    return {"element": diff.element, "name": diff.name, "target": target, "target_name": target_name,
            "change": change, "zh": zh, "en": en}
