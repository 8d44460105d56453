"""A recorded decision-table evaluation in words, with the table's own labels.

The ``decision_evaluated`` event (``engine.bpmn.decisions``) holds the result, the input values and the
matched rule(s) with their conditions as written in the table. This turns them into sentences such as
``第 3 条规则：罚款金额（元） ≥ 50000 且 涉及安全 = 是 → 执法局审`` — for the history page (Chinese or
English) and the case file (Chinese). Events recorded before the rule was kept have only the result; then
:func:`describe` says just that.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

WORDS = {
    "zh": {"rule": "第 {n} 条规则", "and": " 且 ", "yes": "是", "no": "否", "empty": "（空）", "sep": "；",
           "colon": "：", "unreadable": "（无法读取）", "no_rule": "没有规则命中（结果为空）",
           "any": "其余情形均适用"},
    "en": {"rule": "rule {n}", "and": " and ", "yes": "yes", "no": "no", "empty": "(empty)", "sep": "; ",
           "colon": ": ", "unreadable": "(unreadable)", "no_rule": "no rule matched (empty result)",
           "any": "applies in every other case"},
}
_OPERATORS = (("<=", "≤"), (">=", "≥"), ("!=", "≠"), ("==", "="), ("<", "<"), (">", ">"))
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ValueWords = Callable[[str | None, object], str]


@dataclass
class DecisionWords:
    rules: list[str]          # one sentence per matched rule ("第 3 条规则：… → …")
    inputs: str               # "涉嫌犯罪 = 否；…" ("" when not recorded)
    result: str               # "办案层级名称 = 县执法局办理；…"
    recorded: bool            # False: an event from before rules were kept (result only)


def _literal(text: str):
    """The Python literal a table cell holds ("True", '"simple"', "5000"), or a marker that it is none."""
    import ast
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


def _value_text(value, words: dict, key: str | None, value_words: ValueWords | None) -> str:
    if value is True:
        return words["yes"]
    if value is False:
        return words["no"]
    if value is None or value == "":
        return words["empty"]
    if value_words is not None:
        shown = value_words(key, value)
        if shown not in (None, ""):
            return str(shown)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def condition_text(label: str, test: str, key: str | None, lang: str = "zh",
                   value_words: ValueWords | None = None) -> str:
    """One cell of a rule: ``涉嫌犯罪 = 否``, ``罚款金额（元） ≥ 50000``, ``程序 = 普通程序``."""
    words = WORDS.get(lang, WORDS["zh"])
    test = test.strip()
    literal = _literal(test)
    if literal is not _NOT_LITERAL:
        return f"{label} = {_value_text(literal, words, key, value_words)}"
    for op, symbol in _OPERATORS:
        if test.startswith(op):
            operand = test[len(op):].strip()
            value = _literal(operand)
            shown = operand if value is _NOT_LITERAL else _value_text(value, words, key, value_words)
            return f"{label} {symbol} {shown}"
    for op, symbol in (("not in ", "∉"), ("in ", "∈")):
        if test.startswith(op):
            values = _literal(test[len(op):].strip())
            if isinstance(values, (list, tuple, set)):
                shown = "、".join(_value_text(v, words, key, value_words) for v in values)
                return f"{label} {symbol} {{{shown}}}"
    if "?" in test:   # a range such as "4 < ? < 6": the input stands where the question mark is
        for op, symbol in _OPERATORS[:4]:
            test = test.replace(op, symbol)
        return " ".join(test.replace("?", f" {label} ").split())
    return f"{label}：{test}"


def describe(data: dict, lang: str = "zh", value_words: ValueWords | None = None,
             label_words: Callable[[str], str] | None = None) -> DecisionWords:
    """Words for a ``decision_evaluated`` event's data. ``value_words(key, value)`` names a value the way
    the forms do (option labels); ``label_words(key)`` names a result key when the table gives no label."""
    words = WORDS.get(lang, WORDS["zh"])
    outputs = data.get("outputs") or {}
    result = data.get("result") or {}
    shown = [k for k in result if f"{k}_label" not in result]   # "case_level" is shown by its "_label" twin
    result_text = words["sep"].join(
        f"{outputs.get(k) or (label_words(k) if label_words else k)} = "
        f"{_value_text(result[k], words, k, value_words)}" for k in shown)
    recorded = "rules" in data
    inputs_text = words["sep"].join(
        f"{i.get('label') or i.get('expression')} = "
        + (words["unreadable"] if i.get("unreadable") else
           _value_text(i.get("value"), words, _key(i.get("expression")), value_words))
        for i in data.get("inputs") or [])
    sentences = []
    for rule in data.get("rules") or []:
        when = words["and"].join(condition_text(c.get("label") or "", str(c.get("test") or ""),
                                                _key(c.get("expression")), lang, value_words)
                                 for c in rule.get("when") or []) or words["any"]
        then = rule.get("description") or result_text
        head = words["rule"].format(n=rule.get("number"))
        sentences.append(f"{head}{words['colon']}{when} → {then}" if then else f"{head}{words['colon']}{when}")
    if recorded and not sentences:
        sentences.append(words["no_rule"])
    return DecisionWords(sentences, inputs_text, result_text, recorded)


def _key(expression) -> str | None:
    """The data key an input column reads, when its expression is a plain variable name."""
    return expression if isinstance(expression, str) and _IDENTIFIER.match(expression.strip()) else None
