"""The random draw of 双随机: who is eligible, weighted sampling without replacement, inspectors per agency.

Pure functions over plain values, so a draw is reproducible from its recorded seed: the same candidates
(ordered by party id) and the same seed give the same entities and inspectors on any machine.
Weighted sampling is Efraimidis–Spirakis (key = u^(1/w), keep the k largest).
"""
from __future__ import annotations

import hashlib
import heapq
import random
from datetime import date, datetime, time, timezone
from typing import NamedTuple

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.entities.config import settings
from engine.models import Case, CaseParty, EntityProfile


class Candidate(NamedTuple):  # a tuple: 100,000 of them are built per draw
    party_id: int
    colour: str
    risk: str
    weight: float


def rng_for(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big"))


def weighted_sample(candidates: list[Candidate], k: int, rng: random.Random) -> list[Candidate]:
    keyed = ((rng.random() ** (1.0 / c.weight), -c.party_id, c) for c in candidates)
    return [c for _k, _p, c in heapq.nlargest(k, keyed, key=lambda t: (t[0], t[1]))]


def pick_inspectors(eligible: dict[str, list[int]], rng: random.Random, per_agency: int) -> dict[str, list[int]]:
    return {agency: rng.sample(sorted(users), per_agency) for agency, users in sorted(eligible.items())}


def digest(candidates: list[Candidate]) -> str:
    h = hashlib.sha256()
    for c in candidates:
        h.update(f"{c.party_id}:{c.weight:.6f};".encode())
    return h.hexdigest()


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def candidates(session: Session, period_from: date, period_to: date, townships: list[str] | None = None,
               industry: str | None = None) -> list[Candidate]:
    """Entities due for an on-site inspection within the period and below their yearly cap, by party id.

    Due: ``next_inspection_on`` (set by the colour: green a year after the last visit, red a quarter) is on or
    before the period's end — so a green entity inspected this year is not drawn again. Cap: joint inspections
    opened in the period's calendar year are fewer than the colour's yearly cap.
    """
    cfg = settings()
    year = period_from.year
    done = (select(CaseParty.party_id.label("party_id"), func.count().label("n"))
            .join(Case, Case.id == CaseParty.case_id)
            .where(Case.process_key == cfg.inspection_process, Case.opened_at >= _utc(date(year, 1, 1)),
                   Case.opened_at < _utc(date(year + 1, 1, 1)), Case.state != "cancelled")
            .group_by(CaseParty.party_id).subquery())
    cap = or_(*[and_(EntityProfile.colour == colour, func.coalesce(done.c.n, 0) < n)
                for colour, n in cfg.yearly_caps.items()])
    query = (select(EntityProfile.party_id, EntityProfile.colour, EntityProfile.risk_level)
             .outerjoin(done, done.c.party_id == EntityProfile.party_id)
             .where(EntityProfile.merged_into_id.is_(None), cap,
                    or_(EntityProfile.next_inspection_on.is_(None), EntityProfile.next_inspection_on <= period_to))
             .order_by(EntityProfile.party_id))
    if townships:
        query = query.where(EntityProfile.township_id.in_(townships))
    if industry:
        query = query.where(EntityProfile.industry == industry)
    out = []
    for party_id, colour, risk in session.execute(query):
        weight = cfg.colour_weights.get(colour, 1.0) * cfg.risk_factors.get(risk or "medium", 1.0)
        out.append(Candidate(party_id, colour, risk or "medium", weight))
    return out
