"""Sign-in throttling: too many failures for one account or from one address within the window → refused
(:class:`engine.errors.TooManyRequests`, HTTP 429 with ``Retry-After``) before any password is hashed.

Failures are rows in ``login_failures`` so every server process and worker sees the same counts; a
successful sign-in clears its account's failures. Password hashing (argon2, 64 MiB each) is also bounded in
:mod:`engine.accounts`.
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import TooManyRequests
from engine.models.login import LoginFailure

WINDOW = timedelta(minutes=15)
MAX_PER_ACCOUNT = 10
MAX_PER_ADDRESS = 50


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def check(session: Session, username: str, address: str | None) -> None:
    """Raise :class:`TooManyRequests` if this account or address has failed too often lately."""
    now = clock.now()
    since = now - WINDOW
    for column, value, limit, who in ((LoginFailure.username, username[:150], MAX_PER_ACCOUNT, "该账号"),
                                      (LoginFailure.address, (address or "")[:64], MAX_PER_ADDRESS, "该地址")):
        if not value:
            continue
        recent = select(LoginFailure.at).where(column == value, LoginFailure.at > since) \
            .order_by(LoginFailure.at.desc()).limit(limit).subquery()
        count, oldest = session.execute(select(func.count(), func.min(recent.c.at))).one()
        if count >= limit:
            wait = max(1, math.ceil((_aware(oldest) + WINDOW - now).total_seconds()))
            raise TooManyRequests(f"{who}登录失败次数过多，请 {math.ceil(wait / 60)} 分钟后再试；"
                                  f"too many failed sign-ins, try again in {wait} s", retry_after=wait)


def record_failure(session: Session, username: str, address: str | None) -> None:
    now = clock.now()
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - 2 * WINDOW))
    session.add(LoginFailure(username=username[:150], address=(address or "")[:64], at=now))
    session.flush()


def clear(session: Session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == username[:150]))
