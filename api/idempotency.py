"""``Idempotency-Key`` on non-idempotent writes: the same key replays the first answer.

A write that carries the header commits its work *together with* the stored answer (one transaction, in
``after_request``), so a retry after a lost answer either finds the key (→ the first answer, replayed) or
finds nothing because nothing was committed (→ the work runs once). The same key with a different
method, path or body is refused with 422. Keys are per user and kept for ``KEEP``.
"""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask import Flask, Response, g, request
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from api.db import session
from engine import clock
from engine.errors import Conflict, ValidationFailed
from engine.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
_VALID = re.compile(r"^[\x21-\x7e]{1,200}$")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), request.get_data(cache=True)):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def replay(row: IdempotencyKey) -> Response:
    response = Response(row.body, status=row.status, mimetype=row.mimetype)
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def begin(user_id: int) -> Response | None:
    """Before a write: the stored answer for this key (a replay), or None to go on (answer stored after)."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID.match(key):
        raise ValidationFailed("幂等键（Idempotency-Key）须为 1–200 个可见 ASCII 字符",
                               {HEADER: ["1–200 visible ASCII characters"]})
    fingerprint = _fingerprint()
    row = session().get(IdempotencyKey, (user_id, key))
    if row is not None and clock.now() - _aware(row.created_at) < KEEP:
        if row.fingerprint != fingerprint:
            raise ValidationFailed(
                "该幂等键已用于另一请求（方法、地址或内容不同）；请为新请求使用新的键",
                {HEADER: ["already used for a different request (method, path or body differ)"]})
        return replay(row)
    g.zhifa_idempotency = (user_id, key, fingerprint)
    return None


def pending() -> bool:
    """True while a keyed write runs: its commit waits for the answer (see :func:`_store`)."""
    return "zhifa_idempotency" in g


def _aware(dt):
    from datetime import timezone
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _store(response: Response) -> Response:
    keyed = g.pop("zhifa_idempotency", None)
    committed = g.pop("zhifa_commit_deferred", False)
    if keyed is None or not committed or not 200 <= response.status_code < 300:
        return response  # an error: nothing was committed, nothing is stored (teardown rolls back)
    user_id, key, fingerprint = keyed
    db = session()
    now = clock.now()
    db.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                            IdempotencyKey.created_at < now - KEEP))
    db.add(IdempotencyKey(user_id=user_id, key=key, fingerprint=fingerprint, status=response.status_code,
                          mimetype=response.mimetype or "application/json", body=response.get_data(),
                          location=response.headers.get("Location"), created_at=now))
    try:
        db.commit()
    except IntegrityError:  # the same key, run concurrently, committed first: ours is rolled back
        db.rollback()
        row = db.get(IdempotencyKey, (user_id, key))
        if row is None or row.fingerprint != fingerprint:
            raise Conflict("a request with the same Idempotency-Key was running at the same time; "
                           "retry it") from None
        return replay(row)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_store)
