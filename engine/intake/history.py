"""A lead's own append-only history, hash-chained like a case's (engine/events.py)."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.events import GENESIS, _utc_text
from engine.models import Lead, LeadEvent

# event types (Chinese labels live in the web fragment)
RECEIVED, ROUTED, DISPATCHED, WAITING, RETURNED, ACCEPTED, CLOSED = (
    "received", "routed", "dispatched", "waiting", "returned", "accepted", "closed")
EXTENDED, COLOUR, DUPLICATE = "extended", "colour_changed", "duplicate_linked"


def _hash(prev: str, seq: int, type_: str, at: datetime, actor_id, unit_id, data: dict) -> str:
    body = json.dumps([seq, type_, _utc_text(at), actor_id, unit_id, data], sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def append(session: Session, lead: Lead, type_: str, *, actor_id: int | None = None, unit_id: str | None = None,
           data: dict | None = None) -> LeadEvent:
    """Append under the lead's row lock (the caller holds it, or the lead is new)."""
    last = session.execute(select(LeadEvent.seq, LeadEvent.hash).where(LeadEvent.lead_id == lead.id)
                           .order_by(LeadEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = clock.now()
    data = json.loads(json.dumps(data or {}, default=str, ensure_ascii=False))
    event = LeadEvent(lead_id=lead.id, seq=seq, type=type_, at=at, actor_id=actor_id or None, unit_id=unit_id,
                      data=data, prev_hash=prev, hash=_hash(prev, seq, type_, at, actor_id or None, unit_id, data))
    session.add(event)
    session.flush()
    return event


def events(session: Session, lead_id: int) -> list[LeadEvent]:
    return list(session.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.seq)))


def verify(session: Session, lead_id: int) -> int | None:
    """The seq of the first altered event, or None when the chain is intact."""
    prev = GENESIS
    for expected, ev in enumerate(events(session, lead_id), start=1):
        digest = _hash(prev, ev.seq, ev.type, ev.at, ev.actor_id, ev.unit_id, ev.data)
        if ev.seq != expected or ev.prev_hash != prev or ev.hash != digest:
            return ev.seq
        prev = ev.hash
    return None
