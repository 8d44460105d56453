"""Task forms (bpmn.io form-js schemas in ``forms/``) and server-side validation of submissions.

Placeholder until the forms issue lands: checks that the data is an object and that required
fields are present. The full version derives a JSON Schema from the form and validates with jsonschema.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from engine.config import Settings
from engine.errors import NotFound, ValidationFailed


@lru_cache(maxsize=256)
def _load(forms_dir: str, key: str) -> dict:
    path = Path(forms_dir) / f"{key}.form"
    if not path.is_file():
        raise NotFound(f"form {key!r} not found")
    return json.loads(path.read_text("utf-8"))


def load_form(key: str, forms_dir: Path | None = None) -> dict:
    return _load(str(forms_dir or Settings.from_env().forms_dir), key)


def validate_submission(key: str | None, data, forms_dir: Path | None = None) -> dict:
    """Return the cleaned submission or raise ValidationFailed with per-field messages."""
    if not isinstance(data, dict):
        raise ValidationFailed("form data must be a JSON object", {"": ["expected an object"]})
    if key is None:
        return dict(data)
    form = load_form(key, forms_dir)
    errors = {}
    for comp in form.get("components", []):
        field = comp.get("key")
        if field and (comp.get("validate") or {}).get("required") and data.get(field) in (None, "", []):
            errors[field] = ["required"]
    if errors:
        raise ValidationFailed(f"form {key} has invalid fields", errors)
    return dict(data)
