"""What a case's data keys and values are called on its forms: field labels and option labels.

The forms a process version uses are named in its BPMN (``formKey`` on user tasks, ``startForm`` on the
process) — also in the called processes, whose specs are stored in ``spec_json``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine import forms
from engine.errors import EngineError
from engine.models import ProcessVersion

_KEY = re.compile(r'(?:formKey|startForm)"?\s*(?:value=|:\s*)"([A-Za-z0-9_\-]+)"')
ENGINE_LABELS = {"handling_unit": "承办单位", "case_number": "案件编号", "case_id": "案件序号", "party": "当事人",
                 "investigators": "承办人", "spawn_cases": "移送/另案", "org": "机构", "party_kind": "当事人类型"}
ENGINE_OPTIONS = {"party_kind": {"person": "自然人", "organisation": "法人或其他组织"}}   # set by the engine, not a form


@dataclass
class Labels:
    fields: dict[str, str] = field(default_factory=dict)          # key → label
    options: dict[str, dict[str, str]] = field(default_factory=dict)  # key → value → label
    forms: dict[str, dict] = field(default_factory=dict)          # form key → form-js schema

    def label(self, key: str) -> str:
        return self.fields.get(key) or ENGINE_LABELS.get(key) or key

    def value(self, key: str, value) -> str:
        options = self.options.get(key) or ENGINE_OPTIONS.get(key) or {}
        if isinstance(value, list):
            return "、".join(options.get(str(v), _text(v)) for v in value)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value) in options:
            return options[str(value)]
        return _text(value)


def _text(value) -> str:
    import json
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None:
        return ""
    if isinstance(value, dict):
        if "name" in value and "id_number" in value:
            return f"{value.get('name')}（{value.get('id_number')}）"
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "、".join(_text(v) for v in value)
    return str(value)


def form_keys(version: ProcessVersion) -> list[str]:
    found = _KEY.findall(version.bpmn_xml or "") + _KEY.findall(version.spec_json or "")
    if (version.properties or {}).get("startForm"):
        found.insert(0, version.properties["startForm"])
    return list(dict.fromkeys(found))


def _walk(components: list, out: Labels) -> None:
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        key, label = comp.get("key"), comp.get("label")
        if isinstance(key, str) and isinstance(label, str) and label:
            out.fields.setdefault(key, label)
            values = comp.get("values")
            if isinstance(values, list):
                out.options.setdefault(key, {str(v.get("value")): str(v.get("label")) for v in values
                                             if isinstance(v, dict) and "value" in v})
        _walk(comp.get("components"), out)


def for_version(version: ProcessVersion, forms_dir=None) -> Labels:
    """Field labels and options of the version's forms — from its bundle (what the case ran with), or read from
    ``forms/`` for versions deployed before bundles."""
    from engine import bundles  # deferred: bundles pulls in the validation package

    out = Labels()
    pinned = bundles.version_forms(version) if forms_dir is None else None
    for key in form_keys(version):
        if pinned is not None:
            form = pinned.get(key)
            if form is None:
                continue
        else:
            try:
                form = forms.load_form(key, forms_dir)
            except EngineError:
                continue
        out.forms[key] = form
        _walk(form.get("components"), out)
    return out
