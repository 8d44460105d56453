"""当事人: identity numbers with check characters, de-duplication, search."""
from __future__ import annotations

import pytest

from engine import parties
from engine.db import transaction
from engine.errors import ValidationFailed

PERSON = {"kind": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13800138000",
          "address": "城南街道人民路1号"}
ORG = {"kind": "organisation", "name": "某某餐饮有限公司", "id_number": "91350100M000100Y43"}


@pytest.mark.parametrize("number, ok", [("11010519491231002X", True), ("110105194912310021", False),
                                        ("1101051949123100", False), ("11010519491231002x", False)])
def test_resident_id_check_digit(number, ok):
    assert parties.resident_id_valid(number) is ok


@pytest.mark.parametrize("code, ok", [("91350100M000100Y43", True), ("91350100M000100Y44", False),
                                      ("91350100M000100I43", False), ("9135010", False)])
def test_uscc_check_character(code, ok):
    assert parties.uscc_valid(code) is ok


@pytest.mark.parametrize("bad, field", [
    (dict(PERSON, id_number="110105194912310021"), "party.id_number"),
    (dict(ORG, id_number="11010519491231002X"), "party.id_number"),
    (dict(PERSON, kind="alien"), "party.kind"),
    (dict(PERSON, name=""), "party.name"),
    (dict(PERSON, phone="12345"), "party.phone"),
])
def test_invalid_parties_name_the_field(bad, field):
    with pytest.raises(ValidationFailed) as err:
        parties.validate(bad)
    assert field in err.value.errors


def test_upsert_deduplicates_and_search_finds(sessions):
    with transaction(sessions) as session:
        a = parties.upsert(session, PERSON).id
        b = parties.upsert(session, dict(PERSON, phone="13900139000")).id
        c = parties.upsert(session, ORG).id
    assert a == b != c
    with sessions() as session:
        assert [p.id for p in parties.search(session, "餐饮")] == [c]
        assert [p.phone for p in parties.search(session, "11010519491231002x")] == ["13900139000"]
