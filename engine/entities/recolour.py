"""Nightly recolour (三色赋码复核): penalties, findings and complaints leave their look-back windows with time.

Only the passing of time is handled here (every inspection result, case closure and 复议/诉讼 outcome already
recomputes in its own transaction). Time only removes things from the windows, so a green entity cannot change:
the sweep recomputes the non-green, not-merged profiles, in batches of ``batch`` per transaction. On PostgreSQL
a batch is claimed with ``FOR UPDATE SKIP LOCKED``, so two scheduler processes never recolour the same entity.
Each change is recorded with trigger ``ageing`` and a cause in words (what left which window).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine.db import transaction
from engine.entities import colours
from engine.entities.config import settings
from engine.models import ColourChange, EntityProfile

log = logging.getLogger(__name__)


@dataclass
class RecolourResult:
    checked: int = 0
    changed: int = 0
    failed: int = 0


def describe(before: dict | None, after: dict) -> str:
    """What left the look-back windows, in words, from the previous decision's rule inputs to today's."""
    cfg = settings()
    before = before or {}
    parts = []
    for key, text in (("penalties_24m", f"{{n}}次行政处罚已超出{cfg.penalty_months}个月回溯期"),
                      ("uncorrected", f"{{n}}项逾期未整改问题的检查已超出{cfg.penalty_months}个月回溯期"),
                      ("complaints_12m", f"{{n}}次投诉举报已超出{cfg.complaint_months}个月回溯期")):
        gone = int(before.get(key) or 0) - int(after.get(key) or 0)
        if gone > 0:
            parts.append(text.format(n=gone))
    return "；".join(parts) or "回溯期届满复核"


def _last_inputs(session: Session, party_id: int) -> dict | None:
    return session.scalar(select(ColourChange.inputs).where(ColourChange.party_id == party_id)
                          .order_by(ColourChange.decided_at.desc(), ColourChange.id.desc()).limit(1))


def recolour_batch(session: Session, after_id: int, batch: int, everyone: bool = False) -> tuple[int, int, int]:
    """Recompute up to ``batch`` profiles with party id > ``after_id`` → (last id, checked, changed)."""
    query = (select(EntityProfile).where(EntityProfile.party_id > after_id, EntityProfile.merged_into_id.is_(None))
             .order_by(EntityProfile.party_id).limit(batch))
    if not everyone:
        query = query.where(EntityProfile.colour != "green")
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=EntityProfile)
    profiles = list(session.scalars(query))
    changed = 0
    for profile in profiles:
        before = _last_inputs(session, profile.party_id)
        if colours.recompute(session, profile, "ageing", cause=lambda after, b=before: describe(b, after)):
            changed += 1
    session.flush()
    return (profiles[-1].party_id if profiles else after_id), len(profiles), changed


def sweep(factory: sessionmaker, batch: int = 200, everyone: bool = False) -> RecolourResult:
    """Recolour every non-green entity (``everyone``: all of them, e.g. after a new colour table)."""
    result = RecolourResult()
    with factory() as probe:
        if not colours.colour_table_deployed(probe):
            log.warning("三色赋码 recolour skipped: no %s table deployed", settings().colour_process)
            return result
    after_id = 0
    while True:
        try:
            with transaction(factory) as session:
                last, checked, changed = recolour_batch(session, after_id, batch, everyone)
        except Exception:  # noqa: BLE001 — one bad batch must not stop the night's run
            log.exception("recolour batch after party %s failed", after_id)
            result.failed += 1
            break
        result.checked += checked
        result.changed += changed
        if checked < batch:
            return result
        after_id = last
    return result


class RecolourJob:
    """Scheduler job: once a day at ``ZHIFA_RECOLOUR_AT`` (local time, default 02:30)."""

    JOB_ID = "zhifa-recolour"

    def __init__(self, factory: sessionmaker):
        import os
        self.factory = factory
        hour, _, minute = os.environ.get("ZHIFA_RECOLOUR_AT", "02:30").partition(":")
        self.hour, self.minute = int(hour), int(minute or 0)
        self.totals = RecolourResult()

    def __call__(self) -> None:
        try:
            result = sweep(self.factory)
        except Exception:  # noqa: BLE001 — a database hiccup must not kill the scheduler
            log.exception("recolour failed")
            return
        self.totals.checked += result.checked
        self.totals.changed += result.changed
        self.totals.failed += result.failed
        log.info("recolour: %s checked, %s changed, %s failed batches", result.checked, result.changed,
                 result.failed)
