"""双随机、一公开: reproducible draws, eligibility (due date by colour, yearly cap), approval opens inspections."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import clock
from engine.db import transaction
from engine.entities import config, draw, plans
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.models import Case, EntityProfile, HumanTask, Party, User
from engine.statuses import TaskState
from tests.engine.entities.helpers import seed_entities, uscc
from tests.engine.helpers import complete
from tests.processes.test_joint_inspection import PARTY, inspect, start_inspection

ITEMS = [{"agency": "agency_market", "items": "食品经营许可、进货查验"},
         {"agency": "agency_fire", "items": "消防通道、灭火器"}]


def plan_data(size=5, start=date(2026, 6, 1), end=date(2026, 6, 30), **extra):
    return dict({"title": "2026年6月餐饮单位双随机抽查", "period_from": start, "period_to": end, "items": ITEMS,
                 "sample_size": size}, **extra)


def make_plan(sessions, actor, seed=None, user="cn_leader", **kw) -> int:
    who = actor(user)
    with transaction(sessions) as session:
        plan = plans.create(session, who, "chengnan", plan_data(**kw))
        return plans.draw(session, who, plan.id, seed).id


def drawn(sessions, actor, plan_id):
    leader = actor("cn_leader")
    with sessions() as session:
        plan = plans.get_plan(session, leader, plan_id)
        return [(e.party_id, e.inspectors) for e in plan.entries], plan


@pytest.fixture
def thirty(sessions):
    clock.freeze(datetime(2026, 5, 20, 2, 0, tzinfo=timezone.utc))
    with transaction(sessions) as session:
        return seed_entities(session, 30, colour_of=lambda i: ("green", "yellow", "red")[i % 3])


def test_draw_is_reproducible_from_its_seed(sessions, actor, deployed, thirty):
    first = make_plan(sessions, actor, seed="2026-06-抽签")
    again = make_plan(sessions, actor, seed="2026-06-抽签")
    other = make_plan(sessions, actor, seed="another seed")
    a, plan = drawn(sessions, actor, first)
    b, _ = drawn(sessions, actor, again)
    c, _ = drawn(sessions, actor, other)
    assert a == b and len(a) == 5 and len({p for p, _ in a}) == 5
    assert a != c
    assert plan.seed == "2026-06-抽签" and plan.state == "drawn"
    assert plan.draw_info["candidates"] == 30 and plan.draw_info["by_colour"] == {"green": 10, "yellow": 10,
                                                                                 "red": 10}
    for _party, inspectors in a:  # two distinct inspectors of each partner agency
        assert set(inspectors) == {"agency_market", "agency_fire"}
        assert all(len(set(ids)) == 2 for ids in inspectors.values())
    # the pure function reproduces it from the recorded seed
    with sessions() as session:
        pool = draw.candidates(session, date(2026, 6, 1), date(2026, 6, 30))
    assert draw.digest(pool) == plan.draw_info["digest"]
    again_ids = [c.party_id for c in draw.weighted_sample(pool, 5, draw.rng_for(plan.seed))]
    assert again_ids == [p for p, _ in a]


def test_weights_favour_red_over_green():
    pool = [draw.Candidate(i, "red" if i < 100 else "green", "medium", 9.0 if i < 100 else 1.0) for i in range(1000)]
    picked = draw.weighted_sample(pool, 100, draw.rng_for("weights"))
    reds = sum(1 for c in picked if c.colour == "red")
    assert reds > 35  # 100 red of weight 9 vs 900 green of weight 1: half the weight is red


def test_green_entity_is_not_drawn_again_within_its_period(sessions, actor, deployed):
    clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    case_id = start_inspection(sessions, actor, "agency_market")
    inspect(sessions, actor, case_id, "agency_market")  # clean → green, next on-site 2027-03-02
    with sessions() as session:
        party = session.scalar(select(Party).where(Party.id_number == PARTY["id_number"]))
        assert session.get(EntityProfile, party.id).colour == "green"
        in_june = {c.party_id for c in draw.candidates(session, date(2026, 6, 1), date(2026, 6, 30))}
        next_spring = {c.party_id for c in draw.candidates(session, date(2027, 3, 1), date(2027, 3, 31))}
    assert party.id not in in_june and party.id in next_spring
    plan_id = make_plan(sessions, actor, size=10, seed="x")
    assert party.id not in {p for p, _ in drawn(sessions, actor, plan_id)[0]}


def test_yearly_cap_excludes_entities_inspected_enough_this_year(sessions, actor, deployed):
    clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc))
    case_id = start_inspection(sessions, actor, "agency_market")
    inspect(sessions, actor, case_id, "agency_market", result="violation",
            violations=[{"facts": "无证经营", "legal_basis": "食品安全法第35条"}])  # yellow
    with transaction(sessions) as session:
        party = session.scalar(select(Party).where(Party.id_number == PARTY["id_number"]))
        session.get(EntityProfile, party.id).next_inspection_on = None  # due; only the cap can exclude it
    try:
        for cap, expected in ((2, True), (1, False)):
            config.configure(config.SupervisionSettings(yearly_caps={"green": 1, "yellow": cap, "red": 4}))
            with sessions() as session:
                pool = {c.party_id for c in draw.candidates(session, date(2026, 6, 1), date(2026, 6, 30))}
            assert (party.id in pool) is expected
            with sessions() as session:  # next year the count starts again
                assert party.id in {c.party_id for c in draw.candidates(session, date(2027, 1, 1),
                                                                        date(2027, 1, 31))}
    finally:
        config.configure(None)


def test_approving_a_plan_opens_one_inspection_per_entity_given_to_the_drawn(sessions, actor, deployed, thirty):
    plan_id = make_plan(sessions, actor, size=3, seed="approve")
    entries, _ = drawn(sessions, actor, plan_id)
    officer, head = actor("cn_officer1"), actor("cn_head")
    with pytest.raises(Forbidden), transaction(sessions) as session:
        plans.approve(session, officer, plan_id)
    with transaction(sessions) as session:
        plan = plans.approve(session, head, plan_id)
        assert plan.state == "approved" and plan.published_at is not None
    with sessions() as session:
        plan = plans.get_plan(session, head, plan_id)
        case_ids = [e.case_id for e in plan.entries]
        assert all(case_ids)
        opened = session.scalars(select(Case).where(Case.id.in_(case_ids))).all()
        assert {c.process_key for c in opened} == {"joint_inspection"} and {c.unit_id for c in opened} == {"chengnan"}
        assert sorted(c.parties[0].party_id for c in opened) == sorted(p for p, _ in entries)
        tasks = session.scalars(select(HumanTask).where(HumanTask.case_id.in_(case_ids))).all()
        assert len(tasks) == 6 and {t.state for t in tasks} == {TaskState.CLAIMED}
        for entry in plan.entries:
            for task in (t for t in tasks if t.case_id == entry.case_id):
                assert task.assignee_id == entry.inspectors[task.unit_id][0]
        first = plan.entries[0]
        task = next(t for t in tasks if t.case_id == first.case_id and t.unit_id == "agency_market")
        inspector, co = (session.get(User, uid) for uid in first.inspectors["agency_market"])
    with pytest.raises(Conflict), transaction(sessions) as session:
        plans.approve(session, head, plan_id)
    # the drawn inspector records a violation; the result flows back into the entity's colour
    complete(sessions, actor(inspector.username), task.id,
             {"co_officer": co.username, "inspection_record": "现场检查", "result": "violation",
              "violations": [{"facts": "超范围经营", "legal_basis": "食品安全法第35条"}]})
    with sessions() as session:
        profile = session.get(EntityProfile, first.party_id)
        assert (profile.colour, profile.colour_reason) == ("yellow", "检查发现涉嫌违法行为，正在查处")


def test_a_plan_is_drawn_once_and_validated(sessions, actor, deployed, thirty):
    plan_id = make_plan(sessions, actor, seed="once")
    leader, support = actor("cn_leader"), actor("cn_support")
    with pytest.raises(Conflict), transaction(sessions) as session:
        plans.draw(session, leader, plan_id, "again")
    with pytest.raises(ValidationFailed) as err, transaction(sessions) as session:
        plans.create(session, leader, "chengnan",
                     plan_data(size=0, start=date(2026, 6, 30), end=date(2026, 6, 1),
                               items=[{"agency": "chengbei", "items": ""}]))
    assert set(err.value.errors) >= {"sample_size", "period_to", "items.0.agency", "items.0.items"}
    with pytest.raises(Forbidden), transaction(sessions) as session:
        plans.create(session, support, "chengnan", plan_data())
    assert uscc(1) != uscc(2)
