"""Comparing two bundles: BPMN elements and their properties, decision-table rules, form fields, templates.

Layout (diagram interchange) is not a change of the procedure and is ignored; everything a case reads is
compared: names, spiffworkflow properties, scripts, conditions, called processes and decisions, lanes.
"""
from __future__ import annotations

import json

from lxml import etree

from engine.validation.documents import BPMN, SPIFF, local, properties, q
from engine.validation.problems import Report
from engine.validation.documents import parse_xml

_SKIP = {"incoming", "outgoing", "extensionElements", "flowNodeRef", "definitions", "laneSet", "text", "script",
         "conditionExpression", "documentation", "properties", "property"}


def _element_facts(node) -> dict:
    facts = {"name": node.get("name") or ""}
    for attr in ("calledElement", "sourceRef", "targetRef", "isExecutable", "default", "attachedToRef",
                 "cancelActivity"):
        if node.get(attr) is not None:
            facts[attr] = node.get(attr)
    for name, value in properties(node).items():
        facts[f"property:{name}"] = value
    script = node.find(q("script"))
    if script is not None and script.text:
        facts["script"] = script.text.strip()
    cond = node.find(q("conditionExpression"))
    if cond is not None and cond.text:
        facts["condition"] = cond.text.strip()
    ext = node.find(q("extensionElements"))
    if ext is not None:
        for tag in ("preScript", "postScript", "calledDecisionId"):
            child = ext.find(q(tag, SPIFF))
            if child is not None and child.text:
                facts[tag] = child.text.strip()
    for event in ("timerEventDefinition", "messageEventDefinition", "signalEventDefinition", "errorEventDefinition"):
        definition = node.find(q(event))
        if definition is not None:
            facts["event"] = event.replace("EventDefinition", "")
            for child in definition:
                if isinstance(child.tag, str) and child.text:
                    facts[f"{facts['event']}:{local(child)}"] = child.text.strip()
    if local(node) == "lane":
        facts["nodes"] = ",".join(sorted((r.text or "").strip() for r in node.findall(q("flowNodeRef"))))
    return facts


def _bpmn_elements(files: dict[str, str]) -> dict[str, dict]:
    found = {}
    for file, text in sorted((files or {}).items()):
        root = parse_xml(file, text, Report())
        if root is None:
            continue
        for node in root.iter():
            if not isinstance(node.tag, str) or not node.tag.startswith(f"{{{BPMN}}}") or not node.get("id"):
                continue
            kind = local(node)
            if kind in _SKIP:
                continue
            found[node.get("id")] = {"type": kind, "file": file, "facts": _element_facts(node)}
    return found


def _changes(before: dict, after: dict) -> list[dict]:
    return [{"property": key, "before": before.get(key), "after": after.get(key)}
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]


def _compare(old: dict, new: dict, describe) -> list[dict]:
    out = []
    for key in sorted(set(old) | set(new), key=str):
        if key not in old:
            out.append(dict(describe(key, new[key]), change="added", changes=[]))
        elif key not in new:
            out.append(dict(describe(key, old[key]), change="removed", changes=[]))
        else:
            changes = _changes(old[key]["facts"], new[key]["facts"])
            if changes:
                out.append(dict(describe(key, new[key]), change="changed", changes=changes))
    return out


def _dmn_rules(files: dict[str, str]) -> dict[tuple, dict]:
    found = {}
    for file, text in sorted((files or {}).items()):
        root = parse_xml(file, text, Report())
        if root is None:
            continue
        for decision in root.iter(f"{{{etree.QName(root).namespace}}}decision"):
            ns = etree.QName(decision).namespace
            did = decision.get("id")
            heads = [i.get("label") or i.get("id") for i in decision.iter(f"{{{ns}}}input")]
            outs = [o.get("name") or o.get("label") or o.get("id") for o in decision.iter(f"{{{ns}}}output")]
            table = decision.find(f"{{{ns}}}decisionTable")
            found[(did, "__table__")] = {"name": decision.get("name"), "file": file, "facts": {
                "inputs": " | ".join(heads), "outputs": " | ".join(outs),
                "hitPolicy": table.get("hitPolicy", "UNIQUE") if table is not None else ""}}
            for n, rule in enumerate(decision.iter(f"{{{ns}}}rule"), start=1):
                facts = {}
                for head, entry in zip(heads, rule.findall(f"{{{ns}}}inputEntry")):
                    facts[f"if {head}"] = (entry.findtext(f"{{{ns}}}text") or "").strip()
                for head, entry in zip(outs, rule.findall(f"{{{ns}}}outputEntry")):
                    facts[f"then {head}"] = (entry.findtext(f"{{{ns}}}text") or "").strip()
                found[(did, rule.get("id") or f"#{n}")] = {"name": decision.get("name"), "file": file,
                                                          "facts": facts, "position": n}
    return found


def _form_fields(forms: dict[str, str]) -> dict[tuple, dict]:
    found = {}
    for key, text in sorted((forms or {}).items()):
        try:
            form = json.loads(text)
        except ValueError:
            continue

        def walk(components):
            for comp in components or []:
                if not isinstance(comp, dict):
                    continue
                ident = comp.get("key") or comp.get("path") or comp.get("id")
                if ident:
                    facts = {k: json.dumps(v, ensure_ascii=False, sort_keys=True) if isinstance(v, (dict, list))
                             else v for k, v in comp.items() if k not in ("id", "components", "layout")}
                    found[(key, ident)] = {"label": comp.get("label") or comp.get("text") or ident, "facts": facts}
                walk(comp.get("components"))
        walk(form.get("components") if isinstance(form, dict) else None)
    return found


def compare(old: dict, new: dict) -> dict:
    """What changed from bundle ``old`` to bundle ``new`` (both as stored in ``process_versions.bundle``)."""
    old, new = old or {}, new or {}
    elements = _compare(_bpmn_elements(old.get("bpmn")), _bpmn_elements(new.get("bpmn")),
                        lambda k, v: {"id": k, "type": v["type"], "file": v["file"], "name": v["facts"].get("name")})
    rules = _compare(_dmn_rules(old.get("dmn")), _dmn_rules(new.get("dmn")),
                     lambda k, v: {"decision": k[0], "rule": None if k[1] == "__table__" else k[1],
                                   "position": v.get("position"), "name": v["name"], "file": v["file"]})
    fields = _compare(_form_fields(old.get("forms")), _form_fields(new.get("forms")),
                      lambda k, v: {"form": k[0], "field": k[1], "label": v["label"]})
    old_forms, new_forms = set(old.get("forms") or {}), set(new.get("forms") or {})
    form_sets = [{"form": k, "change": "added"} for k in sorted(new_forms - old_forms)] + \
                [{"form": k, "change": "removed"} for k in sorted(old_forms - new_forms)]
    docs_old, docs_new = old.get("documents") or {}, new.get("documents") or {}
    documents = [{"document": k, "change": "added" if k not in docs_old else "removed" if k not in docs_new
                  else "changed"} for k in sorted(set(docs_old) | set(docs_new)) if docs_old.get(k) != docs_new.get(k)]
    lanes_old, lanes_new = old.get("lane_map") or {}, new.get("lane_map") or {}
    lane_map = [{"lane": k, "before": lanes_old.get(k), "after": lanes_new.get(k)}
                for k in sorted(set(lanes_old) | set(lanes_new)) if lanes_old.get(k) != lanes_new.get(k)]
    return {"elements": elements, "decisions": rules, "form_fields": fields, "forms": form_sets,
            "documents": documents, "lane_map": lane_map,
            "unchanged": not (elements or rules or fields or form_sets or documents or lane_map)}
