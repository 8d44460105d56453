"""Evidence attachments over HTTP: upload (raw and multipart), scope, refusals, hashes in the case log."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from engine import blobs
from engine.models import Attachment, CaseEvent


def jpeg(size=(800, 600), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


ELF = b"\x7fELF\x02\x01\x01" + b"\0" * 200


def stored_files() -> list[str]:
    root = blobs.root()
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()
                  and not p.relative_to(root).parts[0] == "thumbs")


def counts(sessions, case_id):
    with sessions() as s:
        return (s.scalar(select(func.count()).select_from(Attachment)),
                s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)))


def upload(client, headers, where, content, filename="现场照片.jpg", **params):
    q = "&".join(f"{k}={v}" for k, v in dict(filename=filename, **params).items())
    return client.post(f"/api/v1/{where}/attachments?{q}", data=content,
                       headers={**headers, "Content-Type": "application/octet-stream"})


@pytest.fixture
def open_task(start, client, auth):
    case = start("cn_officer1", "chengnan")
    return case, case["tasks"][0]["id"]


def test_upload_to_task_records_hash_thumbnail_and_download(client, auth, open_task, sessions):
    case, tid = open_task
    h = auth("cn_officer1")
    photo = jpeg()
    r = upload(client, h, f"tasks/{tid}", photo, note="东侧摊位")
    assert r.status_code == 201, r.json
    body = r.json
    assert body["sha256"] == hashlib.sha256(photo).hexdigest() and body["size"] == len(photo)
    assert (body["media_type"], body["category"], body["filename"]) == ("image/jpeg", "image", "现场照片.jpg")
    assert body["owner_kind"] == "task" and body["task_id"] == tid and body["case_id"] == case["id"]
    assert body["has_thumbnail"] and body["note"] == "东侧摊位"
    # the hash is in the case's hash-chained log
    events = client.get(f"/api/v1/cases/{case['id']}/events", headers=h).json
    added = [e for e in events if e["type"] == "attachment_added"]
    assert [e["data"]["sha256"] for e in added] == [body["sha256"]] and added[0]["seq"] == body["event_seq"]
    # download within scope: the same bytes; thumbnail is a small JPEG
    got = client.get(body["url"], headers=h)
    assert got.status_code == 200 and got.data == photo and got.mimetype == "image/jpeg"
    assert "attachment" in got.headers["Content-Disposition"]
    thumb = client.get(body["thumbnail_url"], headers=h)
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) <= 480
    # listed on the task and on the case
    assert [a["id"] for a in client.get(f"/api/v1/tasks/{tid}/attachments", headers=h).json] == [body["id"]]
    assert [a["id"] for a in client.get(f"/api/v1/cases/{case['id']}/attachments", headers=h).json] == [body["id"]]
    # another unit's officer: 404 everywhere
    other = auth("cb_officer1")
    assert client.get(body["url"], headers=other).status_code == 404
    assert client.get(f"/api/v1/attachments/{body['id']}", headers=other).status_code == 404
    assert client.get(f"/api/v1/cases/{case['id']}/attachments", headers=other).status_code == 404
    # the supervisor oversees the unit and may read it
    assert client.get(body["url"], headers=auth("supervisor")).status_code == 200


def test_changed_file_on_disk_is_detected_by_verification(client, auth, open_task):
    case, tid = open_task
    h = auth("cn_officer1")
    body = upload(client, h, f"tasks/{tid}", jpeg(colour=(1, 2, 3))).json
    verify = client.get(f"/api/v1/cases/{case['id']}/events/verify", headers=h).json
    assert verify["intact"] is True
    path = blobs.object_path(body["sha256"])
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    verify = client.get(f"/api/v1/cases/{case['id']}/events/verify", headers=h).json
    assert verify == {"intact": False, "first_altered_seq": body["event_seq"], "events": verify["events"]}


def test_multipart_upload_to_case_and_correction_as_new_version(client, auth, open_task, sessions):
    case, _tid = open_task
    h = auth("cn_officer2")  # same unit, not the task's assignee: the case is the unit's
    r = client.post(f"/api/v1/cases/{case['id']}/attachments", headers=h, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(pdf()), "询问笔录扫描件.pdf"), "note": "第一版"})
    assert r.status_code == 201, r.json
    first = r.json
    assert (first["owner_kind"], first["category"], first["task_id"]) == ("case", "pdf", None)
    fixed = pdf().replace(b"1.4", b"1.7")
    r = upload(client, h, f"cases/{case['id']}", fixed, filename="询问笔录扫描件.pdf", replaces=first["id"])
    assert r.status_code == 201 and r.json["replaces_id"] == first["id"]
    listed = client.get(f"/api/v1/cases/{case['id']}/attachments", headers=h).json
    assert [a["id"] for a in listed] == [first["id"], r.json["id"]]  # nothing overwritten
    assert client.get(first["url"], headers=h).data == pdf()
    # the same content twice is stored once on disk but recorded twice
    again = upload(client, h, f"cases/{case['id']}", fixed, filename="副本.pdf")
    assert again.status_code == 201 and again.json["sha256"] == r.json["sha256"]


def test_office_files_are_looked_into(client, auth, open_task):
    import zipfile
    case, tid = open_task
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    r = upload(client, auth("cn_officer1"), f"tasks/{tid}", out.getvalue(), filename="现场情况说明.docx")
    assert r.status_code == 201 and r.json["category"] == "office" and r.json["media_type"].endswith("document")
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as z:
        z.writestr("payload.exe", ELF)
    r = upload(client, auth("cn_officer1"), f"tasks/{tid}", plain_zip.getvalue(), filename="x.docx")
    assert r.status_code == 415


BAD = [
    ("empty", b"", "a.jpg", {}, 422, "file"),
    ("executable renamed .jpg", ELF, "photo.jpg", {}, 415, None),
    ("path in the name", None, "../../etc/passwd.jpg", {}, 422, "filename"),
    ("backslash path", None, "..\\x.jpg", {}, 422, "filename"),
    ("no name", None, "", {}, 422, "filename"),
    ("bad replaces", None, "a.jpg", {"replaces": "abc"}, 422, "replaces"),
]


@pytest.mark.parametrize("label,content,filename,params,status,field", BAD, ids=[b[0] for b in BAD])
def test_bad_uploads_store_nothing(client, auth, open_task, sessions, label, content, filename, params, status,
                                   field):
    case, tid = open_task
    before, files = counts(sessions, case["id"]), stored_files()
    r = upload(client, auth("cn_officer1"), f"tasks/{tid}", jpeg() if content is None else content,
               filename=filename, **params)
    assert r.status_code == status, r.json
    assert r.mimetype == "application/problem+json"
    if field:
        assert field in r.json["errors"]
    assert counts(sessions, case["id"]) == before and stored_files() == files


def test_nul_in_filename_is_refused(client, auth, open_task, sessions):
    case, tid = open_task
    before = counts(sessions, case["id"])
    r = upload(client, auth("cn_officer1"), f"tasks/{tid}", jpeg(), filename="a%00.jpg")
    assert r.status_code == 422 and counts(sessions, case["id"]) == before


def test_size_limits_per_type(client, auth, open_task, sessions, monkeypatch):
    case, tid = open_task
    monkeypatch.setenv("ZHIFA_UPLOAD_LIMITS", "image=0.5,pdf=2")
    before, files = counts(sessions, case["id"]), stored_files()
    big_photo = jpeg() + b"\0" * (600 * 1024)  # JPEG signature, 0.6 MB
    r = upload(client, auth("cn_officer1"), f"tasks/{tid}", big_photo)
    assert r.status_code == 413 and r.json["detail"] == "照片不得超过 0.5 MB"
    assert r.json["limit_bytes"] == 512 * 1024
    # the same size as a PDF is within the PDF limit
    r = upload(client, auth("cn_officer1"), f"tasks/{tid}", pdf() + os.urandom(600 * 1024), filename="a.pdf")
    assert r.status_code == 201
    assert counts(sessions, case["id"])[0] == before[0] + 1 and len(stored_files()) == len(files) + 1
    # English for an API client that asks for it
    r = upload(client, {**auth("cn_officer1"), "Accept-Language": "en-GB,en;q=0.9"}, f"tasks/{tid}", big_photo)
    assert r.status_code == 413 and r.json["detail"] == "image files may be at most 0.5 MB"


def test_upload_refused_outside_scope_after_completion_and_for_auditors(client, auth, open_task, sessions):
    case, tid = open_task
    before, files = counts(sessions, case["id"]), stored_files()
    assert upload(client, auth("cb_officer1"), f"tasks/{tid}", jpeg()).status_code == 404
    assert upload(client, auth("cb_officer1"), f"cases/{case['id']}", jpeg()).status_code == 404
    assert upload(client, auth("auditor"), f"tasks/{tid}", jpeg()).status_code == 403
    assert upload(client, auth("cn_leader"), f"tasks/{tid}", jpeg()).status_code == 403  # not the task's role
    h = auth("cn_officer1")
    assert client.post(f"/api/v1/tasks/{tid}/claim", headers=h).status_code == 200
    assert upload(client, auth("cn_officer2"), f"tasks/{tid}", jpeg()).status_code == 403  # claimed by another
    done = client.post(f"/api/v1/tasks/{tid}/complete", json={"data": {"decision": "ok"}}, headers=h)
    assert done.status_code == 200 and done.json["case_state"] == "completed"
    late = upload(client, h, f"tasks/{tid}", jpeg())
    assert late.status_code == 409 and "已办结" in late.json["detail"]
    assert upload(client, h, f"cases/{case['id']}", jpeg()).status_code == 409  # closed case
    assert upload(client, h, "tasks/no-such-task", jpeg()).status_code == 404
    assert counts(sessions, case["id"])[0] == before[0] and stored_files() == files
