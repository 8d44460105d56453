"""Every error is ``application/problem+json`` (RFC 9457): type, title, status, detail, and ``errors`` for 422."""
from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, Response, has_request_context, json, request
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from api.language import pick, schema_errors
from engine.errors import (Conflict, EngineError, Forbidden, InvalidProcess, NotFound, PayloadTooLarge,
                           TooManyRequests, UnsupportedType, ValidationFailed, WorkflowFailed)

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
STATUS_BY_ERROR = {NotFound: 404, Forbidden: 403, Conflict: 409, ValidationFailed: 422, InvalidProcess: 422,
                   WorkflowFailed: 422, TooManyRequests: 429, PayloadTooLarge: 413, UnsupportedType: 415}


class Unauthorized(Exception):
    """No valid credentials (→ 401)."""

    def __init__(self, detail: str = "authentication required"):
        super().__init__(detail)
        self.detail = detail


def problem(status: int, detail: str | None = None, *, code: str | None = None, errors: dict | None = None,
            headers: dict | None = None, **extra) -> Response:
    phrase = HTTPStatus(status).phrase
    body = {"type": f"urn:zhifa:problem:{code}" if code else "about:blank", "title": phrase, "status": status,
            "detail": detail or phrase}
    if errors is not None:
        body["errors"] = errors
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def flatten(messages, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow nested messages → {"field.sub": ["msg", ...]}."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, msgs in flatten(value, name).items():
                out.setdefault(field, []).extend(msgs)
    elif isinstance(messages, (list, tuple)):
        for item in messages:
            for field, msgs in flatten(item, prefix).items():
                out.setdefault(field, []).extend(msgs)
    else:
        out.setdefault(prefix or "_schema", []).append(str(messages))
    return out


def _strip_location(messages) -> dict:
    """webargs keys errors by location ({"json": {...}, "query": {...}}); clients want field names."""
    if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files", "headers", "path",
                                                         "view_args", "cookies", "json_or_form", "querystring"}:
        merged: dict = {}
        for value in messages.values():
            for field, msgs in flatten(value).items():
                merged.setdefault(field, []).extend(msgs)
        return merged
    return flatten(messages)


def english() -> bool:
    """Problem details are Chinese first; English when the client prefers it (Accept-Language)."""
    if not has_request_context():
        return False
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
    return best == "en"


def handle_engine_error(exc: EngineError) -> Response:
    status = next((s for cls, s in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    if getattr(exc, "detail_zh", None):  # e.g. the run budget (engine/budget.py): name the element
        return problem(status, exc.detail if english() else exc.detail_zh, code=exc.code,
                       element=getattr(exc, "element", None), reason=getattr(exc, "reason", None))
    detail, errors = pick(exc)
    if isinstance(exc, ValidationFailed):
        return problem(status, detail, code=exc.code, errors=errors)
    if isinstance(exc, InvalidProcess):
        return problem(status, exc.located(detail), code=exc.code, file=exc.file, element=exc.element,
                       problems=exc.problems or None)
    if isinstance(exc, TooManyRequests):
        return problem(status, detail, code=exc.code, headers={"Retry-After": str(exc.retry_after)})
    passed = ("limit_bytes", "reasons")  # reasons: a refused case move, in words (engine/migration)
    return problem(status, detail, code=exc.code, **{k: v for k, v in exc.extra.items() if k in passed})


def handle_http_exception(exc: HTTPException) -> Response:
    data = getattr(exc, "data", None) or {}
    if exc.code == 422:
        detail, errors = schema_errors(_strip_location(data.get("errors") or data.get("messages") or {}))
        return problem(422, detail, code="validation-failed", errors=errors)
    detail = data.get("message") or exc.description
    response = problem(exc.code or 500, detail, headers=data.get("headers"))
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def handle_unauthorized(exc: Unauthorized) -> Response:
    return problem(401, exc.detail, code="unauthorized", headers={"WWW-Authenticate": 'Bearer realm="zhifa"'})


def handle_integrity(exc: IntegrityError) -> Response:
    return problem(409, "the change conflicts with data stored meanwhile; reload and try again", code="conflict")


RETRY_AFTER_SECONDS = 5
_UNAVAILABLE = ("connection", "server closed", "terminating", "could not connect", "unable to open database",
                "timeout expired", "the database system is", "no such host", "ssl syscall", "eof detected")


def database_unavailable(exc: Exception) -> bool:
    """A lost or refused database connection (not a bad statement): the client should retry later."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    name = type(exc.orig).__name__ if exc.orig is not None else ""
    text = str(exc.orig).lower()
    return name in ("OperationalError", "InterfaceError") and any(t in text for t in _UNAVAILABLE)


def handle_unavailable(exc: Exception) -> Response:
    log.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    detail = ("the database cannot be reached right now; nothing was changed — try again shortly"
              if english() else "暂时无法连接数据库，本次操作未生效；请稍后重试")
    return problem(503, detail, code="database-unavailable",
                   headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def handle_db_error(exc: DBAPIError) -> Response:
    if database_unavailable(exc):
        return handle_unavailable(exc)
    text = str(exc.orig).lower()
    if "locked" in text or "could not serialize" in text or "deadlock" in text:
        return problem(409, "another change was being made at the same time; try again", code="conflict")
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    if database_unavailable(exc):
        return handle_unavailable(exc)
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "unexpected error; it has been logged", code="internal")


def register(app: Flask) -> None:
    app.register_error_handler(EngineError, handle_engine_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Unauthorized, handle_unauthorized)
    app.register_error_handler(IntegrityError, handle_integrity)
    app.register_error_handler(DBAPIError, handle_db_error)
    app.register_error_handler(PoolTimeout, handle_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
