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
