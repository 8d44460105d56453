"""The exported case file of a migrated case carries every version it ran on; ``zhifa verify-archive`` replays each
step offline on the version in force then (and a kept task's submission on its kept form); tampering is caught."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime

from engine.archive import bundle, pdf, record
from engine.archive.verify import verify_archive
from engine.events import GENESIS, event_hash
from engine.models import Case
from tests.engine.helpers import complete, only_task
from tests.engine.migration.test_migration import APPROVAL, at_approval, deploy_edited, plan, run
from tests.engine.migration.test_migration_forms import keep_mode_move
from tests.engine.migration.test_migration_structure import with_context


def export(sessions, case_id, path):
    with sessions() as session:
        rec = record.load(session, session.get(Case, case_id), exported_by="审计员", read_blob=lambda sha: None)
    path.write_bytes(bundle.build_zip(rec))
    return rec


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def repack(path, items: dict[str, bytes]) -> None:
    """A tamperer who rewrites members and recomputes the manifest (every member hash matches again)."""
    manifest = json.loads(items["manifest.json"])
    manifest["members"] = [{"path": p, "sha256": hashlib.sha256(d).hexdigest(), "size": len(d)}
                           for p, d in sorted(items.items()) if p != "manifest.json"]
    items["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, data in items.items():
            z.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def rechain(evs: list[dict]) -> None:
    prev = GENESIS
    for e in evs:
        e["prev_hash"] = prev
        e["hash"] = prev = event_hash(prev, e["seq"], e["type"], datetime.fromisoformat(e["at"]), e.get("actor_id"),
                                      e.get("task_id"), e.get("task_spec"), e["process_version_id"],
                                      e.get("data") or {})


def test_a_moved_case_verifies_offline_on_each_version(sessions, actor, deployed, tmp_path):
    case_id = at_approval(sessions, actor)
    deploy_edited(sessions, with_context)          # a setting the workflow holds: the workflow itself is moved
    assert run(sessions, plan(sessions))[case_id].outcome == "migrated"
    complete(sessions, actor("cn_leader"), only_task(sessions, case_id).id, APPROVAL)   # a step on version 2
    path = tmp_path / "moved.zip"
    rec = export(sessions, case_id, path)
    assert [o["version"]["version"] for o in rec.others] == [1]
    assert "曾迁移，也在第 1 版上办理过" in pdf.html(rec)          # the cover says so for people
    items = members(path)
    assert {"process/versions/v1/version.json", "process/versions/v1/spec.json",
            "process/versions/v1/ordinary.bpmn"} <= set(items)
    assert any(p.startswith("process/versions/v1/forms/") for p in items)
    report = verify_archive(path)
    assert report.ok, [str(p) for p in report.problems]
    assert report.replay == "replay reproduces the stored case"

    # without the earlier version the history cannot be replayed: named, not a crash
    repack(path, {p: d for p, d in items.items() if not p.startswith("process/versions/")})
    problems = verify_archive(path).problems
    assert problems and all("SHA-256" not in p.what for p in problems), problems
    assert any("版本" in p.what for p in problems), problems

    # the move's event rewritten (to a version it never went to): the chain names the step
    evs = json.loads(items["events.json"])
    moved = next(e for e in evs if e["type"] == "case_migrated")
    evs[moved["seq"] - 1]["data"]["to_version_id"] = moved["data"]["from_version_id"]
    repack(path, dict(items, **{"events.json": json.dumps(evs, ensure_ascii=False).encode("utf-8")}))
    problems = verify_archive(path).problems
    assert problems[0].where == f"第 {moved['seq']} 步 (event {moved['seq']})" and "哈希值不符" in problems[0].what


def test_a_kept_form_verifies_offline_and_a_rewritten_submission_is_caught(sessions, actor, tmp_path):
    case_id, officer = keep_mode_move(sessions, actor)
    complete(sessions, officer, only_task(sessions, case_id).id, {"note": "店外占道", "amount": 200})
    path = tmp_path / "kept.zip"
    export(sessions, case_id, path)
    report = verify_archive(path)
    assert report.ok, [str(p) for p in report.problems]
    # rewrite the kept submission and recompute the whole chain and manifest: the forms check still names the step
    items = members(path)
    evs = json.loads(items["events.json"])
    done = next(e for e in evs if e["type"] == "task_completed")
    done["data"] = {"data": {"amount": "二百"}}
    rechain(evs)
    manifest = json.loads(items["manifest.json"])
    manifest["chain_head"] = evs[-1]["hash"]
    items["manifest.json"] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
    repack(path, dict(items, **{"events.json": json.dumps(evs, ensure_ascii=False).encode("utf-8")}))
    problems = verify_archive(path).problems
    assert [p.where for p in problems] == [f"第 {done['seq']} 步 (event {done['seq']})"], problems
    assert "第 1 版的表单" in problems[0].what and "情况说明" in problems[0].what
