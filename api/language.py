"""Which language an answer speaks: the web UI's chosen language, else ``Accept-Language``; Chinese first."""
from __future__ import annotations

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


def pick(exc) -> tuple[str, dict | None]:
    """(detail, field errors) of an engine error in the caller's language."""
    english = wants_english()
    detail = exc.detail if english or not getattr(exc, "zh", None) else exc.zh
    errors = getattr(exc, "errors", None)
    if not english and getattr(exc, "errors_zh", None):
        errors = exc.errors_zh
    return detail, errors
