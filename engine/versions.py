"""What a deployed process version is, kept per worker process: a version never changes once deployed.

A step needs the version's parsed spec, its process properties and whether it declares timers or deadlines.
Reading the row (with its large ``spec_json``) and restoring the spec every step cost two queries and the
hashing of the whole spec text; :func:`facts` answers from memory after the first time.

The key is the id *and* the content hash: a SQLite database whose versions were deleted (tests) may give the
id to another version, and the hash tells them apart. The commands' locking read fetches the hash with the
case row, so a warm step reads nothing for its version.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import bpmn
from engine.errors import NotFound
from engine.models import ProcessVersion

_MAX_CACHED = 256


@dataclass(frozen=True)
class VersionFacts:
    id: int
    content_hash: str
    process_key: str
    properties: dict          # the <process>'s spiffworkflow:properties (treat as read-only)
    specs: bpmn.Specs
    has_timers: bool          # a timer event anywhere in the process or what it calls
    declares_deadlines: bool  # a case deadline, a statutory period or a task ``deadline``


_CACHE: dict[tuple[int, str], VersionFacts] = {}


def facts(session: Session, version_id: int, content_hash: str | None = None) -> VersionFacts:
    """The facts of a version; ``content_hash`` (when the caller read it already) saves the lookup query."""
    if content_hash is None:
        content_hash = session.scalar(select(ProcessVersion.content_hash).where(ProcessVersion.id == version_id))
        if content_hash is None:
            raise NotFound(f"process version {version_id} not found", zh=f"没有编号为 {version_id} 的流程版本")
    found = _CACHE.get((version_id, content_hash))
    if found is None:
        found = _build(session.get(ProcessVersion, version_id))
        if len(_CACHE) >= _MAX_CACHED:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[(found.id, found.content_hash)] = found
    return found


def of(session: Session, version: ProcessVersion) -> VersionFacts:
    """The facts of a version row already loaded."""
    found = _CACHE.get((version.id, version.content_hash))
    return found if found is not None else facts(session, version.id, version.content_hash)


def _build(version: ProcessVersion) -> VersionFacts:
    from engine.deadlines import periods  # deadlines build on the runtime, which builds on this module
    specs = bpmn.load_specs(version.id, version.spec_json)
    timers, task_deadlines = bpmn.spec_facts(specs)
    props = dict(version.properties or {})
    declares = task_deadlines or bool(props.get("caseDeadline")) or bool(periods.declared(props))
    return VersionFacts(version.id, version.content_hash, version.process_key, props, specs, timers, declares)


_FORMS: dict[tuple[int, str], dict | None] = {}
_MISSING = object()


def form_of(session: Session, facts: VersionFacts, key: str | None) -> dict | None:
    """The form ``key`` as the version deployed it (engine.bundles.form_of), without reading the version row
    once its forms are known."""
    from engine import bundles
    if not key:
        return None
    found = _FORMS.get((facts.id, facts.content_hash), _MISSING)
    if found is _MISSING:
        found = bundles.version_forms(session.get(ProcessVersion, facts.id))
        if len(_FORMS) >= _MAX_CACHED:
            _FORMS.pop(next(iter(_FORMS)))
        _FORMS[(facts.id, facts.content_hash)] = found
    if found is None or key not in found:  # a version from before bundles (forms/ live), or no such form
        return bundles.form_of(session.get(ProcessVersion, facts.id), key)
    return found[key]
