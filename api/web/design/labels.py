"""The editor's words: every platform property the properties panel offers, the editor's messages, and the
bpmn-js / dmn-js interface strings, in the user's language (Chinese first; English complete through the msgids).

The property names are the ones the engine reads (engine.validation.processes lists them); each has a label here.
"""
from __future__ import annotations

from flask_babel import pgettext
from flask_babel import lazy_gettext as _l

from api.web.admin.blueprint import ROLE_LABELS
from api.web.i18n import current_language

# property → label (user tasks, then the procedure); families ("rule:<field>:<name>", "period:<name>") below
PROPERTY_LABELS = {
    "formKey": _l("Form"), "role": _l("Handling role"), "unit": _l("Handling unit (expression)"),
    "deadline": _l("Deadline (e.g. 5wd, 15d)"), "deadlineLabel": _l("Deadline label"),
    "deadlineFrom": _l("Deadline counts from (date variable)"), "pausesCaseClock": _l("Pauses the case clock"),
    "twoOfficers": _l("Two officers"), "notInvestigator": _l("Not an investigator"),
    "investigatorStep": _l("Whoever completes it becomes an investigator"),
    "dueDateVar": _l("Write the deadline's last day into (variable)"),
    "context": _l("Shown in the inbox (variables)"), "documents": _l("Documents"),
    "startRoles": _l("Who may start"), "startForm": _l("Start form"), "caseDeadline": _l("Case deadline"),
    "caseDeadlineLabel": _l("Case deadline label"), "caseDeadlineFrom": _l("Case clock starts at (variable)"),
    "caseDeadlineUntil": _l("Case clock stops at (variable)"),
    "caseDeadlineExtensionFrom": _l("Extension days (variable)"),
    "caseDeadlineExtension": _l("Extension allowed (days)"),
    "calledDecisionId": _l("Decision table"),
}
MESSAGES = {
    "saved": _l("Draft saved."), "saving": _l("Saving…"),
    "conflict": _l("Someone saved a newer version of this draft."), "reload": _l("Reload"),
    "copy": _l("Save as a copy"), "local": _l("Unsaved changes from this browser were kept."),
    "localNewer": _l("Unsaved changes from this browser were kept, but the draft was saved since: restoring "
                     "them and saving will offer to save a copy."),
    "restore": _l("Restore them"), "discard": _l("Discard"),
    "serverError": _l("The server did not save your work; it is kept in this browser. Try again."),
    "deployed": _l("Deployed as version {v}."), "noteRequired": _l("Write a change note first."),
    "invalid": _l("Cannot deploy: fix the errors listed below."), "noProblems": _l("No problems."),
    "group": _l("Platform rules"), "processGroup": _l("Procedure rules"), "decisionGroup": _l("Decision"),
    "rulesGroup": _l("Statutory rules"), "periodsGroup": _l("Period clocks"), "none": _l("(none)"),
    "ruleCondition": _l("Rule {name} on {field}: condition"),
    "ruleMessage": _l("Rule {name} on {field}: refusal (name the article)"),
    "addRule": _l("Add a rule"), "ruleField": _l("Field"), "ruleName": _l("Rule name"),
    "ruleNew": _l("Condition"), "period": _l("Period {name}: length (e.g. 7wd)"),
    "periodFrom": _l("Period {name}: counts from (variable)"), "periodLabel": _l("Period {name}: label"),
    "periodUntil": _l("Period {name}: stops at (variable)"),
    "periodExtensionFrom": _l("Period {name}: extension days (variable)"), "addPeriod": _l("Add a period"),
    "periodName": _l("Period name"), "periodNew": _l("Length (e.g. 7wd)"),
    "startFormOf": _l(" (start form)"), "laneMap": _l("Lanes and roles"),
    "laneHelp": _l("Lanes whose names are not roles of the platform: choose the role that works on them."),
    "laneRole": _l("Role for lane {lane}"), "unsaved": _l("Unsaved changes"),
}
# bpmn-js, its properties panel and dmn-js interface strings (their own English is the msgid)
UI = [
    "General", "Name", "ID", "Documentation", "Element documentation", "Process documentation", "Executable",
    "Process", "Participant", "Process name", "Process ID", "Multi-instance", "Loop cardinality",
    "Completion condition", "Condition", "Condition expression", "Timer", "Type", "Value", "Date", "Duration",
    "Cycle", "Message", "Signal", "Error", "Escalation", "Link", "Compensation", "Inputs", "Outputs",
    "Create", "Delete", "Remove", "Append", "<none>", "Start event", "End event", "Task", "User task",
    "Script task", "Business rule task", "Call activity", "Sub process", "Exclusive gateway",
    "Parallel gateway", "Inclusive gateway", "Event-based gateway", "Intermediate throw event",
    "Intermediate catch event", "Boundary event", "Timer start event", "Timer boundary event",
    "Sequence flow", "Lane", "Pool", "Group", "Text annotation", "Data object reference",
    "Data store reference", "Activate hand tool", "Activate lasso tool", "Activate create/remove space tool",
    "Activate global connect tool", "Create start event", "Create intermediate/boundary event",
    "Create end event", "Create gateway", "Create task", "Create expanded sub-process", "Create pool/participant",
    "Create data object reference", "Create data store reference", "Create group", "Append task",
    "Append end event", "Append gateway", "Append intermediate/boundary event", "Append text annotation",
    "Change element", "Connect using sequence flow", "Connect using association", "Connect to other element",
    "Add lane above", "Add lane below", "Divide into two lanes", "Divide into three lanes", "Search in diagram",
    "Toggle section", "Section contains data", "Section contains edits", "Section contains an error",
    "Open documentation", "Edit", "Collapse", "Expand",
    "User Task", "Script Task", "Business Rule Task", "Service Task", "Manual Task", "Call Activity", "Start Event",
    "End Event", "Exclusive Gateway", "Parallel Gateway", "Inclusive Gateway", "Event Based Gateway", "Sequence Flow",
    "Timer Intermediate Catch Event", "Timer Boundary Event", "Timer Start Event", "Expanded Sub Process",
    "Collapsed Sub Process", "Text Annotation", "Message Start Event", "Signal Intermediate Catch Event",
    "Terminate End Event", "Error Boundary Event", "Intermediate Throw Event",
    "Add rule", "Add input", "Add output", "Hit policy", "Annotations", "Decision table", "View DRD",
]


def editor_config(roles: list[str]) -> dict:
    """The editor's JSON configuration: roles with their names, every label, the UI dictionary."""
    labels = {key: str(text) for key, text in {**PROPERTY_LABELS, **MESSAGES}.items()}
    zh = current_language() == "zh_CN"
    return {
        "lang": "zh" if zh else "en",
        "roles": [{"value": r, "label": str(ROLE_LABELS.get(r, r))} for r in roles],
        "labels": labels,
        "ui": {text: pgettext("editor", text) for text in UI} if zh else {},
    }
