"""Intake pages without a browser: channel keys (add, issue once, last use, revoke), editing one matter (a new
catalogue version; errors keep everything unchanged), lead photos on the page and on the new-lead form, lead
clocks on the supervision page."""
import io
import re
from datetime import datetime, timezone

from PIL import Image
from sqlalchemy import func, select

from engine import clock
from engine.models import Attachment, CatalogueVersion, Lead

STALL = "市民来电反映：城南路12号门口有人占道经营卖水果，堵住人行道，行人只能走机动车道。"


def login(client, username):
    with client.session_transaction() as s:
        s.clear()
    client.get("/login")
    with client.session_transaction() as s:
        csrf = s.get("web_csrf")
    r = client.post("/login", data={"username": username, "password": "zhifa-demo", "csrf_token": csrf})
    assert r.status_code == 302
    client.get("/intake")  # a page issues the form token of the new session
    with client.session_transaction() as s:
        return s["web_csrf"]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 160, 60)).save(out, "JPEG")
    return out.getvalue()


def test_admin_adds_a_channel_issues_and_revokes_its_key(client):
    csrf = login(client, "admin")
    page = client.get("/intake/channels")
    assert page.status_code == 200 and "12345热线" in page.get_data(as_text=True)
    r = client.post("/intake/channels", data={"csrf_token": csrf, "id": "Bad Id", "name": "城市大脑"})
    assert r.status_code == 422 and "小写字母" in r.get_data(as_text=True)
    r = client.post("/intake/channels", data={"csrf_token": csrf, "id": "camera_city", "name": "城市大脑视频事件"})
    assert r.status_code == 302
    r = client.post("/intake/channels", data={"csrf_token": csrf, "id": "camera_city", "name": "重复"})
    assert r.status_code == 409
    r = client.post("/intake/channels/camera_city/key", data={"csrf_token": csrf})
    html = r.get_data(as_text=True)
    key = re.search(r'value="(zl_camera_city_[^"]+)"', html).group(1)
    assert r.status_code == 200 and "只显示这一次" in html
    assert key not in client.get("/intake/channels").get_data(as_text=True), "the key is shown once"
    sent = client.post("/api/v1/channel/leads", headers={"X-Channel-Key": key},
                       json={"text": STALL, "place": "城南路12号"})
    assert sent.status_code == 201, sent.json
    card = client.get("/intake/channels").get_data(as_text=True)
    card = card[card.index('data-channel="camera_city"'):]
    assert "从未使用" not in card[:card.index("</article>")]
    assert client.post("/intake/channels/camera_city/revoke", data={"csrf_token": csrf}).status_code == 302
    again = client.post("/api/v1/channel/leads", headers={"X-Channel-Key": key}, json={"text": STALL, "place": "城南路"})
    assert again.status_code == 401
    login(client, "dispatcher")
    assert client.get("/intake/channels").status_code == 403


def test_admin_edits_one_matter_as_a_new_version(client, sessions):
    csrf = login(client, "admin")
    page = client.get("/intake/catalogue/matters/SR001")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "城市道路管理条例" in html and 'name="keywords"' in html
    with sessions() as s:
        versions = s.scalar(select(func.count()).select_from(CatalogueVersion))
        before = s.scalar(select(func.max(CatalogueVersion.id)))
    form = {"csrf_token": csrf, "name": "占道经营", "field": "市容环卫", "legal_basis": "",
            "keywords": "", "synonyms": "", "levels": ["county", "township"], "delegated": "1",
            "county_unit": "", "procedure": "simple_procedure"}
    bad = client.post("/intake/catalogue/matters/SR001", data=form)
    assert bad.status_code == 422 and "至少一个关键词" in bad.get_data(as_text=True)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CatalogueVersion)) == versions
    form.update(legal_basis="《城市道路管理条例》第二十七条、第四十二条", keywords="占道经营、摆摊、流动摊贩",
                synonyms="马路市场", delegated="", levels=["county"], county_unit="bureau_squad1",
                note="改由直属一中队办理")
    ok = client.post("/intake/catalogue/matters/SR001", data=form)
    assert ok.status_code == 302, ok.get_data(as_text=True)
    api = client.get("/api/v1/intake/catalogue").json
    m = next(x for x in api["matters"] if x["code"] == "SR001")
    assert m["county_unit"] == "bureau_squad1" and m["delegated"] is False and "马路市场" in m["synonyms"]
    assert api["version"] > before
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(CatalogueVersion)) == versions + 1
    assert client.get("/intake/catalogue/matters/NOPE").status_code == 404
    login(client, "dispatcher")
    assert client.get("/intake/catalogue/matters/SR001").status_code == 403


