"""Statutory rules on submissions, declared where a designer sees them: on the BPMN element and in the form.

**BPMN** (spiffworkflow properties of a user task, or of the process for its start form):

- ``rule:<field>:<name>`` — a condition (restricted Python expression) that must hold for the submission;
- ``ruleMessage:<field>:<name>`` — the refusal shown at ``<field>``, in Chinese, naming the article, e.g.
  ``决定日期早于事先告知送达日期（行政处罚法第六十二条）``.

The condition reads the case's variables overlaid by the submission (a name that is neither is ``None``), and
these helpers: ``today`` (the Beijing date of the system clock — never a date typed by an officer), ``d(x)``
(an ISO date string → date, else None), ``workdays_after(day, n)`` (the n-th working day after ``day``,
APL Art. 85), ``days_after(day, n)`` (n natural days, a last day that is a holiday moves to the next working
day), ``years_after(day, n)``, ``workdays_between(a, b)``, ``due_on`` (the due day of this task's own
clock), ``users_with_role(usernames, role, unit)`` (how many of the named users hold the role in the unit).

**Forms** (form-js components): every ``datetime`` date field is refused when later than today, unless the
component carries the custom property ``allowFuture: "true"`` (a hearing scheduled ahead, a finish-by date).
A ``number`` field with ``decimalDigits`` refuses more decimals (amounts in 元: 2).

A refusal is :class:`ValidationFailed` (HTTP 422) with every broken rule's message at its field; the caller
stores nothing.
"""
from __future__ import annotations

import ast
import builtins
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import scripting
from engine.errors import ValidationFailed, WorkflowFailed

RULE, MESSAGE = "rule:", "ruleMessage:"
_GLOBALS = {"date", "datetime", "timedelta", "timezone", "Decimal", "ceil", "floor"}
FUTURE_MESSAGE = "日期不能晚于今天（{label}）"


def d(value) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def years_after(day, n: int) -> date | None:
    day = d(day)
    if day is None:
        return None
    try:
        return day.replace(year=day.year + n)
    except ValueError:  # 29 February → 28 February
        return day.replace(year=day.year + n, day=28)


@lru_cache(maxsize=2048)
def _names(expression: str) -> frozenset[str]:
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise WorkflowFailed(f"rule {expression!r} is not an expression: {exc.msg}",
                             zh=f"规则 {expression} 不是有效的表达式：{exc.msg}") from None
    # builtins (min, max, round …) and the script globals (date, timedelta …) are not case variables
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
                     and not hasattr(builtins, n.id) and n.id not in _GLOBALS)


def declared(properties: dict) -> list[tuple[str, str, str, str]]:
    """(field, name, condition, message) of every rule among these properties."""
    out = []
    for key, condition in (properties or {}).items():
        if not key.startswith(RULE) or not condition:
            continue
        parts = key[len(RULE):].split(":", 1)
        field, name = parts[0], parts[1] if len(parts) > 1 else ""
        message = properties.get(MESSAGE + key[len(RULE):]) or f"不符合规则 {field}:{name}"
        out.append((field, name, condition, message))
    return sorted(out)


class Context:
    """What a rule sees; the calendar and the database are touched only when a rule asks."""

    def __init__(self, session: Session, today: date, due_on: date | None = None):
        self.session, self.today, self.due_on = session, today, due_on
        self._cal = None

    @property
    def cal(self):
        if self._cal is None:
            from engine.deadlines.calendar import Calendar
            self._cal = Calendar.load(self.session)
        return self._cal

    def helpers(self) -> dict:
        def workdays_after(day, n):
            day = d(day)
            return None if day is None else self.cal.add_workdays(day, int(n))

        def days_after(day, n):
            day = d(day)
            return None if day is None else self.cal.add_days(day, int(n))

        def workdays_between(a, b):
            a, b = d(a), d(b)
            return None if a is None or b is None else self.cal.workdays_between(a, b)

        def users_with_role(usernames, role, unit):
            from engine.models import Membership, User
            if isinstance(usernames, str):
                usernames = usernames.split(",")
            names = [u.strip() for u in (usernames or []) if isinstance(u, str) and u.strip()]
            if not names:
                return 0
            return len(set(self.session.scalars(select(User.username).join(Membership).where(
                User.username.in_(names), User.active.is_(True),
                Membership.role.in_([r.strip() for r in str(role).split(",")]),
                Membership.unit_id == unit))))

        return {"today": self.today, "d": d, "years_after": years_after, "workdays_after": workdays_after,
                "days_after": days_after, "workdays_between": workdays_between, "due_on": self.due_on,
                "timedelta": timedelta, "users_with_role": users_with_role}


def check(ctx: Context, properties: dict, case_data: dict, submission: dict) -> None:
    """Raise ValidationFailed listing every declared rule the submission breaks."""
    rules = declared(properties)
    if not rules:
        return
    data = dict(case_data or {})
    data.update(submission)
    helpers = ctx.helpers()
    errors: dict[str, list[str]] = {}
    for field, _name, condition, message in rules:
        env = {n: None for n in _names(condition)}
        env.update({k: v for k, v in data.items() if k in env})
        env.update(helpers)
        try:
            ok = scripting.evaluate(condition, env)
        except (TypeError, ValueError, KeyError, AttributeError, ArithmeticError):
            ok = False  # e.g. a date compared with nothing: the rule's facts are missing or malformed
        if not ok:
            errors.setdefault(field, []).append(message)
    if errors:
        raise ValidationFailed("；".join(m for msgs in errors.values() for m in msgs), errors)


# -- rules every form gets ------------------------------------------------------------------------------------

def _walk(components: list, prefix: str = ""):
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        if comp.get("type") in ("group", "dynamiclist"):
            if comp.get("type") == "group" and not comp.get("path"):
                yield from _walk(comp.get("components"), prefix)
            continue  # nested paths: not used by the procedures' date/amount fields
        if comp.get("key"):
            yield prefix + comp["key"], comp


def _label(comp: dict) -> str:
    return str(comp.get("label") or comp.get("key"))


def check_form(form: dict | None, submission: dict, today: date) -> None:
    """Dates not in the future (unless ``allowFuture``), amounts with at most ``decimalDigits`` decimals."""
    if not form:
        return
    errors: dict[str, list[str]] = {}
    for key, comp in _walk(form.get("components")):
        value = submission.get(key)
        if value in (None, ""):
            continue
        props = comp.get("properties") or {}
        if comp.get("type") == "datetime" and comp.get("subtype", "date") == "date":
            day = d(value)
            if day is not None and day > today and str(props.get("allowFuture")).lower() != "true":
                errors.setdefault(key, []).append(FUTURE_MESSAGE.format(label=_label(comp)))
        elif comp.get("type") == "number" and isinstance(comp.get("decimalDigits"), int) \
                and isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                exponent = Decimal(str(value)).normalize().as_tuple().exponent
            except InvalidOperation:
                continue
            if isinstance(exponent, int) and -exponent > comp["decimalDigits"]:
                errors.setdefault(key, []).append(
                    f"{_label(comp)}最多保留{comp['decimalDigits']}位小数（金额以元计，精确到分）")
    if errors:
        raise ValidationFailed("；".join(m for msgs in errors.values() for m in msgs), errors)
