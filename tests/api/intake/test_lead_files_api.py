"""Photos on leads: sent by the channel and the dispatcher, read only by those who see the lead, recorded in the
lead's history, carried with their hashes into the case file when the unit opens a case; refusals store nothing."""
import io
from datetime import datetime, timezone

from PIL import Image
from sqlalchemy import func, select

from engine import clock
from engine.models import Attachment, LeadEvent

STALL = "市民来电反映：城南路12号门口有人占道经营卖水果，堵住人行道，行人只能走机动车道。"


def jpeg(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def upload(client, headers, lead_id, content, filename="现场照片.jpg", where="leads"):
    return client.post(f"/api/v1/{where}/{lead_id}/attachments?filename={filename}", data=content,
                       headers={**headers, "Content-Type": "application/octet-stream"})


def counts(sessions):
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(Attachment)),
                s.scalar(select(func.count()).select_from(LeadEvent)))


def test_lead_photos_from_channel_and_dispatcher_are_scoped_and_carried_into_the_case(client, auth, channel_key,
                                                                                      sessions):
    key = channel_key("hotline_12345")
    lead_id = client.post("/api/v1/channel/leads", headers=key, json={"text": STALL, "place": "城南路12号"}).json["id"]
    r = upload(client, key, lead_id, jpeg(), where="channel/leads")
    assert r.status_code == 201, r.json
    assert r.json["owner_kind"] == "lead" and r.json["case_id"] is None and r.json["has_thumbnail"] is True
    photo = r.json["id"]
    r = client.post(f"/api/v1/leads/{lead_id}/attachments", headers=auth("dispatcher"),
                    data={"file": (io.BytesIO(jpeg((20, 90, 200))), "占道全景.jpg"), "note": "12345 转来的照片"},
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json

    listed = client.get(f"/api/v1/leads/{lead_id}/attachments", headers=auth("cn_leader")).json
    assert [a["filename"] for a in listed] == ["现场照片.jpg", "占道全景.jpg"]
    assert client.get(f"/api/v1/attachments/{photo}/content", headers=auth("cn_officer1")).status_code == 200
    assert client.get(f"/api/v1/attachments/{photo}/thumbnail", headers=auth("cn_leader")).status_code == 200
    for outsider in ("cb_leader", "sq1_leader"):
        assert client.get(f"/api/v1/attachments/{photo}/content", headers=auth(outsider)).status_code == 404
        assert client.get(f"/api/v1/leads/{lead_id}/attachments", headers=auth(outsider)).status_code == 404
        assert upload(client, auth(outsider), lead_id, jpeg()).status_code == 404
    events = client.get(f"/api/v1/leads/{lead_id}/events", headers=auth("cn_leader")).json
    added = [e for e in events if e["type"] == "attachment_added"]
    assert [e["data"]["filename"] for e in added] == ["现场照片.jpg", "占道全景.jpg"]
    assert added[0]["data"]["sha256"] == listed[0]["sha256"]

    r = client.post(f"/api/v1/leads/{lead_id}/accept", headers=auth("cn_leader"), json={"procedure": "simple_procedure"})
    assert r.status_code == 200, r.json
    case_id = r.json["case_id"]
    files = client.get(f"/api/v1/cases/{case_id}/attachments", headers=auth("cn_officer1")).json
    assert [(f["filename"], f["source"], f["sha256"]) for f in files] == [
        (a["filename"], "lead", a["sha256"]) for a in listed]
    assert all(f["event_seq"] for f in files) and "来自线索" in files[0]["note"]
    assert client.get(f"/api/v1/attachments/{files[0]['id']}/content", headers=auth("cn_officer2")).status_code == 200
    verdict = client.get(f"/api/v1/cases/{case_id}/events/verify", headers=auth("cn_leader")).json
    assert verdict["intact"] is True, verdict

    # a finished lead takes no more files; the channel's key cannot reach another channel's lead
    before = counts(sessions)
    r = upload(client, key, lead_id, jpeg(), where="channel/leads")
    assert r.status_code == 409 and r.mimetype == "application/problem+json"
    other = client.post("/api/v1/leads", headers=auth("dispatcher"), json={
        "channel": "complaint", "text": "南湖路一家烧烤店油烟很大，熏得楼上住户不能开窗", "place": "南湖路8号"}).json["id"]
    assert upload(client, key, other, jpeg(), where="channel/leads").status_code == 404
    assert upload(client, {"X-Channel-Key": "zl_nope"}, other, jpeg(), where="channel/leads").status_code == 401
    assert counts(sessions)[0] == before[0]


def test_bad_lead_uploads_store_nothing(client, auth, sessions):
    d = auth("dispatcher")
    lead_id = client.post("/api/v1/leads", headers=d, json={
        "channel": "complaint", "text": STALL, "place": "城南路12号"}).json["id"]
    before = counts(sessions)
    elf = b"\x7fELF\x02\x01\x01" + b"\0" * 200
    for content, name, status in ((elf, "photo.jpg", 415), (b"", "a.jpg", 422), (jpeg(), "../x.jpg", 422)):
        r = upload(client, d, lead_id, content, filename=name)
        assert r.status_code == status and r.mimetype == "application/problem+json", (name, r.json)
    assert upload(client, auth("auditor"), lead_id, jpeg()).status_code == 403
    assert counts(sessions) == before


def test_lead_clock_on_the_supervision_board_and_urged_through_the_api(client, auth, sessions):
    clock.freeze(datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc))
    lead_id = client.post("/api/v1/leads", headers=auth("dispatcher"), json={
        "channel": "complaint", "text": STALL, "place": "城南路12号"}).json["id"]
    clock.freeze(datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc))
    from engine.deadlines import sweeps
    sweeps.run_all(sessions)
    board = client.get("/api/v1/supervision/clocks?colour=red", headers=auth("supervisor"))
    assert board.status_code == 200, board.json
    rows = [c for c in board.json if c["kind"] == "lead"]
    assert [(c["lead_id"], c["id"], c["case_id"]) for c in rows] == [(lead_id, None, None)]
    assert rows[0]["unit_id"] == "chengnan" and rows[0]["remaining_workdays"] < 0
    assert [c for c in client.get("/api/v1/supervision/clocks?colour=red", headers=auth("cb_leader")).json
            if c["kind"] == "lead"] == []
    r = client.post(f"/api/v1/leads/{lead_id}/supervise", headers=auth("cn_head"), json={})
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    r = client.post(f"/api/v1/leads/{lead_id}/urge", headers=auth("cb_head"), json={})
    assert r.status_code == 404
    r = client.post(f"/api/v1/leads/{lead_id}/supervise", headers=auth("supervisor"),
                    json={"note": "请两日内报告", "finish_by": "2026-11-27"})
    assert r.status_code == 200, r.json
    assert r.json["step"] == "supervise" and r.json["finish_by"] == "2026-11-27" and r.json["recipients"]
    lead = client.get(f"/api/v1/leads/{lead_id}", headers=auth("cn_leader")).json
    assert lead["verification"]["escalation"] == "supervise"
