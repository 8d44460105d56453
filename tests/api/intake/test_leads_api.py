"""From lead to case through the API: channels, dispatcher, receiving units, refusals."""
import pytest

STALL = "市民来电反映：城南路12号门口有人占道经营卖水果，堵住人行道，行人只能走机动车道。"


def _count(client, auth, status):
    return len(client.get(f"/api/v1/leads?status={status}", headers=auth("dispatcher")).json)


def _all(client, auth):
    return sum(_count(client, auth, s) for s in ("waiting", "dispatched", "accepted", "closed"))


def test_hotline_lead_about_stall_in_chengnan_becomes_simple_case(client, auth, channel_key):
    key = channel_key("hotline_12345")
    r = client.post("/api/v1/channel/leads", headers=key, json={
        "text": STALL, "place": "城南路12号", "external_ref": "12345-20261130-001",
        "reporter": {"name": "李女士", "phone": "13800000000"}, "occurred_at": "2026-11-30T08:10:00+08:00"})
    assert r.status_code == 201, r.json
    lead_id = r.json["id"]
    assert r.json["status"] == "dispatched" and r.json["number"].startswith("XS")
    assert "reporter" not in r.json and "unit" not in r.json

    leader = auth("cn_leader")
    inbox = client.get("/api/v1/leads", headers=leader).json
    assert [x["id"] for x in inbox] == [lead_id]
    assert inbox[0]["reporter"] is None, "the reporter is protected: dispatchers only"
    assert inbox[0]["verification"]["colour"] == "green" and inbox[0]["verification"]["remaining_workdays"] == 15
    assert inbox[0]["matter"]["code"] == "SR001" and "城市道路管理条例" in inbox[0]["matter"]["legal_basis"]
    assert client.get(f"/api/v1/leads/{lead_id}", headers=auth("dispatcher")).json["reporter"]["name"] == "李女士"
    assert client.get(f"/api/v1/leads/{lead_id}", headers=auth("cb_leader")).status_code == 404

    r = client.post(f"/api/v1/leads/{lead_id}/accept", headers=leader, json={"procedure": "simple_procedure"})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "accepted" and r.json["case_number"].startswith("城南街道综执罚")
    case = client.get(f"/api/v1/cases/{r.json['case_id']}", headers=auth("cn_officer1")).json
    assert "process" in case, case
    assert case["process"]["key"] == "simple_procedure" and case["data"]["place"] == "城南路12号"
    assert case["data"]["facts"].startswith(STALL), "the lead's text becomes the facts the officer confirms"
    status = client.get(f"/api/v1/channel/leads/{lead_id}", headers=key).json
    assert status["status"] == "accepted" and status["case_number"] == r.json["case_number"]
    events = client.get(f"/api/v1/leads/{lead_id}/events", headers=leader).json
    assert [e["type"] for e in events] == ["received", "routed", "dispatched", "accepted"]
    assert client.get(f"/api/v1/leads/{lead_id}/events/verify", headers=leader).json["intact"] is True

    # the case page links back to the lead it came from (web session of the township's leader)
    client.get("/login")
    with client.session_transaction() as s:
        csrf = s.get("web_csrf")
    assert client.post("/login", data={"username": "cn_leader", "password": "zhifa-demo",
                                       "csrf_token": csrf}).status_code == 302
    page = client.get(f"/cases/{r.json['case_id']}").get_data(as_text=True)
    assert "本案来自线索" in page and f'href="/intake/leads/{lead_id}"' in page and status["number"] in page


def test_not_delegated_matter_goes_to_county_bureau_and_its_squad_opens_the_case(client, auth, channel_key):
    r = client.post("/api/v1/channel/leads", headers=channel_key("grid"), json={
        "text": "客运南站门口每天有黑车非法营运拉客", "place": "客运南站"})
    lead = client.get(f"/api/v1/leads/{r.json['id']}", headers=auth("dispatcher")).json
    assert lead["unit"] == "bureau" and lead["status"] == "dispatched"
    assert client.get("/api/v1/leads", headers=auth("cn_leader")).json == []
    r = client.post(f"/api/v1/leads/{lead['id']}/accept", headers=auth("sq1_leader"),
                    json={"procedure": "ordinary_procedure"})
    assert r.status_code == 200, r.json
    assert r.json["case_number"].startswith("县综执一罚")


def test_return_reaches_dispatcher_and_is_rerouted(client, auth):
    d = auth("dispatcher")
    r = client.post("/api/v1/leads", headers=d, json={
        "channel": "complaint", "text": "南湖路一家烧烤店油烟很大，熏得楼上住户不能开窗", "place": "南湖路8号"})
    assert r.status_code == 201 and r.json["unit"] == "chengnan"
    lead_id = r.json["id"]
    r = client.post(f"/api/v1/leads/{lead_id}/return", headers=auth("cn_leader"), json={"reason": "x"})
    assert r.status_code == 422 and "reason" in r.json["errors"]
    r = client.post(f"/api/v1/leads/{lead_id}/return", headers=auth("cn_leader"),
                    json={"reason": "该店实际位于城北街道滨河路，非本街道辖区"})
    assert r.status_code == 200 and r.json["status"] == "waiting" and r.json["returned_by"] == ["chengnan"]
    waiting = client.get("/api/v1/leads?status=waiting", headers=d).json
    assert [(x["id"], x["outcome_reason"]) for x in waiting] == [(lead_id, "该店实际位于城北街道滨河路，非本街道辖区")]
    r = client.post(f"/api/v1/leads/{lead_id}/dispatch", headers=d, json={"matter": "SR024", "unit": "chengnan"})
    assert r.status_code == 422 and "note" in r.json["errors"]
    r = client.post(f"/api/v1/leads/{lead_id}/dispatch", headers=d, json={"matter": "SR024", "unit": "chengbei"})
    assert r.status_code == 200 and r.json["unit"] == "chengbei"
    assert [x["id"] for x in client.get("/api/v1/leads", headers=auth("cb_leader")).json] == [lead_id]
    stats = {s["unit"]: s for s in client.get("/api/v1/intake/supervision", headers=auth("supervisor")).json}
    assert stats["chengnan"]["returned"] == 1 and stats["chengbei"]["received"] == 1
    assert stats["chengbei"]["open"] == 1


