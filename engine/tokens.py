"""API tokens: random bearer secrets, stored only as SHA-256 hashes, expiring and revocable."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import String, bindparam, cast, func, select
from sqlalchemy.orm import Session, joinedload

from engine import clock
from engine.models import ApiToken, Membership, User


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
    found = resolve_with_memberships(session, raw)
    return found[0] if found else None


def resolve_with_memberships(session: Session, raw: str) -> tuple[ApiToken, list[tuple]] | None:
    """The valid token with this secret and its user's memberships as (unit, role, valid_from, valid_until)
    (dates as ISO text or None), what :func:`engine.org.actor_from` builds the actor from; or None."""
    row = session.execute(_BY_HASH, {"token_hash": hash_token(raw)}).first()
    if row is None or not is_valid(row[0]):
        return None
    memberships = [tuple(part or None for part in item.split(_UNIT_SEP)) for item in (row[1] or "").split(_ROW_SEP)
                   if item]
    return row[0], memberships


# One round trip of one row, built once: the token, its user (joined eagerly) and the user's memberships as one
# aggregated text (a collection joined in would repeat the row per membership and need de-duplicating).
_UNIT_SEP, _ROW_SEP = "\x1f", "\x1e"
_MEMBERSHIPS = (select(func.aggregate_strings(
    Membership.unit_id + _UNIT_SEP + Membership.role + _UNIT_SEP
    + func.coalesce(cast(Membership.valid_from, String), "") + _UNIT_SEP
    + func.coalesce(cast(Membership.valid_until, String), ""), _ROW_SEP))
    .where(Membership.user_id == ApiToken.user_id).correlate(ApiToken).scalar_subquery())
_BY_HASH = (select(ApiToken, _MEMBERSHIPS).where(ApiToken.token_hash == bindparam("token_hash"))
            .options(joinedload(ApiToken.user).lazyload(User.memberships)))


def by_id(session: Session, token_id: int) -> ApiToken | None:
    token = session.get(ApiToken, token_id)
    return token if is_valid(token) else None


def revoke(session: Session, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
