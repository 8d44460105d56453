"""Replay re-validates every recorded submission against the form of the bundle version in force at that step.

The version of a step is the one its event names (``case_events.process_version_id``: a case keeps its version,
and a migrated case names the version each step ran on), so the check reads that version's bundle forms — never
``forms/`` on disk, whose edits must not make old submissions look wrong (nor wrong ones look right). Versions
deployed before bundles existed kept no forms; their steps are not re-validated (nothing trustworthy to check).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine import bundles, forms
from engine.errors import ValidationFailed
from engine.models import ProcessVersion


@dataclass
class FormMismatch:
    seq: int
    task_spec: str | None
    task_name: str | None
    form: str
    version: int | None
    fields: dict[str, list[str]] = field(default_factory=dict)   # field key → messages
    labels: dict[str, str] = field(default_factory=dict)          # field key → its label in that form

    def words(self) -> tuple[str, str]:
        """(Chinese, English) description of the mismatch, naming the step, the form and every field."""
        step = f"「{self.task_name}」" if self.task_name else "立案"
        where_en = f"'{self.task_name}'" if self.task_name else "the start"
        version = f"第 {self.version} 版" if self.version else "其版本"
        if not self.fields:
            return (f"第 {self.seq} 步{step}所用的表单 {self.form} 不在{version}流程中",
                    f"step {self.seq} ({where_en}): form {self.form!r} is not in version {self.version}")
        zh = "；".join(f"{self.labels.get(k, k)}：{'、'.join(_zh(m) for m in msgs)}" for k, msgs in self.fields.items())
        en = "; ".join(f"{self.labels.get(k, k)}: {', '.join(_en(m) for m in msgs)}" for k, msgs in self.fields.items())
        return (f"第 {self.seq} 步{step}记录的提交不符合{version}的表单：{zh}",
                f"step {self.seq} ({where_en}): the recorded submission does not fit the form of version "
                f"{self.version}: {en}")

    def as_dict(self) -> dict:
        zh, en = self.words()
        return {"seq": self.seq, "task_spec": self.task_spec, "form": self.form, "version": self.version,
                "fields": self.fields, "labels": self.labels, "zh": zh, "en": en}


def _zh(message: str) -> str:
    return message.split(" (", 1)[0]


def _en(message: str) -> str:
    return message.split(" (", 1)[1].rstrip(")") if " (" in message else message


def _labels(form: dict) -> dict[str, str]:
    out: dict[str, str] = {}

    def walk(components):
        for comp in components or []:
            if isinstance(comp, dict):
                if comp.get("key") and comp.get("label"):
                    out[comp["key"]] = comp["label"]
                walk(comp.get("components"))
    walk(form.get("components"))
    return out


# keys the engine adds to a validated submission before recording it (engine/tasks.py)
def _engine_added(props: dict) -> set[str]:
    added = set()
    if props.get("twoOfficers") == "true" or props.get("investigatorStep") == "true":
        added.add("investigators")
    if props.get("dueDateVar"):
        added.add(props["dueDateVar"])
    return added


class VersionForms:
    """Looks up, per recorded event, the forms of the version in force at that step (cached per version)."""

    def __init__(self, session: Session | None, default_version_id: int | None):
        self.session, self.default = session, default_version_id
        self._versions: dict[int, tuple | None] = {}

    def lookup(self, version_id: int) -> tuple[int, dict | None, dict] | None:
        """(version number, its bundle's parsed forms — None before bundles, properties), or None if unknown."""
        version = self.session.get(ProcessVersion, version_id)
        if version is None:
            return None
        return version.version, bundles.version_forms(version), version.properties or {}

    def _info(self, ev, version_id: int | None = None):
        vid = version_id or getattr(ev, "process_version_id", None) or self.default
        if vid not in self._versions:
            self._versions[vid] = self.lookup(vid)
        return self._versions[vid]

    def check(self, ev, form_key: str | None, task_name: str | None, props: dict, submission: dict,
              version_id: int | None = None) -> FormMismatch | None:
        """None when the submission fits (or there is nothing to check it against). ``version_id``: the version a
        task was kept on across a migration (its form stayed that version's), instead of the step's."""
        info = self._info(ev, version_id)
        if info is None or info[1] is None or not form_key:
            return None
        number, found, _props = info
        if form_key not in found:
            return FormMismatch(ev.seq, ev.task_spec, task_name, form_key, number)
        form = found[form_key]
        data = {k: v for k, v in (submission or {}).items() if k not in _engine_added(props)}
        try:
            forms.validate_submission(form_key, data, form=form)
        except ValidationFailed as exc:
            return FormMismatch(ev.seq, ev.task_spec, task_name, form_key, number, dict(exc.errors), _labels(form))
        return None

    def start_form(self, ev) -> str | None:
        info = self._info(ev)
        return info[2].get("startForm") if info is not None else None