def test_photos_on_the_new_lead_form_and_lead_page_in_scope(client, sessions):
    csrf = login(client, "dispatcher")
    r = client.post("/intake/leads", content_type="multipart/form-data", data={
        "csrf_token": csrf, "channel": "complaint", "text": STALL, "place": "城南路12号",
        "photos": [(io.BytesIO(jpeg()), "现场1.jpg"), (io.BytesIO(jpeg()), "现场2.jpg")]})
    assert r.status_code == 302, r.get_data(as_text=True)
    with sessions() as s:
        lead = s.scalar(select(Lead).order_by(Lead.id.desc()))
        assert s.scalar(select(func.count()).select_from(Attachment).where(
            Attachment.owner_kind == "lead", Attachment.owner_id == str(lead.id))) == 2
    bad = client.post("/intake/leads", content_type="multipart/form-data", data={
        "csrf_token": csrf, "channel": "complaint", "text": STALL, "place": "城南路12号",
        "photos": [(io.BytesIO(b"\x7fELF\x02\x01\x01" + b"\0" * 200), "x.jpg")]})
    assert bad.status_code == 415
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Lead)) == 1, "a refused photo stores no lead"
    login(client, "cn_officer1")
    html = client.get(f"/intake/leads/{lead.id}").get_data(as_text=True)
    assert "现场1.jpg" in html and "/thumbnail" in html and "upload.js" in html
    login(client, "cb_leader")
    assert client.get(f"/intake/leads/{lead.id}").status_code == 404


def test_lead_clock_on_the_supervision_page_with_urging(client, sessions):
    clock.freeze(datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc))
    csrf = login(client, "dispatcher")
    client.post("/intake/leads", data={"csrf_token": csrf, "channel": "complaint", "text": STALL,
                                       "place": "城南路12号"})
    with sessions() as s:
        lead = s.scalar(select(Lead).order_by(Lead.id.desc()))
    clock.freeze(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))
    from engine.deadlines import sweeps
    sweeps.run_all(sessions)
    csrf = login(client, "supervisor")
    html = client.get("/supervision").get_data(as_text=True)
    assert f'data-lead="{lead.id}"' in html and lead.number in html
    r = client.post(f"/intake/leads/{lead.id}/supervise", data={"csrf_token": csrf, "reason": "请报告",
                                                               "back": "supervision"})
    assert r.status_code == 302 and r.headers["Location"].startswith("/supervision")
    page = client.get(f"/intake/leads/{lead.id}").get_data(as_text=True)
    assert "督办单" in page
    csrf = login(client, "cn_leader")
    inbox = client.get("/notifications").get_data(as_text=True)
    assert "打开线索" in inbox and lead.number in inbox
    from engine.models import Notification, User
    with sessions() as s:
        me = s.scalar(select(User.id).where(User.username == "cn_leader"))
        note = s.scalar(select(Notification).where(Notification.kind == "supervise", Notification.user_id == me))
    r = client.post(f"/notifications/{note.id}/read", data={"csrf_token": csrf, "open": "1"})
    assert r.headers["Location"].endswith(f"/intake/leads/{lead.id}")


def test_admin_imports_places_and_a_lead_there_is_routed(client, auth, sessions):
    from engine.models import Place
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(Place))
    bad = "name,kind,unit,aliases\n滨江花园,community,bureau,\n,road,chengbei,\n"
    r = client.post("/api/v1/intake/places", headers=auth("admin"), content_type="multipart/form-data",
                    data={"file": (io.BytesIO(bad.encode()), "places.csv")})
    assert r.status_code == 422 and "row1.unit" in r.json["errors"] and "row2.name" in r.json["errors"]
    assert client.post("/api/v1/intake/places", headers=auth("dispatcher"), content_type="multipart/form-data",
                       data={"file": (io.BytesIO(b"name,kind,unit,aliases\n"), "p.csv")}).status_code == 403
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Place)) == before
    csrf = login(client, "admin")
    good = "name,kind,unit,aliases\n滨江花园,community,chengbei,滨江花园小区|滨江苑\n城北网格07,grid,chengbei,\n"
    r = client.post("/intake/places", data={"csrf_token": csrf, "file": (io.BytesIO(good.encode()), "places.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 302
    page = client.get("/intake/places").get_data(as_text=True)
    assert "滨江花园" in page and "网格" in page
    names = {p["name"]: p for p in client.get("/api/v1/intake/places", headers=auth("dispatcher")).json}
    assert names["滨江苑" if "滨江苑" in names else "滨江花园"]["unit"] == "chengbei"
    lead = client.post("/api/v1/leads", headers=auth("dispatcher"), json={
        "channel": "complaint", "text": "小区门口有人占道经营摆摊卖菜，堵住出入口", "place": "滨江苑3栋门口"}).json
    assert lead["township"] == "chengbei" and lead["unit"] == "chengbei", lead
