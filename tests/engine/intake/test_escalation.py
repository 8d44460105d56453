"""A lead's 核查 clock after red follows a case clock's chain: reminder → 催办单 → 督办单 → 通报 on the configured
working-day delays, each step once, in the lead's history and the recipients' inboxes (and the outbox); a
supervisor's 催办单/督办单 by hand; the lead clocks on the supervision board next to case clocks."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import clock
from engine.db import transaction
from engine.deadlines import sweeps
from engine.errors import Forbidden, NotFound, ValidationFailed
from engine.intake import clocks as lead_clocks
from engine.intake import escalation, handling, history, leads
from engine.models import Lead, Notification, OutboxMessage, User

MONDAY = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)   # 10:00 in Beijing; due Mon 23 Nov


def _at(day: int, month: int = 11) -> None:
    clock.freeze(datetime(2026, month, day, 2, 0, tzinfo=timezone.utc))


def _lead(sessions) -> int:
    clock.freeze(MONDAY)
    with transaction(sessions) as s:
        lead = leads.create(s, "grid", {"text": "城南路有人占道经营摆摊卖水果", "place": "城南路5号"})
        assert lead.unit_id == "chengnan"
        return lead.id


def _steps(s, lead_id):
    return [(e.data["step"], e.data["manual"]) for e in history.events(s, lead_id) if e.type == escalation.ESCALATED]


def test_red_lead_clock_runs_the_supervision_chain_once_per_step(intake):
    lead_id = _lead(intake)
    _at(24)                                   # Tue 24 Nov: red; first step one working day later
    sweeps.run_all(intake)
    with intake() as s:
        lead = s.get(Lead, lead_id)
        assert lead.colour == "red" and lead.escalation_level == 0 and lead.next_escalation_on == date(2026, 11, 25)
    _at(25)
    assert sweeps.run_all(intake)["escalations"].done == 1
    assert sweeps.run_all(intake)["escalations"].done == 0, "a second sweep the same day takes no step"
    _at(27)                                   # +2 working days: 催办单
    sweeps.run_all(intake)
    _at(2, 12)                                # +3 working days: 督办单
    sweeps.run_all(intake)
    _at(9, 12)                                # +5 working days: 通报, then the chain ends
    sweeps.run_all(intake)
    _at(30, 12)
    assert sweeps.run_all(intake)["escalations"].done == 0
    with intake() as s:
        assert _steps(s, lead_id) == [("reminder", False), ("urge", False), ("supervise", False),
                                      ("circular", False)]
        lead = s.get(Lead, lead_id)
        assert lead.escalation_level == 4 and lead.next_escalation_on is None
        got = {(n.kind, s.get(User, n.user_id).username) for n in s.scalars(select(Notification))}
        assert ("reminder", "cn_leader") in got and ("urge", "cn_deputy") in got
        assert ("supervise", "supervisor") in got and ("circular", "cn_head") in got
        assert ("reminder", "cb_leader") not in got
        urge = s.scalar(select(Notification).where(Notification.kind == "supervise"))
        assert urge.data["lead_id"] == lead_id and "督办" in urge.title and "XS" in urge.title
        assert s.scalar(select(OutboxMessage).where(OutboxMessage.notification_id == urge.id)) is not None
        assert history.verify(s, lead_id) is None


def test_supervisor_issues_by_hand_and_extension_ends_the_chain(intake, actor):
    lead_id = _lead(intake)
    _at(24)
    sweeps.run_all(intake)
    leader, head, other, sup = actor("cn_leader"), actor("cn_head"), actor("cb_head"), actor("supervisor")
    with pytest.raises(Forbidden):
        with transaction(intake) as s:
            escalation.issue(s, leader, lead_id, "urge")
    with pytest.raises(Forbidden):
        with transaction(intake) as s:
            escalation.issue(s, head, lead_id, "supervise")
    with pytest.raises(NotFound):
        with transaction(intake) as s:
            escalation.issue(s, other, lead_id, "urge")
    with pytest.raises(ValidationFailed):
        with transaction(intake) as s:
            escalation.issue(s, sup, lead_id, "supervise", finish_by=date(2026, 11, 1))
    with transaction(intake) as s:
        out = escalation.issue(s, sup, lead_id, "supervise", "请于周五前报告核查结果", date(2026, 11, 27))
        assert out["finish_by"] == "2026-11-27" and out["recipients"]
    with intake() as s:
        lead = s.get(Lead, lead_id)
        assert _steps(s, lead_id) == [("supervise", True)]
        assert lead.escalation_level == 3, "the automatic chain continues after the 督办单"
        note = s.scalar(select(Notification).where(Notification.kind == "supervise"))
        assert "请于周五前报告核查结果" in note.body and "2026-11-27" in note.body
    with transaction(intake) as s:
        handling.extend(s, head, lead_id, "当事人外出，延长核查")
    with intake() as s:
        lead = s.get(Lead, lead_id)
        assert lead.colour == "green" and lead.escalation_level == 0 and lead.next_escalation_on is None
    _at(9, 12)
    assert sweeps.run_all(intake)["escalations"].done == 0


def test_lead_clocks_on_the_supervision_board_in_scope(intake, actor):
    lead_id = _lead(intake)
    _at(24)
    sweeps.run_all(intake)
    sup, other, leader = actor("supervisor"), actor("cb_leader"), actor("cn_leader")
    with intake() as s:
        rows = lead_clocks.board(s, sup, ("red",))
        mine = [r for r in rows if r["kind"] == "lead"]
        assert [r["lead_id"] for r in mine] == [lead_id]
        assert mine[0]["unit_id"] == "chengnan" and mine[0]["due_on"] == date(2026, 11, 23)
        assert mine[0]["remaining_workdays"] < 0 and mine[0]["case_id"] is None
        assert lead_clocks.board(s, other, ("red",)) == []
        summary = {r["unit_id"]: r for r in lead_clocks.summary(s, sup)}
        assert summary["chengnan"]["red"] >= 1
    with transaction(intake) as s:
        handling.close(s, leader, lead_id, "核查未发现占道经营")
    with intake() as s:
        assert [r for r in lead_clocks.board(s, sup, ("red",)) if r["kind"] == "lead"] == []
