"""Users and passwords (argon2)."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.errors import TooManyRequests
from engine.models import Membership, User

_hasher = PasswordHasher()
# argon2id takes 64 MiB per hash: bound how many run at once in this process; a caller waits at most
# HASH_WAIT_SECONDS for a slot, then is told to retry (429) instead of piling up memory.
MAX_CONCURRENT_HASHES = max(2, min(4, os.cpu_count() or 2))
HASH_WAIT_SECONDS = 10
_hash_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


@contextmanager
def _hash_slot():
    if not _hash_slots.acquire(timeout=HASH_WAIT_SECONDS):
        raise TooManyRequests("服务器正忙，请稍后再试；the server is busy, try again shortly", retry_after=5)
    try:
        yield
    finally:
        _hash_slots.release()


def hash_password(password: str) -> str:
    with _hash_slot():
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _hash_slot():
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None (same cost whether or not the user exists)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def create_user(session: Session, username: str, display_name: str, password: str, roles: list[tuple[str, str]],
                is_demo: bool = False, certificate_no: str | None = None) -> User:
    """Create a user with ``roles`` as (unit_id, role) pairs."""
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                is_demo=is_demo, certificate_no=certificate_no, created_at=clock.now(), active=True)
    user.memberships = [Membership(unit_id=unit_id, role=role) for unit_id, role in roles]
    session.add(user)
    session.flush()
    return user


_DUMMY_HASH = _hasher.hash("timing-equaliser")
