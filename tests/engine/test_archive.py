"""Case-file export: the ZIP verifies offline; one changed byte anywhere is caught and named."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest

from engine.archive import bundle, pdf, record
from engine.archive.verify import verify_archive
from engine.db import transaction
from engine.deploy import deploy
from engine.events import EventLog
from engine.models import Case
from tests.conftest import DATA
from tests.engine.helpers import complete, only_task, start

EVIDENCE = "现场照片（模拟）".encode("utf-8") + bytes(range(256))


@pytest.fixture
def exported(sessions, actor, tmp_path):
    """A finished loop case with one evidence file recorded in its log, exported as ZIP (+ PDF inside)."""
    with transaction(sessions) as session:
        deploy(session, {"loop.bpmn": (DATA / "loop.bpmn").read_bytes()})
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    complete(sessions, officer, only_task(sessions, case_id).id, {"done": False})
    sha = hashlib.sha256(EVIDENCE).hexdigest()
    with transaction(sessions) as session:
        case = session.get(Case, case_id)
        EventLog(session, case).append("attachment_added", actor_id=officer.user_id, data={
            "sha256": sha, "size": len(EVIDENCE), "filename": "现场照片.jpg", "media_type": "image/jpeg"})
    complete(sessions, officer, only_task(sessions, case_id).id, {"done": True})
    store = {sha: EVIDENCE}
    with sessions() as session:
        rec = record.load(session, session.get(Case, case_id), exported_by="审计员", read_blob=store.get)
        data = bundle.build_zip(rec, pdf.render(rec))
    path = tmp_path / "case.zip"
    path.write_bytes(data)
    return path, rec


def rewrite(path, member: str, change) -> None:
    """Rewrite one member of the ZIP (a tamperer with a ZIP tool: the CRC is recomputed)."""
    with zipfile.ZipFile(path) as src:
        items = [(info.filename, src.read(info)) for info in src.infolist()]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as dst:
        for name, data in items:
            dst.writestr(name, change(data) if name == member else data)
    path.write_bytes(buffer.getvalue())


def flip(data: bytes, at: int = -1) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + (data[at + 1:] if at != -1 else b"")


def test_fresh_export_verifies(exported):
    path, rec = exported
    report = verify_archive(path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.chain_head == rec.chain_head and report.events == len(rec.events)
    assert report.replay == "replay reproduces the stored case"
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        manifest = json.loads(z.read("manifest.json"))
    assert {"manifest.json", "case.json", "events.json", "process/version.json", "process/spec.json",
            "process/loop.bpmn", "case-file.pdf", "files/0009-现场照片.jpg"} <= names or \
        any(n.startswith("files/") and n.endswith("现场照片.jpg") for n in names)
    assert manifest["chain_head"] == rec.chain_head and manifest["verdict_at_export"]["verdict"] == "intact"


def test_changed_attachment_byte_is_named(exported):
    path, _ = exported
    with zipfile.ZipFile(path) as z:
        member = next(n for n in z.namelist() if n.startswith("files/"))
    rewrite(path, member, lambda d: flip(d, 10))
    problems = verify_archive(path).problems
    assert any(p.where == member and "SHA-256 不符" in p.what for p in problems)
    assert any(p.where == member and "记录的 SHA-256 不符" in p.what for p in problems)


def test_changed_event_data_names_the_step(exported):
    path, rec = exported
    completion = next(e for e in rec.events if e["type"] == "task_completed")

    def change(data: bytes) -> bytes:
        evs = json.loads(data)
        evs[completion["seq"] - 1]["data"]["data"]["done"] = True
        return json.dumps(evs, ensure_ascii=False).encode("utf-8")
    rewrite(path, "events.json", change)
    problems = verify_archive(path).problems
    assert any(p.where == "events.json" and "SHA-256 不符" in p.what for p in problems)
    assert any(p.where == f"第 {completion['seq']} 步 (event {completion['seq']})" and "哈希值不符" in p.what
               for p in problems)


def test_changed_bpmn_is_named(exported):
    path, _ = exported
    rewrite(path, "process/loop.bpmn", lambda d: d.replace(b"<bpmn:", b"<bpmn:", 1)[:-2] + b" \n")
    problems = verify_archive(path).problems
    assert any(p.where == "process/loop.bpmn" and "SHA-256 不符" in p.what for p in problems)


def test_rehashed_manifest_still_fails_on_the_chain_and_replay(exported):
    """A tamperer who also recomputes the manifest: the chain (or the replay) still names the step."""
    path, rec = exported
    completion = next(e for e in rec.events if e["type"] == "task_completed")
    with zipfile.ZipFile(path) as z:
        items = {i.filename: z.read(i) for i in z.infolist()}
    evs = json.loads(items["events.json"])
    evs[completion["seq"] - 1]["data"]["data"]["done"] = True
    items["events.json"] = json.dumps(evs, ensure_ascii=False).encode("utf-8")
    manifest = json.loads(items["manifest.json"])
    for m in manifest["members"]:
        m["sha256"] = hashlib.sha256(items[m["path"]]).hexdigest()
        m["size"] = len(items[m["path"]])
    items["manifest.json"] = json.dumps(manifest).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in items.items():
            z.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    problems = verify_archive(path).problems
    assert problems[0].where == f"第 {completion['seq']} 步 (event {completion['seq']})", problems
    assert all(p.where.startswith("第 ") for p in problems), problems   # every member hash matches


def test_added_member_and_garbage(exported, tmp_path):
    path, _ = exported
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("files/extra.txt", b"x")
    assert [p.where for p in verify_archive(path).problems] == ["files/extra.txt"]
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert not verify_archive(junk).ok


def test_pdf_text_has_headings_number_and_chain_head(exported):
    from pypdf import PdfReader
    path, rec = exported
    with zipfile.ZipFile(path) as z:
        reader = PdfReader(io.BytesIO(z.read("case-file.pdf")))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for heading in ("行政执法案件电子卷宗", "案件基本情况", "办理过程记录", "文书与附件清单", "事件记录", "完整性校验"):
        assert heading in text, heading
    assert rec.case["number"] in text and rec.chain_head in text.replace(" ", "")
    assert hashlib.sha256(EVIDENCE).hexdigest() in text.replace(" ", "")


def test_cli_verify_archive_offline(exported, tmp_path):
    """`zhifa verify-archive` in a process with no database configured at all."""
    import os
    import subprocess
    import sys
    from engine.config import ROOT
    path, rec = exported
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHIFA_")}
    env["ZHIFA_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/none"   # unreachable: must not be used
    ok = subprocess.run([sys.executable, "-m", "api.cli", "verify-archive", str(path)], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert rec.chain_head in ok.stdout and "校验通过" in ok.stdout
    rewrite(path, "process/loop.bpmn", lambda d: d + b" ")
    bad = subprocess.run([sys.executable, "-m", "api.cli", "verify-archive", str(path)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "process/loop.bpmn" in bad.stderr and "校验未通过" in bad.stdout
