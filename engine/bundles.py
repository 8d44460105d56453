"""A version is a bundle: the BPMN files of a procedure (and of the processes it calls), its DMN tables, its forms
and the document templates, content-hashed together. A case keeps its version's bundle for its whole life.

Bundle layout (stored in ``process_versions.bundle``; :func:`content_hash` is over exactly this)::

    {"bpmn": {file: xml}, "dmn": {file: xml}, "forms": {key: json text}, "documents": {file: html},
     "lane_map": {lane: role}}

Forms are the ones the procedure's user tasks and start form name (``formKey``, ``startForm``) in the process and
every process it calls; DMN files are those holding a decision a business rule task calls; document templates
are all of ``forms/documents/*.html`` (officers print any of them from a case).
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import distinct, select
from sqlalchemy.orm import Session

from engine import forms as form_rules
from engine.models import Membership, ProcessVersion
from engine.sources import Sources
from engine.validation import calls, decisions
from engine.validation.documents import Index, local, properties

PARTS = ("bpmn", "dmn", "forms", "documents", "lane_map")


def content_hash(bundle: dict) -> str:
    canonical = json.dumps({k: bundle.get(k) or {} for k in PARTS}, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def cut(sources: Sources, index: Index, process_key: str) -> dict:
    """The bundle of one procedure out of everything handed in."""
    pids = calls.reachable(index, process_key)
    procs = [index.processes[p] for p in pids]
    files = sorted({p.file for p in procs})
    form_keys = set()
    start_form = index.processes[process_key].properties.get("startForm")
    if start_form:
        form_keys.add(start_form)
    lanes = set()
    for proc in procs:
        lanes |= set(proc.lanes.values())
        for node in proc.elements():
            if local(node) == "userTask" and properties(node).get("formKey"):
                form_keys.add(properties(node)["formKey"])
    wanted = {d for _p, _n, d in decisions.referenced(procs) if d}
    dmn_files = sorted({index.decisions[d][0] for d in wanted if d in index.decisions})
    return {
        "bpmn": {f: sources.bpmn[f] for f in files},
        "dmn": {f: sources.dmn[f] for f in dmn_files},
        "forms": {k: sources.forms[k] for k in sorted(form_keys) if k in sources.forms},
        "documents": dict(sorted(sources.documents.items())),
        "lane_map": {lane: role for lane, role in sorted((sources.lane_map or {}).items()) if lane in lanes},
    }


def as_sources(bundle: dict | None) -> Sources:
    return Sources.from_dict(bundle or {})


def held_roles(session: Session) -> set[str] | None:
    """Roles somebody in the organisation holds (None for an empty organisation: nothing to check against)."""
    roles = set(session.scalars(select(distinct(Membership.role))))
    return roles or None


# ---------------------------------------------------------------- forms of a version (cached: bundles never change)

_FORMS: dict[tuple[int, str], dict] = {}
_MAX_CACHED = 256


def version_forms(version: ProcessVersion) -> dict[str, dict] | None:
    """The parsed forms of a version's bundle (None for a version deployed before bundles existed)."""
    key = (version.id, version.content_hash)
    found = _FORMS.get(key)
    if found is None:
        bundle = version.bundle
        if bundle is None:
            return None
        found = {k: json.loads(v) for k, v in (bundle.get("forms") or {}).items()}
        if len(_FORMS) >= _MAX_CACHED:
            _FORMS.pop(next(iter(_FORMS)))
        _FORMS[key] = found
    return found


def form_of(version: ProcessVersion, key: str | None) -> dict | None:
    """The form ``key`` as the version deployed it. Versions from before bundles read ``forms/`` live."""
    if not key:
        return None
    found = version_forms(version)
    if found is None:
        return form_rules.load_form(key)
    if key not in found:
        from engine.errors import NotFound
        raise NotFound(f"表单 {key} 不在流程版本 {version.process_key} v{version.version} 中 "
                       f"(form {key!r} is not in this version)")
    return found[key]


def document_template(version: ProcessVersion, name: str) -> str | None:
    """A document template (``forms/documents/<name>``) as the version deployed it; None if it has none."""
    bundle = version.bundle or {}
    return (bundle.get("documents") or {}).get(name)