def test_unknown_place_waits_for_dispatcher(client, auth, channel_key):
    r = client.post("/api/v1/channel/leads", headers=channel_key("hotline_12345"),
                    json={"text": "有人在路口摆摊占道经营", "place": "花园路口"})
    assert r.status_code == 201 and r.json["status"] == "waiting"
    lead = client.get("/api/v1/leads?status=waiting", headers=auth("dispatcher")).json[0]
    assert lead["wait_reason"] == "place_unknown" and lead["candidates"][0]["code"] == "SR001"


@pytest.mark.parametrize("body, field", [
    ({"text": "", "place": "城南路"}, "text"),
    ({"text": "占道" * 500_000, "place": "城南路"}, "text"),
    ({"text": "城南路有人占道经营", "place": "四川省成都市武侯区人民南路四段"}, "place"),
    ({"text": "城南路有人占道经营", "place": {"text": "城南路", "lat": 39.91, "lng": 116.40}}, "place"),
    ({"text": "城南路有人占道经营", "place": "城南路", "occurred_at": "yesterday"}, "occurred_at"),
])
def test_bad_input_precise_4xx_nothing_stored(client, auth, channel_key, body, field):
    r = client.post("/api/v1/channel/leads", headers=channel_key("hotline_12345"), json=body)
    assert r.status_code in (413, 422), r.status_code
    assert r.headers["Content-Type"].startswith("application/problem+json")
    if r.status_code == 422:
        assert field in r.json["errors"] and any("\u4e00" <= ch <= "\u9fff" for ch in r.json["detail"])
    assert _all(client, auth) == 0


def test_unknown_channel_key_and_reading_other_channels_leads(client, auth, channel_key):
    r = client.post("/api/v1/channel/leads", headers={"X-Channel-Key": "zl_forged"},
                    json={"text": STALL, "place": "城南路12号"})
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json")
    assert client.post("/api/v1/channel/leads", json={"text": STALL, "place": "城南路12号"}).status_code == 401
    assert _all(client, auth) == 0
    grid = channel_key("grid")
    hotline = channel_key("hotline_12345")
    lead_id = client.post("/api/v1/channel/leads", headers=grid, json={"text": STALL, "place": "城南路12号"}).json["id"]
    assert client.get(f"/api/v1/channel/leads/{lead_id}", headers=grid).status_code == 200
    assert client.get(f"/api/v1/channel/leads/{lead_id}", headers=hotline).status_code == 404
    assert client.get(f"/api/v1/leads/{lead_id}", headers=hotline).status_code == 401
    # a staff endpoint does not accept a channel key, a channel key cannot dispatch
    assert client.post(f"/api/v1/leads/{lead_id}/close", headers=grid, json={"reason": "不成立"}).status_code == 401


def test_dispatcher_only_and_unknown_channel(client, auth):
    r = client.post("/api/v1/leads", headers=auth("cn_officer1"),
                    json={"channel": "complaint", "text": STALL, "place": "城南路12号"})
    assert r.status_code == 403
    r = client.post("/api/v1/leads", headers=auth("dispatcher"),
                    json={"channel": "nope", "text": STALL, "place": "城南路12号"})
    assert r.status_code == 422 and "channel" in r.json["errors"]
    assert _all(client, auth) == 0


def test_catalogue_import_edit_versions(client, auth):
    csv = ("code,name,field,legal_basis,keywords,synonyms,levels,delegated,county_unit,procedure\n"
           "T001,测试事项,市容环卫,某条例第一条,测试关键词,同义,township|county,是,,simple_procedure\n").encode()
    r = client.post("/api/v1/intake/catalogue", headers=auth("cn_officer1"),
                    data={"file": (__import__("io").BytesIO(csv), "c.csv")})
    assert r.status_code == 403
    bad = csv.replace(b"township|county,\xe6\x98\xaf", b"county,\xe6\x98\xaf")
    r = client.post("/api/v1/intake/catalogue", headers=auth("admin"),
                    data={"file": (__import__("io").BytesIO(bad), "c.csv")})
    assert r.status_code == 422 and "row1.delegated" in r.json["errors"]
    before = client.get("/api/v1/intake/catalogue", headers=auth("dispatcher")).json
    assert before["matter_count"] == 97
    r = client.put("/api/v1/intake/catalogue/matters/SR001", headers=auth("admin"),
                   json={"synonyms": ["摆摊", "练摊"], "note": "加同义词"})
    assert r.status_code == 200 and r.json["version"] > before["version"]
    assert len(client.get("/api/v1/intake/catalogue/versions", headers=auth("admin")).json) == 2
