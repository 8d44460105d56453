"""三色赋码: colours follow inspection results and case closures in the same transaction, with the reason."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from engine import clock
from engine.db import transaction
from engine.entities import colours
from engine.models import ColourChange, EntityProfile, Party
from tests.processes.test_joint_inspection import PARTY, inspect, merge, publish, start_inspection
from tests.processes import test_ordinary as ordinary


def profile_of(sessions, id_number) -> EntityProfile:
    with sessions() as session:
        party = session.scalar(select(Party).where(Party.id_number == id_number))
        return session.get(EntityProfile, party.id)


def changes(sessions, id_number) -> list[ColourChange]:
    with sessions() as session:
        party = session.scalar(select(Party).where(Party.id_number == id_number))
        return list(session.scalars(select(ColourChange).where(ColourChange.party_id == party.id)
                                    .order_by(ColourChange.id)))


def test_clean_inspection_gives_green_and_a_year_until_the_next(sessions, actor, deployed):
    clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    case_id = start_inspection(sessions, actor, "agency_market")
    assert profile_of(sessions, PARTY["id_number"]) is None  # nothing decided before a result
    inspect(sessions, actor, case_id, "agency_market")
    profile = profile_of(sessions, PARTY["id_number"])
    assert (profile.colour, profile.colour_reason) == ("green", "24个月内无行政处罚且信用良好")
    assert profile.township_id == "chengnan"
    assert profile.last_inspected_on == date(2026, 3, 2) and profile.next_inspection_on == date(2027, 3, 2)
    clock.freeze(datetime(2026, 3, 5, 2, 0, tzinfo=timezone.utc))  # dates typed are never later than today
    merge(sessions, actor, case_id)
    publish(sessions, actor, case_id)
    assert [(c.colour, c.trigger) for c in changes(sessions, PARTY["id_number"])] == [("green", "inspection")]


def test_inspection_with_a_violation_turns_yellow_with_the_reason(sessions, actor, deployed):
    clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    case_id = start_inspection(sessions, actor, "agency_market", "agency_fire")
    inspect(sessions, actor, case_id, "agency_fire")
    assert profile_of(sessions, PARTY["id_number"]).colour == "green"
    inspect(sessions, actor, case_id, "agency_market", result="violation",
            violations=[{"facts": "销售超过保质期的食品", "legal_basis": "食品安全法第34条"}])
    profile = profile_of(sessions, PARTY["id_number"])
    assert (profile.colour, profile.colour_reason) == ("yellow", "检查发现涉嫌违法行为，正在查处")
    assert profile.next_inspection_on == date(2026, 8, 29)  # yellow: 180 days after the visit
    last = changes(sessions, PARTY["id_number"])[-1]
    assert (last.previous, last.colour, last.trigger, last.case_id) == ("green", "yellow", "inspection", case_id)
    assert last.inputs["suspected_violations"] == 1 and last.inputs["penalties_24m"] == 0


def closed_penalty_case(sessions, actor, party=ordinary.PERSON, fine=2000):
    run = ordinary.filed(sessions, actor, party=party)
    run.do("Task_InvestigationReport", "cn_officer1", ordinary.report(fine=fine))
    run.do("Task_CaseReview", "cn_reviewer", ordinary.review())
    run.do("Task_Notice", "cn_officer1", ordinary.NOTICE)
    run.do("Task_Statement", "cn_officer1", ordinary.STATEMENT)
    run.do("Task_Decision", "cn_head", ordinary.decision(fine=fine))
    run.do("Task_Service", "cn_officer1", ordinary.SERVICE)
    run.do("Task_Execution", "cn_officer1", ordinary.execution("paid", "2026-04-20", paid=fine))
    run.do("Task_ClosureReport", "cn_officer1", ordinary.CLOSURE_REPORT)
    return run


def test_case_closure_with_a_penalty_turns_yellow_then_red_on_the_second(sessions, actor, deployed):
    # after the last date the case's forms carry (dates typed are never later than today, issue 10)
    clock.freeze(datetime(2026, 5, 26, 2, 0, tzinfo=timezone.utc))
    number = ordinary.PERSON["id_number"]
    run = closed_penalty_case(sessions, actor)
    assert profile_of(sessions, number) is None  # running cases decide nothing yet
    run.do("Task_ClosureApproval", "cn_head", ordinary.closure())
    profile = profile_of(sessions, number)
    assert (profile.colour, profile.colour_reason) == ("yellow", "24个月内受到一般程序行政处罚")
    first = changes(sessions, number)[-1]
    assert (first.trigger, first.case_id, first.inputs["ordinary_penalties_24m"]) == ("case_closed", run.case_id, 1)

    second = closed_penalty_case(sessions, actor)
    second.do("Task_ClosureApproval", "cn_head", ordinary.closure())
    profile = profile_of(sessions, number)
    assert (profile.colour, profile.colour_reason) == ("red", "24个月内受到多次行政处罚")
    assert [c.colour for c in changes(sessions, number)] == ["yellow", "red"]
    assert changes(sessions, number)[-1].previous == "yellow"


def test_penalties_older_than_the_window_no_longer_count(sessions, actor, deployed):
    clock.freeze(datetime(2026, 5, 26, 2, 0, tzinfo=timezone.utc))
    run = closed_penalty_case(sessions, actor)
    run.do("Task_ClosureApproval", "cn_head", ordinary.closure())
    clock.freeze(datetime(2028, 6, 1, 2, 0, tzinfo=timezone.utc))  # decided 2026-04: 26 months ago
    with transaction(sessions) as session:
        party = session.scalar(select(Party).where(Party.id_number == ordinary.PERSON["id_number"]))
        change = colours.recompute(session, session.get(EntityProfile, party.id), "manual")
        assert change is not None and change.colour == "green"


def test_the_table_decides_major_hazard_and_poor_credit(sessions, deployed):
    base = {"penalties_24m": 0, "ordinary_penalties_24m": 0, "suspected_violations": 0, "uncorrected": 0,
            "complaints_12m": 0, "major_hazard": False, "credit": "good"}
    with sessions() as session:
        assert colours.evaluate(session, base)[0] == "green"
        assert colours.evaluate(session, dict(base, major_hazard=True)) == ("red", "存在重大安全隐患")
        assert colours.evaluate(session, dict(base, credit="poor")) == ("red", "信用评价较差")
        assert colours.evaluate(session, dict(base, uncorrected=1)) == ("red", "存在逾期未整改的问题")
        assert colours.evaluate(session, dict(base, complaints_12m=2)) == ("yellow", "12个月内多次被投诉举报")
        assert colours.evaluate(session, dict(base, credit="normal")) == ("yellow", "不满足绿码条件，常规抽查")
        assert colours.evaluate(session, dict(base, penalties_24m=1)) == ("yellow", "不满足绿码条件，常规抽查")


def test_case_closes_when_no_colour_table_is_deployed(sessions, actor, deployed):
    """三色赋码 is an addition to the step, not a condition of it: without a colour table the case still closes."""
    from sqlalchemy import delete

    from engine.models import Case, ProcessVersion
    from engine.statuses import CaseState

    clock.freeze(datetime(2026, 5, 26, 2, 0, tzinfo=timezone.utc))
    run = closed_penalty_case(sessions, actor)
    with transaction(sessions) as session:
        session.execute(delete(ProcessVersion).where(ProcessVersion.process_key == "entity_colour"))
    run.do("Task_ClosureApproval", "cn_head", ordinary.closure())
    assert profile_of(sessions, ordinary.PERSON["id_number"]) is None  # nothing decided, nothing failed
    with sessions() as session:
        assert session.get(Case, run.case_id).state == CaseState.COMPLETED
