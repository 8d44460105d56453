"""A small seeded data set with hand-computed figures (see test_figures.py for the arithmetic)."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from engine import deploy
from engine.models import Case, CaseParty, CaseReview, Clock, EntityProfile, HumanTask, Party
from tests.engine.entities.helpers import uscc


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def seed(session) -> dict:
    versions = {k: deploy.latest(session, k).id for k in ("ordinary_procedure", "simple_procedure",
                                                          "joint_inspection")}
    parties = []
    for i, colour in enumerate(("green", "green", "yellow")):
        party = Party(kind="organisation", name=f"样本企业{i}", id_number=uscc(500 + i), created_at=utc(2025, 1, 1))
        session.add(party)
        session.flush()
        session.add(EntityProfile(party_id=party.id, township_id="chengnan", licences=[], risk_level="medium",
                                  credit="good", major_hazard=False, colour=colour, created_at=utc(2025, 1, 1),
                                  updated_at=utc(2025, 1, 1)))
        parties.append(party.id)
    n = 0

    def case(key, unit, opened, closed=None, **data):
        nonlocal n
        n += 1
        row = Case(number=f"样本〔2026〕{n}号", unit_id=unit, process_version_id=versions[key], process_key=key,
                   state="completed" if closed else "running", data=data, workflow_state="", version=1,
                   opened_at=opened, closed_at=closed)
        session.add(row)
        session.flush()
        return row

    c1 = case("ordinary_procedure", "chengnan", utc(2026, 1, 5, 2), utc(2026, 1, 20, 2), decision_outcome="penalise")
    case("ordinary_procedure", "chengnan", utc(2026, 1, 10, 2))
    case("simple_procedure", "chengnan", utc(2026, 1, 12, 2), utc(2026, 1, 12, 3), simple_outcome="closed")
    c4 = case("joint_inspection", "chengnan", utc(2026, 1, 15, 2), utc(2026, 1, 25, 2))
    session.add(CaseParty(case_id=c4.id, party_id=parties[0]))
    c5 = case("ordinary_procedure", "chengnan", utc(2025, 12, 20, 2), utc(2026, 1, 3, 2),
              decision_outcome="not_established")
    case("ordinary_procedure", "chengbei", utc(2026, 1, 5, 2), utc(2026, 1, 6, 2), decision_outcome="penalise")

    def task(spec, created, hours, case_row=c1, unit="chengnan", title=None):
        from datetime import timedelta
        tid = str(uuid.uuid4())
        session.add(HumanTask(id=tid, case_id=case_row.id, process_key=case_row.process_key, task_spec=spec,
                              title=title or spec, role="officer", unit_id=unit, state="completed", context={},
                              rules={}, created_at=created, completed_at=created + timedelta(hours=hours)))
        return tid

    task("Task_FilingProposal", utc(2026, 1, 5, 1), 2, title="立案审批表")
    task("Task_FilingProposal", utc(2026, 1, 10, 0), 10, title="立案审批表")
    task("Task_FilingProposal", utc(2026, 1, 12, 0), 4, title="立案审批表")
    task("Task_FilingApproval", utc(2026, 1, 6, 0), 1, title="立案批准")
    task("Task_FilingApproval", utc(2026, 7, 2, 0), 1, title="立案批准")  # completed after the period
    task("Task_FilingApproval", utc(2026, 1, 6, 0), 5, unit="chengbei", case_row=c1, title="立案批准")

    def clk(label, kind, state, due_on, closed_at=None, unit="chengnan"):
        due_at = datetime(due_on.year, due_on.month, due_on.day, 16, tzinfo=timezone.utc)  # local midnight after
        session.add(Clock(case_id=c1.id, kind=kind, spec="x", label=label, unit_id=unit, limit_days=5, unit="wd",
                          started_on=date(2026, 1, 1), started_at=utc(2026, 1, 1), due_on=due_on, due_at=due_at,
                          yellow_on=due_on, state=state, colour="red" if state != "met" else "green",
                          created_at=utc(2026, 1, 1), closed_at=closed_at, pauses=[]))

    clk("陈述申辩期限", "task", "met", date(2026, 1, 9), utc(2026, 1, 8, 2))
    clk("陈述申辩期限", "task", "overdue", date(2026, 1, 10), utc(2026, 1, 14, 2))  # 4 days late
    clk("作出处罚决定", "case", "met", date(2026, 3, 1), utc(2026, 1, 20, 2))
    clk("送达期限", "task", "running", date(2026, 1, 25))  # still open: red until the period's end
    clk("送达期限", "task", "met", date(2026, 1, 25), utc(2026, 1, 20, 2), unit="chengbei")
    session.add(CaseReview(case_id=c1.id, kind="reconsideration", result="upheld", decided_on=date(2026, 1, 25),
                           recorded_at=utc(2026, 1, 25)))
    session.add(CaseReview(case_id=c5.id, kind="litigation", result="reversed", decided_on=date(2026, 1, 28),
                           recorded_at=utc(2026, 1, 28)))
    session.flush()
    return {"parties": parties, "c1": c1.id}
