"""Every engine error a user can receive has a Chinese text: walks the engine's source for every construction of
an EngineError (or a subclass) and checks its message. A Chinese-language client must never get an English-only
``detail`` (api/language.py picks ``zh=``, or cuts a message written in both languages to one)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from api.language import one_language
from engine.config import ROOT

ERRORS = {"EngineError", "NotFound", "Forbidden", "Conflict", "ValidationFailed", "PayloadTooLarge",
          "UnsupportedType", "InvalidProcess", "WorkflowFailed", "TooManyRequests", "BudgetExceeded"}
CJK = re.compile(r"[\u4e00-\u9fff]")
# Messages passed through a variable, checked by hand: each is built from Chinese text (the file: why).
VARIABLE_OK = {
    "engine/rules.py": "the statutory rules' messages, written in Chinese in the BPMN properties",
    "engine/entities/plans.py": "message comes from Chinese literals in the same function",
    "engine/intake/leads.py": "reason comes from engine/intake/places.py (Chinese)",
    "engine/deploy.py": "report.summary() of engine/validation is written in both languages",
}


def _sites():
    for path in sorted((ROOT / "engine").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        source = path.read_text("utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name in ERRORS:
                yield rel, node, ast.get_source_segment(source, node) or ""


def _literal(node) -> str | None:
    """The literal text of a str constant or f-string (placeholders dropped); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None or right is None else left + right
    return None


def _field_messages(node):
    """String literals among a field-errors dict's message lists."""
    for value in getattr(node, "values", []) or []:
        for element in value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]:
            text = _literal(element)
            if text is not None and text.strip():
                yield text


def test_every_engine_error_has_a_chinese_text():
    found, problems = 0, []
    for rel, call, text in _sites():
        if not call.args and not call.keywords:
            continue
        found += 1
        keywords = {k.arg for k in call.keywords}
        if keywords & {"zh", "detail_zh"}:
            detail_ok = True
        elif call.args:
            literal = _literal(call.args[0])
            detail_ok = CJK.search(literal) is not None if literal is not None else rel in VARIABLE_OK
        else:
            detail_ok = False
        if not detail_ok:
            problems.append(f"{rel}:{call.lineno}: detail has no Chinese text: {text[:120]}")
        errors = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "errors"),
                                                              None)
        if isinstance(errors, (ast.Dict, ast.DictComp)) and "errors_zh" not in keywords:
            node = errors if isinstance(errors, ast.Dict) else ast.Dict(keys=[], values=[errors.value])
            for message in _field_messages(node):  # literal words in English only (placeholders may hold both)
                if re.search(r"[A-Za-z]{2}", message) and not CJK.search(message):
                    problems.append(f"{rel}:{call.lineno}: field message {message!r} has no Chinese text")
    assert found > 150, "the walk found too few raise sites: is it still looking at engine/?"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("message, zh, en", [
    ("必填 (required)", "必填", "required"),
    ("单位名称不能为空 / the name is required", "单位名称不能为空", "the name is required"),
    ("日期格式应为 YYYY-MM-DD；expected YYYY-MM-DD", "日期格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
    ("法定节假日（第十条）", "法定节假日（第十条）", "法定节假日（第十条）"),  # Chinese only: unchanged
    ("task 7 not found", "task 7 not found", "task 7 not found"),  # English only: unchanged
])
def test_a_message_in_both_languages_is_cut_to_one(message, zh, en):
    assert one_language(message, english=False) == zh
    assert one_language(message, english=True) == en
