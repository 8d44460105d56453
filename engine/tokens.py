"""API tokens: random bearer secrets, stored only as SHA-256 hashes, expiring and revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from engine import clock
from engine.models import ApiToken, User


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def issue(session: Session, user: User, ttl: timedelta, client: str = "api") -> tuple[str, ApiToken]:
    """Create a token for ``user``; returns the raw secret (shown once) and its row."""
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(token_hash=hash_token(raw), user_id=user.id, created_at=now, expires_at=now + ttl,
                     client=client)
    session.add(token)
    session.flush()
    return raw, token


def is_valid(token: ApiToken | None) -> bool:
    return (token is not None and token.revoked_at is None and token.user.active
            and _aware(token.expires_at) > clock.now())


def resolve(session: Session, raw: str) -> ApiToken | None:
    """The valid (unexpired, unrevoked, active user) token with this secret, or None."""
    token = session.scalars(_BY_HASH, {"token_hash": hash_token(raw)}).unique().first()
    return token if is_valid(token) else None


# One round trip, built once: the token, its user and the user's memberships (what the actor is built from).
_BY_HASH = (select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))
            .options(joinedload(ApiToken.user).joinedload(User.memberships)))


def by_id(session: Session, token_id: int) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    return token if is_valid(token) else None


def revoke(session: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
