"""The 核查 clock: 15 working days on the deadline calendar, yellow then red, each change recorded once and
notified like a case clock; the head's extension adds 15 working days."""
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from engine import clock
from engine.db import transaction
from engine.deadlines import sweeps
from engine.intake import handling, history, leads, verification
from engine.models import Lead, Notification, User

MONDAY = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)   # 10:00 in Beijing


def _lead(sessions) -> int:
    with transaction(sessions) as s:
        return leads.create(s, "grid", {"text": "城南路有人占道经营摆摊卖水果", "place": "城南路5号"}).id


def test_due_date_counts_working_days_and_colours_change_once(intake, actor):
    clock.freeze(MONDAY)
    lead_id = _lead(intake)
    with intake() as s:
        lead = s.get(Lead, lead_id)
        # 15 working days after Mon 2 Nov (start day not counted) → Mon 23 Nov 2026
        assert lead.verify_due_on == date(2026, 11, 23) and verification.colour(lead) == "green"
    clock.freeze(datetime(2026, 11, 19, 2, 0, tzinfo=timezone.utc))   # 2 working days left → yellow
    assert sweeps.lead_colours(intake).done == 1
    assert sweeps.lead_colours(intake).done == 0, "a second sweep records nothing"
    clock.freeze(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc))   # after the due day → red
    assert sweeps.run_all(intake)["colours"].done >= 1
    with intake() as s:
        lead = s.get(Lead, lead_id)
        assert lead.colour == "red"
        changes = [e.data for e in history.events(s, lead_id) if e.type == history.COLOUR]
        assert [(c["from"], c["to"]) for c in changes] == [("green", "yellow"), ("yellow", "red")]
        notified = {(n.kind, s.get(User, n.user_id).username) for n in s.scalars(select(Notification))}
        assert ("warning", "cn_leader") in notified
        assert ("overdue", "cn_deputy") in notified and ("overdue", "supervisor") in notified
        assert history.verify(s, lead_id) is None
    head, leader = actor("cn_head"), actor("cn_leader")
    with transaction(intake) as s:
        handling.extend(s, head, lead_id, "当事人外出未归，需延长核查")
    with intake() as s:
        lead = s.get(Lead, lead_id)
        assert lead.verify_due_on == date(2026, 12, 14) and verification.colour(lead) == "green"
    with transaction(intake) as s:
        handling.close(s, leader, lead_id, "核查未发现占道经营")
    with intake() as s:
        assert s.get(Lead, lead_id).verify_state == "met"


def test_late_decision_counts_as_overdue_in_supervision(intake, actor):
    from engine.intake import supervision
    clock.freeze(MONDAY)
    lead_id = _lead(intake)
    clock.freeze(MONDAY + timedelta(days=30))
    leader, sup = actor("cn_leader"), actor("supervisor")
    with intake() as s:
        stats = {r["unit"]: r for r in supervision.unit_stats(s, sup)}
        assert stats["chengnan"]["overdue"] == 1 and stats["chengnan"]["open"] == 1
    with transaction(intake) as s:
        handling.close(s, leader, lead_id, "现场已无摊位")
    with intake() as s:
        assert s.get(Lead, lead_id).verify_state == "overdue"
        stats = {r["unit"]: r for r in supervision.unit_stats(s, sup)}
        assert stats["chengnan"]["overdue"] == 1 and stats["chengnan"]["closed"] == 1
        assert stats["chengnan"]["avg_dispatch_minutes"] == 0.0
