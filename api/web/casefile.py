"""The case file (卷宗): the case's steps in order with the submitted fields under their form labels, values
formatted as an officer reads them, the files and documents of each step, and the history in words.

Built from the hash-chained event log (what was submitted, by whom, when), the forms (labels, option
labels, field types) and the BPMN (element names). Nothing raw reaches the page: no keys, ids or JSON.
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from xml.etree import ElementTree

from flask_babel import gettext as _

from api.db import session as db
from api.web import present
from api.web.i18n import current_language
from engine import attachments, bundles, documents, events, forms
from engine.errors import EngineError
from engine.models import Case, HumanTask, ProcessVersion, User
from engine.statuses import EventType

BPMN_NS = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DMN_NAMES = {"case_grading": "分级办案", "hearing_eligibility": "听证条件", "review_trigger": "法制审核情形",
             "simple_caps": "简易程序适用条件"}
PERSON_KEYS = {"co_officer"}
PEOPLE_KEYS = {"participant_users"}  # accounts typed as a list (集体讨论's heads): shown by name


@dataclass
class Entry:
    label: str
    value: str
    long: bool = False


@dataclass
class Section:
    title: str
    who: str = ""
    at: object = None
    entries: list[Entry] = field(default_factory=list)
    files: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    task_id: str | None = None


@lru_cache(maxsize=64)
def element_names(version_id: int, xml: str) -> dict[str, str]:
    """BPMN element id → its (Chinese) name, for every named element of the version."""
    try:
        root = ElementTree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    except ElementTree.ParseError:
        return {}
    return {el.get("id"): el.get("name") for el in root.iter() if el.get("id") and el.get("name")}


def _walk(components):
    for comp in components or []:
        yield comp
        yield from _walk(comp.get("components"))


def _form_fields(form_key: str | None, version: ProcessVersion | None = None) -> list[dict]:
    """The form's fields as the case's process version deployed it (labels of that version, not today's)."""
    if not form_key:
        return []
    try:
        form = bundles.form_of(version, form_key) if version is not None else forms.load_form(form_key)
        return [c for c in _walk((form or {}).get("components")) if c.get("key")]
    except EngineError:
        return []


def user_label(user_id) -> str:
    return present.user_name(user_id) if isinstance(user_id, int) else ""


def format_date(value) -> str:
    if isinstance(value, str) and len(value) >= 10:
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
        rest = value[10:].lstrip("T ")[:5]
        text = f"{day.year}年{day.month}月{day.day}日" if current_language() != "en" else day.isoformat()
        return f"{text} {rest}".strip()
    return str(value)


def format_amount(value) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return _("%(amount)s yuan", amount=text)


def format_value(comp: dict, value) -> str | None:
    """A submitted value as an officer reads it; None when there is nothing to show."""
    if value is None or value == "" or value == []:
        return None
    kind = comp.get("type")
    options = {str(v.get("value")): v.get("label") for v in comp.get("values") or [] if isinstance(v, dict)}
    if comp.get("key") in PERSON_KEYS:
        return _person_by_username(value)
    if comp.get("key") in PEOPLE_KEYS and isinstance(value, str):
        return "、".join(_person_by_username(u) for u in re.split(r"[,，、;；\s]+", value) if u)
    if kind == "checkbox" or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if kind in ("select", "radio"):
        return options.get(str(value)) or present.unit_name(str(value))  # options from data: often a unit
    if kind in ("checklist", "taglist") and isinstance(value, list):
        return "、".join(options.get(str(v)) or present.unit_name(str(v)) for v in value)
    if kind == "datetime":
        return format_date(value)
    if kind == "number":
        return format_amount(value) if "元" in (comp.get("label") or "") else f"{value:g}" if isinstance(
            value, float) else str(value)
    if isinstance(value, (dict, list)):
        return None  # structured values are shown by their own sections, never as JSON
    return str(value)


def _person_by_username(username) -> str:
    from sqlalchemy import select
    user = db().scalar(select(User).where(User.username == str(username)))
    return user.display_name if user else str(username)


def entries(form_key: str | None, data: dict, version: ProcessVersion | None = None) -> list[Entry]:
    out = []
    for comp in _form_fields(form_key, version):
        if comp.get("type") in forms.DISPLAY_TYPES or comp["key"] not in data:
            continue
        text = format_value(comp, data[comp["key"]])
        if text is not None:
            out.append(Entry(comp.get("label") or "", text, comp.get("type") == "textarea"))
    return out


def build(case: Case) -> dict:
    """Sections (opening + every completed step, in order) and the history in words."""
    session = db()
    version = session.get(ProcessVersion, case.process_version_id)
    names = element_names(version.id, version.bpmn_xml or "")
    history = events.history(session, case.id)
    tasks = {t.id: t for t in session.query(HumanTask).filter(HumanTask.case_id == case.id)}
    files = attachments.for_case(session, case.id)
    docs = documents.for_case(session, case.id)
    uploads = [f for f in files if f.source == "upload"]

    opening = Section(_("Case registration"), who=user_label(case.created_by), at=case.opened_at)
    start_ev = next((e for e in history if e.type == EventType.CASE_STARTED), None)
    if start_ev is not None:
        opening.entries = entries((version.properties or {}).get("startForm"), (start_ev.data or {}).get("data") or {},
                                  version)
    opening.files = [f for f in uploads if f.task_id is None]
    sections = [opening]
    for ev in history:
        if ev.type != EventType.TASK_COMPLETED:
            continue
        task = tasks.get(ev.task_id)
        title = (task.title if task else None) or names.get(ev.task_spec) or _("Step")
        sec = Section(title, who=user_label(ev.actor_id), at=ev.at, task_id=ev.task_id)
        sec.entries = entries(task.form_key if task else None, (ev.data or {}).get("data") or {}, version)
        sec.files = [f for f in uploads if f.task_id == ev.task_id]
        sec.documents = [d for d in docs if d.task_id == ev.task_id]
        sections.append(sec)
    open_files = {t: [f for f in uploads if f.task_id == t] for t in tasks}
    return {"sections": sections, "timeline": timeline(history, tasks, names),
            "documents": docs, "open_files": open_files, "files": uploads}


def _summary(task: HumanTask | None, data: dict) -> str:
    """The step's outcome in words: the first choice field's label (e.g. 审批意见 同意立案)."""
    for comp in _form_fields(task.form_key if task else None):
        if comp.get("type") in ("radio", "select") and comp["key"] in data:
            return format_value(comp, data[comp["key"]]) or ""
    return ""


def _decision_words(result: dict) -> str:
    parts = []
    for key, value in (result or {}).items():
        if isinstance(value, bool):
            continue
        if isinstance(value, str) and any("\u4e00" <= ch <= "\u9fff" for ch in value):
            parts.append(value)
    if not parts:
        parts = [_("Yes") if v else _("No") for v in (result or {}).values() if isinstance(v, bool)][:1]
    return "；".join(parts)


def timeline(history, tasks: dict, names: dict) -> list[dict]:
    items = []
    for ev in history:
        who = user_label(ev.actor_id)
        task = tasks.get(ev.task_id)
        title = (task.title if task else None) or names.get(ev.task_spec) or ""
        data = ev.data or {}
        text = _event_words(ev.type, who, title, data, names, task)
        if text:
            items.append({"at": ev.at, "text": text, "type": ev.type})
    return items


def _event_words(kind, who, title, data, names, task) -> str | None:
    label = data.get("label") or ""
    if kind == EventType.CASE_STARTED:
        return _("%(who)s opened the case", who=who or _("The system"))
    if kind == EventType.TASK_READY:
        return _("“%(title)s” is waiting for %(unit)s", title=title, unit=present.unit_name(data.get("unit")))
    if kind == EventType.TASK_CLAIMED:
        return _("%(who)s took “%(title)s”", who=who, title=title)
    if kind == EventType.TASK_UNCLAIMED:
        return _("%(who)s released “%(title)s”", who=who, title=title)
    if kind == EventType.TASK_ASSIGNED:
        return _("%(who)s assigned “%(title)s” to %(to)s", who=who, title=title, to=user_label(data.get("assignee")))
    if kind == EventType.TASK_COMPLETED:
        outcome = _summary(task, data.get("data") or {})
        text = _("%(who)s completed “%(title)s”", who=who or _("The system"), title=title)
        return f"{text}：{outcome}" if outcome else text
    if kind == EventType.TASK_CANCELLED:
        return _("“%(title)s” was cancelled", title=title)
    if kind == EventType.GATEWAY_DECIDED:
        targets = "、".join(names.get(t, "") for t in data.get("taken") or [] if isinstance(t, str) and names.get(t))
        return _("%(name)s: %(targets)s", name=title or _("Route"), targets=targets or _("continued")) if (
            title or targets) else None
    if kind == EventType.DECISION_EVALUATED:
        words = _decision_words(data.get("result") or {})
        name = title or DMN_NAMES.get(data.get("decision") or "", _("Decision table"))
        return _("%(name)s: %(words)s", name=name, words=words) if words else None
    if kind == EventType.TIMER_FIRED:
        return _("The time limit of “%(title)s” was reached", title=title or _("a timer"))
    if kind == EventType.CASE_ENDED:
        return _("The case was closed")
    if kind == EventType.CLOCK_STARTED:
        return _("Time limit started: %(label)s, due %(due)s", label=label, due=format_date(data.get("due_on")))
    if kind == EventType.CLOCK_PAUSED:
        return _("Time limit paused: %(label)s (%(reason)s)", label=label, reason=data.get("reason") or "")
    if kind == EventType.CLOCK_RESUMED:
        return _("Time limit resumed: %(label)s", label=label)
    if kind == EventType.CLOCK_EXTENDED:
        return _("Time limit extended by %(days)s days: %(label)s", days=data.get("days"), label=label)
    if kind == EventType.CLOCK_COLOUR_CHANGED:
        colour = {"yellow": _("due soon (yellow)"), "red": _("overdue (red)"), "green": _("on time (green)")}
        return _("%(label)s: %(colour)s", label=label, colour=colour.get(data.get("to"), ""))
    if kind == EventType.CLOCK_STOPPED:
        return _("Time limit ended: %(label)s", label=label)
    if kind == EventType.CLOCK_ESCALATED:
        step = {"reminder": _("reminder"), "urge": _("urging notice (催办单)"),
                "supervise": _("supervision notice (督办单)"), "report": _("circular (通报)")}
        return _("%(who)s issued a %(step)s: %(label)s", who=who or _("The system"),
                 step=step.get(data.get("step"), ""), label=label)
    if kind == EventType.ATTACHMENT_ADDED:
        return _("%(who)s added the file “%(name)s”", who=who, name=data.get("filename") or "")
    if kind == EventType.DOCUMENT_ISSUED:
        return _("Document issued: %(title)s %(number)s", title=data.get("title") or "", number=data.get("number"))
    return None
