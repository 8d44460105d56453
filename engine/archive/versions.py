"""Every process version a case ran on, carried in its archive, and the offline replay's view of them.

A migrated case (engine/migration) ran on more than one version: its events name the version of each step, and each
move/revert names its source and target. The archive carries the version the case is on now under ``process/`` (as
it always did) and every other one under ``process/versions/v<N>/`` (version.json, the BPMN, spec.json, forms), so
``zhifa verify-archive`` replays each step on the version in force then, and checks each recorded submission against
that version's forms (or the form a task was kept on across a move) — exactly as the online replay does.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from engine.replayforms import VersionForms
from engine.statuses import EventType

VERSIONS_DIR = "process/versions/"
_MOVES = (EventType.CASE_MIGRATED, EventType.MIGRATION_REVERTED)


def version_ids(history, current_id: int | None) -> list[int]:
    """The ids of every version the log names: each step's, and each move's source and target."""
    ids = {current_id}
    for ev in history:
        ids.add(ev.process_version_id)
        if ev.type in _MOVES:
            ids.update(((ev.data or {}).get("from_version_id"), (ev.data or {}).get("to_version_id")))
    ids.discard(None)
    return sorted(ids)


def describe(version, forms_exported: dict) -> dict:
    """version.json: what a version is, and whether its forms came from its bundle (checkable) or not."""
    return {"key": version.process_key, "name": version.name, "version": version.version,
            "content_hash": version.content_hash, "file_name": version.file_name,
            "properties": version.properties or {}, "id": version.id, "bundle": version.bundle is not None,
            "forms": sorted(forms_exported)}


def directory(number) -> str:
    return f"{VERSIONS_DIR}v{number}/"


@dataclass
class Carried:
    """One version as the archive carries it."""
    id: int
    number: int | None
    properties: dict
    bundle: bool
    spec_json: bytes
    forms: dict[str, dict] = field(default_factory=dict)


def read(content: dict[str, bytes], problem) -> dict[int, Carried]:
    """The versions in the archive's members (``problem(where, what)`` reports a malformed one), by id."""
    found: dict[int, Carried] = {}
    dirs = ["process/"] + sorted({p[:p.index("/", len(VERSIONS_DIR)) + 1] for p in content
                                  if p.startswith(VERSIONS_DIR) and "/" in p[len(VERSIONS_DIR):]})
    for base in dirs:
        raw, spec = content.get(base + "version.json"), content.get(base + "spec.json")
        if raw is None or spec is None:
            if base != "process/":
                problem(base, "程序版本不完整 (process version incomplete)")
            continue
        try:
            meta = json.loads(raw.decode("utf-8"))
            forms_dir = "forms/" if base == "process/" else base + "forms/"
            forms = {p[len(forms_dir):-len(".form")]: json.loads(data.decode("utf-8")) for p, data in content.items()
                     if p.startswith(forms_dir) and p.endswith(".form") and "/" not in p[len(forms_dir):]}
            found[int(meta["id"])] = Carried(int(meta["id"]), meta.get("version"), meta.get("properties") or {},
                                             bool(meta.get("bundle", False)), spec, forms)
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            problem(base + "version.json", f"程序版本描述无效 (version description invalid: {exc})")
    return found


class ArchiveForms(VersionForms):
    """The forms check of engine/replayforms.py on the versions an archive carries (no database)."""

    def __init__(self, carried: dict[int, Carried], default_version_id: int | None):
        super().__init__(None, default_version_id)
        self.carried = carried

    def lookup(self, version_id: int):
        found = self.carried.get(version_id)
        if found is None:
            return None
        return found.number, (found.forms if found.bundle else None), found.properties
