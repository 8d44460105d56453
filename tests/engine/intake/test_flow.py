"""Lead → routing → unit → case, through the engine services, on both databases."""
import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.intake import handling, history, leads
from engine.models import Case, Lead


def _create(sessions, text, place, channel="hotline_12345", **extra):
    with transaction(sessions) as s:
        lead = leads.create(s, channel, {"text": text, "place": place, **extra})
        return lead.id


def _lead(sessions, lead_id) -> Lead:
    with sessions() as s:
        return s.get(Lead, lead_id)


def test_hotline_stall_in_chengnan_is_dispatched_to_chengnan_and_becomes_simple_case(intake, actor):
    lead_id = _create(intake, "市民来电反映：城南路12号门口有人占道经营卖水果，堵住人行道。", "城南路12号")
    lead = _lead(intake, lead_id)
    assert lead.status == leads.DISPATCHED and lead.unit_id == "chengnan" and lead.matter_code == "SR001"
    assert lead.candidates[0]["code"] == "SR001" and "占道经营" in lead.candidates[0]["words"]
    assert lead.verify_state == "running" and lead.verify_due_on > lead.verify_started_on
    leader = actor("cn_leader")
    with transaction(intake) as s:
        assert [x.id for x in handling.inbox(s, leader)] == [lead_id]
        handling.accept(s, leader, lead_id, "simple_procedure")
    lead = _lead(intake, lead_id)
    assert lead.status == leads.ACCEPTED and lead.verify_state == "met"
    with intake() as s:
        case = s.get(Case, lead.case_id)
        assert case.process_key == "simple_procedure" and case.unit_id == "chengnan"
        assert case.data["place"] == "城南路12号" and "占用城市道路摆摊" in case.data["cause"]
        assert [e.type for e in history.events(s, lead_id)] == ["received", "routed", "dispatched", "accepted"]
        assert history.verify(s, lead_id) is None


def test_matter_not_delegated_goes_to_county_unit(intake):
    lead_id = _create(intake, "城南路上有一辆私家车长期在客运南站拉客，非法营运黑车", "客运南站")
    lead = _lead(intake, lead_id)
    assert lead.matter_code == "JT001" and lead.status == leads.DISPATCHED and lead.unit_id == "bureau"


def test_unknown_place_waits_for_dispatcher(intake):
    lead_id = _create(intake, "有人在路边占道经营摆摊卖菜", "某某路口")
    lead = _lead(intake, lead_id)
    assert lead.status == leads.WAITING and lead.wait_reason == "place_unknown" and lead.unit_id is None


def test_road_in_two_townships_is_ambiguous(intake):
    lead_id = _create(intake, "人民路有流动摊贩占道经营", "人民路")
    assert _lead(intake, lead_id).wait_reason == "place_ambiguous"


def test_return_reaches_dispatcher_and_is_rerouted_never_silently_back(intake, actor):
    lead_id = _create(intake, "南湖路烧烤店油烟很大，熏得楼上住户不能开窗", "南湖路8号")
    assert _lead(intake, lead_id).unit_id == "chengnan"
    with transaction(intake) as s:
        handling.return_lead(s, actor("cn_leader"), lead_id, "该店位于城北街道辖区，非本街道管辖")
    lead = _lead(intake, lead_id)
    assert lead.status == leads.WAITING and lead.wait_reason == "returned" and lead.returned_by == ["chengnan"]
    assert lead.verify_state == "stopped"
    dispatcher = actor("dispatcher")
    with transaction(intake) as s:
        assert lead_id in [x.id for x in handling.queue(s, dispatcher)]
        with pytest.raises(ValidationFailed) as err:
            leads.dispatch(s, dispatcher, lead_id, "SR024", "chengnan")
        assert "note" in err.value.errors
    with transaction(intake) as s:
        leads.dispatch(s, dispatcher, lead_id, "SR024", "chengbei")
    lead = _lead(intake, lead_id)
    assert lead.status == leads.DISPATCHED and lead.unit_id == "chengbei"
    leader = actor("cn_leader")
    with intake() as s:  # 城南 still sees the lead it returned, read-only
        assert handling.get(s, leader, lead_id).id == lead_id
        with pytest.raises(Forbidden):
            handling.close(s, leader, lead_id, "不成立")
        assert history.verify(s, lead_id) is None


def test_close_and_extend_rules(intake, actor):
    lead_id = _create(intake, "城南路店外经营，桌椅摆到人行道上", "城南路20号")
    leader, head = actor("cn_leader"), actor("cn_head")
    with transaction(intake) as s:
        with pytest.raises(Forbidden):
            handling.extend(s, leader, lead_id, "需要进一步核查")
    with transaction(intake) as s:
        handling.extend(s, head, lead_id, "当事人外出，需延长核查")
    with transaction(intake) as s:
        with pytest.raises(Conflict):
            handling.extend(s, head, lead_id, "再次延长")
    with transaction(intake) as s:
        with pytest.raises(ValidationFailed):
            handling.close(s, leader, lead_id, " ")
    with transaction(intake) as s:
        handling.close(s, leader, lead_id, "现场核查未发现店外经营")
    lead = _lead(intake, lead_id)
    assert lead.status == leads.CLOSED and lead.verify_extension == 15 and lead.verify_state == "met"


def test_duplicates_are_linked(intake):
    first = _create(intake, "城南农贸市场门口有人摆摊占道经营", "城南农贸市场")
    second = _create(intake, "城南菜市场门口又有小贩占道摆卖", "城南农贸市场")
    assert _lead(intake, second).duplicate_of_id == first


@pytest.mark.parametrize("payload, field", [
    ({"text": "", "place": "城南路"}, "text"),
    ({"text": "占" * 1_000_000, "place": "城南路"}, "text"),
    ({"text": "有人占道经营", "place": "四川省成都市武侯区人民南路"}, "place"),
    ({"text": "有人占道经营", "place": {"text": "城南路", "lat": 39.9, "lng": 116.4}}, "place"),
    ({"text": "有人占道经营", "place": ""}, "place.text"),
])
def test_bad_input_is_refused_and_nothing_stored(intake, payload, field):
    with transaction(intake) as s:
        with pytest.raises(ValidationFailed) as err:
            leads.create(s, "hotline_12345", payload)
    assert field in err.value.errors
    with intake() as s:
        assert s.scalars(select(Lead)).all() == []
