"""The platform's one source of "now". Tests move it forward instead of sleeping."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

_offset = timedelta(0)
_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc) + _offset


def freeze(at: datetime) -> None:
    global _frozen
    _frozen = at.astimezone(timezone.utc) if at.tzinfo else at.replace(tzinfo=timezone.utc)


def advance(delta: timedelta) -> None:
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset += delta


def reset() -> None:
    global _frozen, _offset
    _frozen = None
    _offset = timedelta(0)
