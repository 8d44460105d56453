"""Repeated complaints (intake leads naming the entity) turn it yellow; the record lists them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from engine import clock
from engine.db import transaction
from engine.entities import record, registry
from engine.intake import demo, leads
from tests.engine.entities.helpers import uscc

SHOP = {"kind": "organisation", "name": "城南好运水果店", "id_number": uscc(77), "address": "城南路12号"}


def complain(sessions, text):
    with transaction(sessions) as s:
        leads.create(s, "hotline_12345", {"text": text, "place": "城南路12号",
                                          "party": {"kind": "organisation", "name": SHOP["name"],
                                                    "id_number": SHOP["id_number"]}})


def test_two_complaints_in_a_year_turn_the_entity_yellow(sessions, actor, deployed):
    clock.freeze(datetime(2026, 3, 2, 2, tzinfo=timezone.utc))
    with transaction(sessions) as s:
        demo.seed(s)
    leader = actor("cn_leader")
    with transaction(sessions) as s:
        party_id = registry.register(s, leader, SHOP, {"township_id": "chengnan"}).party_id
    complain(sessions, "市民来电反映：城南路12号水果店占道经营，堵住人行道。")
    with transaction(sessions) as s:
        profile = registry.update_profile(s, leader, party_id, {"industry": "零售"})
        assert profile.colour == "green"  # one complaint is not yet "repeated"
    clock.advance(timedelta(days=30))  # a week apart it would be the same report again (a duplicate)
    complain(sessions, "城南路12号水果店又把货摊摆到人行道上，行人无法通行。")
    with transaction(sessions) as s:
        profile = registry.update_profile(s, leader, party_id, {"industry": "水果零售"})
        assert (profile.colour, profile.colour_reason) == ("yellow", "12个月内多次被投诉举报")
    with sessions() as s:
        rec = record.entity_record(s, leader, party_id)
        assert len(rec["complaints"]) == 2 and "水果店" in rec["complaints"][0]["summary"]


def lead(sessions, text, **party):
    with transaction(sessions) as s:
        return leads.create(s, "hotline_12345", {"text": text, "place": "城南路12号", "party": party}).id


def counts(sessions, *party_ids) -> list[int]:
    from engine.entities import complaints
    from engine.models import Party
    with sessions() as s:
        return [complaints.count(s, s.get(Party, pid), datetime(2025, 1, 1).date()) for pid in party_ids]


def test_matched_by_credit_code_first_then_normalised_name_and_ambiguity_waits_for_an_officer(
        sessions, actor, deployed):
    from engine.errors import ValidationFailed
    clock.freeze(datetime(2026, 3, 2, 2, tzinfo=timezone.utc))
    with transaction(sessions) as s:
        demo.seed(s)
    leader = actor("cn_leader")
    with transaction(sessions) as s:
        reg = lambda n, name: registry.register(s, leader, {"kind": "organisation", "name": name,  # noqa: E731
                                                            "id_number": uscc(n)}, {"township_id": "chengnan"}).party_id
        abc = reg(80, "杭州ＡＢＣ餐饮有限责任公司（城南店）")
        twin_a, twin_b = reg(81, "城南好味小吃店"), reg(82, "城南 好味小吃店")  # two shops, one name
    by_name = lead(sessions, "反映油烟扰民", name="杭州abc 餐饮有限公司(城南店)")
    by_code = lead(sessions, "反映占道经营", name="城南好味小吃店", id_number=uscc(82))
    ambiguous = lead(sessions, "反映卫生问题", name="城南好味小吃店")
    assert counts(sessions, abc, twin_a, twin_b) == [1, 0, 1]  # the ambiguous one counts for neither
    with sessions() as s:
        rec_a, rec_b = record.entity_record(s, leader, twin_a), record.entity_record(s, leader, twin_b)
        assert [c["id"] for c in rec_a["to_confirm"]] == [ambiguous] == [c["id"] for c in rec_b["to_confirm"]]
        assert [(c["id"], c["matched"]) for c in rec_b["complaints"]] == [(by_code, "id_number")]
        assert [(c["id"], c["matched"]) for c in record.entity_record(s, leader, abc)["complaints"]] == [
            (by_name, "name")]

    with transaction(sessions) as s:  # the officer says which shop the complaint is about
        profile = registry.decide_complaint(s, leader, twin_a, ambiguous, about=True)
    assert counts(sessions, abc, twin_a, twin_b) == [1, 1, 1]
    with sessions() as s:
        assert record.entity_record(s, leader, twin_b)["to_confirm"] == []
    with transaction(sessions) as s:  # a wrong name match is taken back
        registry.decide_complaint(s, leader, abc, by_name, about=False)
    assert counts(sessions, abc, twin_a, twin_b) == [0, 1, 1]
    try:
        with transaction(sessions) as s:
            registry.decide_complaint(s, leader, abc, by_code, about=True)  # names neither its name nor its code
        raise AssertionError("not refused")
    except ValidationFailed as exc:
        assert "lead_id" in exc.errors
    assert counts(sessions, abc, twin_a, twin_b) == [0, 1, 1]
    assert profile.colour == "green"
