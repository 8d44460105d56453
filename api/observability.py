"""Request ids, structured (JSON) logs and the readiness probe.

Every request gets an id: the caller's ``X-Request-Id`` when it is a sane token (≤ 128 characters of
letters, digits, ``.``, ``_``, ``-``), else a fresh one; it is echoed in the response's ``X-Request-Id`` and
attached to every log line written while the request runs. ``configure_logging("json")`` (what
``zhifa serve`` does; ``ZHIFA_LOG_FORMAT``) writes one JSON object per line to stderr. After each request one
``request`` line records method, path, status, duration and user.

``/health`` is liveness (the process answers); ``/ready`` (also ``/health/ready``) is readiness: it runs
``SELECT 1`` on the database and answers 503 problem+json with ``Retry-After`` when that fails.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request
from sqlalchemy import text

HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")
access_log = logging.getLogger("zhifa.access")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    EXTRA = ("request_id", "method", "path", "status", "duration_ms", "user", "remote")

    def format(self, record: logging.LogRecord) -> str:
        out = {"ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        for key in self.EXTRA:
            value = getattr(record, key, None)
            if value is not None:
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Log to stderr as JSON lines (``json``) or readable text (``text``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _begin() -> None:
    sent = request.headers.get(HEADER, "")
    g.request_id = sent if _SANE.match(sent) else uuid.uuid4().hex
    g.request_started = time.monotonic()


def _finish(response):
    if "request_id" not in g:  # refused by an earlier before_request hook
        _begin()
    response.headers[HEADER] = g.request_id
    if request.path not in ("/health", "/ready", "/health/ready") and access_log.isEnabledFor(logging.INFO):
        token = g.get("zhifa_token")
        access_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round((time.monotonic() - g.get("request_started", time.monotonic())) * 1000, 1),
            "user": token.user.username if token is not None else None, "remote": request.remote_addr})
    return response


def ready():
    from api.problems import handle_unavailable
    from flask import current_app
    try:
        with current_app.extensions["zhifa.db"]() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
        return handle_unavailable(exc)
    return {"status": "ready", "database": "ok"}


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.add_url_rule("/ready", "ready", ready)
    app.add_url_rule("/health/ready", "health_ready", ready)
