"""Form labels for a case's data on pages (cached per request)."""
from __future__ import annotations

from flask import g

from engine import labels
from engine.models import Case, ProcessVersion


def for_version_id(session, version_id: int) -> labels.Labels:
    cache = g.setdefault("web_labels", {})
    if version_id not in cache:
        cache[version_id] = labels.for_version(session.get(ProcessVersion, version_id))
    return cache[version_id]


def for_case(session, case: Case) -> dict[str, str]:
    found = for_version_id(session, case.process_version_id)
    return {k: found.label(k) for k in set(found.fields) | set(labels.ENGINE_LABELS)}


def show(value) -> str:
    return labels._text(value)
