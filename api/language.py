"""Which language an answer speaks: the web UI's chosen language, else ``Accept-Language``; Chinese first."""
from __future__ import annotations

import re

from flask import g, has_request_context, request, session


def wants_english() -> bool:
    """Web pages (session cookie) speak the UI's language; API clients (bearer token) their Accept-Language."""
    if not has_request_context():
        return False
    if "lang" in session or g.get("zhifa_auth_via") == "cookie" or request.blueprint == "web":
        return session.get("lang") == "en"
    if request.headers.get("Accept-Language"):
        for value, _quality in request.accept_languages:  # sorted by quality
            tag = value.lower()
            if tag.startswith("zh"):
                return False
            if tag.startswith("en"):
                return True
    return False


_BILINGUAL = re.compile(r"^(?P<zh>[^()]*[\u4e00-\u9fff][^()]*?) \((?P<en>[^()]+)\)$")


def one_language(message: str, english: bool) -> str:
    """'必填 (required)' → '必填' or 'required' (engine field messages carry both)."""
    match = _BILINGUAL.match(message) if isinstance(message, str) else None
    if not match:
        return message
    return match.group("en") if english else match.group("zh")


def pick(exc) -> tuple[str, dict | None]:
    """(detail, field errors) of an engine error in the caller's language."""
    english = wants_english()
    detail = exc.detail if english or not getattr(exc, "zh", None) else exc.zh
    errors = getattr(exc, "errors", None)
    if not english and getattr(exc, "errors_zh", None):
        errors = exc.errors_zh
    if isinstance(errors, dict):
        errors = {k: [one_language(m, english) for m in v] if isinstance(v, list) else v for k, v in errors.items()}
    return detail, errors
