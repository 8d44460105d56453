"""Task forms (bpmn.io form-js schemas in ``forms/``) and server-side validation of submissions.

A form-js schema is turned into a JSON Schema (draft 2020-12) by :func:`json_schema`; submissions are
validated with ``jsonschema`` and errors come back per field key (``a.b`` for nested paths, ``list.0.x``
for dynamic-list rows). Rules, mirroring form-js's own client-side validation:

- ``validate.required``: present and not empty (``""``, ``null``, ``[]``; an unchecked checkbox).
- Optional fields accept ``null`` and ``""``; length/pattern/format rules apply only to non-empty values.
- textfield/textarea → string (minLength, maxLength, pattern, validationType email/phone);
  number → number (min, max; a string of digits when ``serializeToString``); checkbox → boolean;
  select/radio → one of ``values``; checklist/taglist → list of distinct ``values``;
  datetime → ``YYYY-MM-DD`` / ``HH:MM`` / ``YYYY-MM-DDTHH:MM`` (+ optional seconds and offset) by subtype.
- group (with ``path`` → nested object), dynamiclist (``path`` → list of objects).
- Fields that are ``disabled``/``readonly`` or computed (``expression``) are display-only: dropped from the
  cleaned submission, never written back into the case.
- Fields with a ``conditional`` (FEEL, may be hidden) are never *required* server-side; their other rules hold.
- Any key that is not a field of the form is rejected ("unknown field"). The engine adds its reserved
  variables itself; a two-officer task's form carries a ``co_officer`` field like any other field.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

from engine.config import Settings
from engine.dates import DATE_PATTERN, RANGE_TEXT
from engine.errors import InvalidProcess, NotFound, ValidationFailed

DISPLAY_TYPES = {"text", "html", "image", "spacer", "separator", "button", "iframe", "table", "documentPreview"}
EMAIL = r"^[^\s@<>()\[\],;:\"]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
# Mainland mobile (+86 optional), landline with area code, or an international number (+ / 00 prefix).
PHONE = r"^((\+|00)86[ -]?)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}(-\d{1,6})?$|^(\+|00)[1-9][0-9 -]{6,17}$"
DATE = DATE_PATTERN  # year 2000…2100 (engine.dates)
TIME = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$"
DATETIME = DATE[:-1] + "T" + TIME[1:]
NUMERIC_STRING = r"^-?\d+(\.\d+)?$"
_FORMATS = FormatChecker(["date", "email", "regex"])


# -- loading ---------------------------------------------------------------------------------------------

def _forms_dir(forms_dir: Path | None) -> Path:
    return Path(forms_dir or Settings.from_env().forms_dir)


@lru_cache(maxsize=256)
def _load(path: str, mtime: float) -> dict:
    try:
        form = json.loads(Path(path).read_text("utf-8"))
    except ValueError as exc:
        raise InvalidProcess(f"form is not valid JSON: {exc}", file=Path(path).name,
                             zh=f"表单文件不是有效的 JSON：{exc}") from None
    if not isinstance(form, dict) or not isinstance(form.get("components"), list):
        raise InvalidProcess("form has no components list", file=Path(path).name, zh="表单没有字段列表（components）")
    return form


def load_form(key: str, forms_dir: Path | None = None) -> dict:
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z0-9_\-]+", key):
        raise NotFound(f"form {key!r} not found", zh=f"表单 {key} 不存在")
    path = _forms_dir(forms_dir) / f"{key}.form"
    if not path.is_file():
        raise NotFound(f"form {key!r} not found", zh=f"表单 {key} 不存在")
    return _load(str(path), path.stat().st_mtime)


# -- form-js → JSON Schema ---------------------------------------------------------------------------------

def _nullable(types: str | list[str], required: bool) -> str | list[str]:
    types = [types] if isinstance(types, str) else list(types)
    return types if required else types + ["null"]


def _string(comp: dict, required: bool, extra: dict | None = None) -> dict:
    v = comp.get("validate") or {}
    rules: dict = dict(extra or {})
    for name in ("minLength", "maxLength"):
        if isinstance(v.get(name), int):
            rules[name] = v[name]
    if v.get("pattern"):
        rules["pattern"] = v["pattern"]
    kind = v.get("validationType")
    if kind == "email":
        rules.setdefault("pattern", EMAIL) if "pattern" not in rules else rules.update(allOf=[{"pattern": EMAIL}])
    elif kind == "phone":
        rules.setdefault("pattern", PHONE) if "pattern" not in rules else rules.update(allOf=[{"pattern": PHONE}])
    schema: dict = {"type": _nullable("string", required)}
    if required:
        schema.update(rules, minLength=max(1, rules.get("minLength", 1)))
    elif rules:  # empty optional value: no length/pattern rules (like form-js)
        schema.update({"if": {"type": "string", "minLength": 1}, "then": rules})
    return schema


def _options(comp: dict) -> list | None:
    values = comp.get("values")
    if isinstance(values, list) and values:
        return [o["value"] if isinstance(o, dict) else o for o in values]
    if comp.get("valuesKey") or comp.get("valuesExpression"):
        return None  # options come from data at run time
    raise InvalidProcess(f"field {comp.get('key')!r} ({comp.get('type')}) has no options",
                         zh=f"字段 {comp.get('key')}（{comp.get('type')}）没有选项")


def _field_schema(comp: dict, required: bool) -> dict:
    kind, v = comp.get("type"), comp.get("validate") or {}
    if kind in ("textfield", "textarea"):
        return _string(comp, required)
    if kind == "number":
        if comp.get("serializeToString"):
            return _string(comp, required, {"pattern": NUMERIC_STRING})
        schema = {"type": _nullable("number", required)}
        for src, dst in (("min", "minimum"), ("max", "maximum")):
            if isinstance(v.get(src), (int, float)) and not isinstance(v.get(src), bool):
                schema[dst] = v[src]
        return schema
    if kind == "checkbox":
        return {"const": True} if required else {"type": ["boolean", "null"]}
    if kind in ("select", "radio"):
        options = _options(comp)
        if options is None:
            return {"type": _nullable(["string", "number", "boolean"], required)}
        return {"enum": options if required else options + [None, ""]}
    if kind in ("checklist", "taglist"):
        options = _options(comp)
        items = {"enum": options} if options is not None else {"type": ["string", "number"]}
        schema = {"type": _nullable("array", required), "items": items, "uniqueItems": True}
        if required:
            schema["minItems"] = 1
        return schema
    if kind == "datetime":
        sub = comp.get("subtype", "date")
        pattern = {"date": DATE, "time": TIME, "datetime": DATETIME}.get(sub)
        if pattern is None:
            raise InvalidProcess(f"field {comp.get('key')!r}: unknown datetime subtype {sub!r}",
                                 zh=f"字段 {comp.get('key')}：未知的日期时间类型 {sub}")
        extra = {"pattern": pattern, **({"format": "date"} if sub == "date" else {})}
        return _string({"validate": {}}, required, extra)
    return {}  # other input types (e.g. filepicker): any JSON value


def _display_only(comp: dict) -> bool:
    return bool(comp.get("disabled") or comp.get("readonly") is True or comp.get("type") == "expression")


def _required(comp: dict) -> bool:
    return bool((comp.get("validate") or {}).get("required")) and not comp.get("conditional")


def _put(node: dict, parts: list[str], schema: dict, required: bool) -> None:
    """Place a field schema at a dotted path inside an object schema."""
    for part in parts[:-1]:
        node = node["properties"].setdefault(part, {"type": "object", "properties": {}, "required": [],
                                                    "additionalProperties": False})
    node["properties"][parts[-1]] = schema
    if required:
        node["required"].append(parts[-1])


def _build(components: list, node: dict) -> None:
    for comp in components:
        if not isinstance(comp, dict):
            raise InvalidProcess("form component is not an object", zh="表单字段应为对象")
        kind = comp.get("type")
        if kind in ("group", "dynamiclist"):
            if kind == "dynamiclist" or comp.get("path"):
                if not comp.get("path"):
                    raise InvalidProcess(f"dynamic list {comp.get('id')!r} has no path",
                                         zh=f"动态列表 {comp.get('id')} 没有数据路径（path）")
                inner = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
                _build(comp.get("components") or [], inner)
                schema = {"type": ["array", "null"], "items": inner} if kind == "dynamiclist" else inner
                _put(node, comp["path"].split("."), schema, False)
            else:
                _build(comp.get("components") or [], node)
            continue
        if kind in DISPLAY_TYPES or not comp.get("key") or _display_only(comp):
            continue
        required = _required(comp)
        _put(node, comp["key"].split("."), _field_schema(comp, required), required)


def json_schema(form: dict) -> dict:
    """The JSON Schema (draft 2020-12) of a submission of this form-js form."""
    root = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {},
            "required": [], "additionalProperties": False}
    if form.get("id"):
        root["title"] = str(form["id"])
    _build(form.get("components") or [], root)
    return root


@lru_cache(maxsize=256)
def _validator(form_json: str) -> Draft202012Validator:
    schema = json_schema(json.loads(form_json))
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as exc:  # an invalid pattern and the like: the form, not the submission, is wrong
        raise InvalidProcess(f"form gives an invalid schema: {getattr(exc, 'message', exc)}",
                             zh=f"表单生成的校验规则无效：{getattr(exc, 'message', exc)}") from None
    return Draft202012Validator(schema, format_checker=_FORMATS)


# -- validation -----------------------------------------------------------------------------------------------

def _message(err) -> str:
    kind, value = err.validator, err.validator_value
    if kind in ("type", "enum") and err.instance in (None, ""):
        return "必填 (required)"
    if kind == "minLength" and value == 1:
        return "必填 (required)"
    if kind == "const" and value is True:
        return "必须勾选 (must be checked)"
    table = {
        "type": ("类型不正确", f"expected {value}"),
        "minLength": (f"至少 {value} 个字符", f"at least {value} characters"),
        "maxLength": (f"最多 {value} 个字符", f"at most {value} characters"),
        "minimum": (f"不能小于 {value}", f"must be ≥ {value}"),
        "maximum": (f"不能大于 {value}", f"must be ≤ {value}"),
        "pattern": ("格式不正确", "does not match the required format"),
        "format": ("不是有效的值", f"not a valid {value}"),
        "enum": ("不是可选值", "not one of the options"),
        "minItems": ("至少选择一项", "choose at least one"),
        "uniqueItems": ("选项重复", "options repeat"),
    }
    zh, en = table.get(kind, ("无效", err.message))
    if kind == "pattern" and value == EMAIL:
        zh, en = "不是有效的电子邮箱", "not a valid email address"
    elif kind == "pattern" and value == PHONE:
        zh, en = "不是有效的电话号码", "not a valid phone number"
    elif kind == "pattern" and value in (DATE, TIME, DATETIME):
        zh, en = f"日期/时间格式不正确或不在 {RANGE_TEXT} 之间", "not a valid date/time between 2000 and 2100"
    return f"{zh} ({en})"


def _key(path) -> str:
    return ".".join(str(p) for p in path)


def errors_of(form: dict, data) -> dict[str, list[str]]:
    """Per-field error messages of a submission (empty when valid)."""
    validator = _validator(json.dumps(form, sort_keys=True))
    errors: dict[str, list[str]] = {}
    for err in validator.iter_errors(data):
        path = list(err.absolute_path)
        if err.validator == "required":
            for name in err.validator_value:
                # jsonschema reports each missing name as its own error carrying the whole list
                messages = errors.setdefault(_key(path + [name]), []) \
                    if isinstance(err.instance, dict) and name not in err.instance else None
                if messages is not None and "必填 (required)" not in messages:
                    messages.append("必填 (required)")
        elif err.validator == "additionalProperties":
            known = set(err.schema.get("properties", {}))
            for name in err.instance:
                if name not in known:
                    errors.setdefault(_key(path + [name]), []).append("未知字段 (unknown field)")
        elif err.validator in ("if", "then"):
            continue
        else:
            msg = _message(err)
            if msg not in errors.get(_key(path), []):
                errors.setdefault(_key(path), []).append(msg)
    return errors


def _strip_display_only(components: list, data) -> None:
    if not isinstance(data, dict):
        return
    for comp in components:
        if not isinstance(comp, dict):
            continue
        if comp.get("type") in ("group", "dynamiclist"):
            inner = comp.get("components") or []
            if not comp.get("path"):
                _strip_display_only(inner, data)
                continue
            node = data
            for part in comp["path"].split("."):
                node = node.get(part) if isinstance(node, dict) else None
            for item in (node if isinstance(node, list) else [node]):
                _strip_display_only(inner, item)
        elif comp.get("key") and _display_only(comp):
            parts, node = comp["key"].split("."), data
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict):
                node.pop(parts[-1], None)


def validate_submission(key: str | None, data, forms_dir: Path | None = None, form: dict | None = None) -> dict:
    """Return the cleaned submission or raise ValidationFailed with per-field messages.

    ``form``: the form as the case's version deployed it (engine.bundles.form_of); else read from ``forms_dir``.
    """
    if not isinstance(data, dict):
        raise ValidationFailed("form data must be a JSON object", {"": ["应为对象 (expected an object)"]},
                               zh="表单数据应为对象")
    if key is None:
        return dict(data)
    form = form if form is not None else load_form(key, forms_dir)
    clean = json.loads(json.dumps(data, default=str))
    _strip_display_only(form["components"], clean)
    errors = errors_of(form, clean)
    if errors:
        fields = ", ".join(sorted(errors))
        raise ValidationFailed(f"{len(errors)} invalid field(s): {fields}", errors,
                               zh=f"有 {len(errors)} 项填写不正确，请按提示修改")
    return clean
