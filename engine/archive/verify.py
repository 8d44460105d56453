"""Offline check of an exported case file — no database, no server (``zhifa verify-archive FILE``).

1. every member listed in the manifest is present with its SHA-256 and size, and nothing unlisted is added;
2. the event log's hash chain recomputes from the first event to the chain head named in the manifest;
3. each attachment/document matches the SHA-256 its event recorded (so a file cannot be swapped even
   together with the manifest);
4. the process version (and, for a migrated case, every other version it ran on) is complete;
5. replaying the log — each step on the bundled version in force then, each submission checked against that
   version's form (or the form a task was kept on across a move) — reproduces the bundled case (data, end state,
   open tasks), exactly as the online replay does (engine/archive/versions.py).

Each problem names the member or the step.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import SimpleNamespace

from engine.archive import versions
from engine.archive.bundle import FORMAT
from engine.events import GENESIS, event_hash

MAX_MEMBER = 512 * 1024 * 1024   # refuse zip bombs: no member above 512 MiB uncompressed


@dataclass
class Problem:
    where: str        # a member path, or "第 N 步 (event N)"
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    case_number: str | None = None
    chain_head: str | None = None
    events: int = 0
    members: int = 0
    replay: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, where: str, what: str) -> None:
        self.problems.append(Problem(where, what))


def step(seq) -> str:
    return f"第 {seq} 步 (event {seq})"


def _read(archive: zipfile.ZipFile, report: Report, path: str) -> bytes | None:
    try:
        info = archive.getinfo(path)
    except KeyError:
        report.add(path, "缺失 (member missing)")
        return None
    if info.file_size > MAX_MEMBER:
        report.add(path, "过大 (member too large)")
        return None
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC errors on a changed byte land here
        report.add(path, f"无法读取 (unreadable: {exc})")
        return None


def _json(data: bytes | None, report: Report, path: str):
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        report.add(path, f"不是有效的 JSON (not valid JSON: {exc})")
        return None


def verify_archive(path) -> Report:
    report = Report()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        report.add(str(path), f"不是有效的卷宗压缩包 (not a ZIP archive: {exc})")
        return report
    with archive:
        manifest = _json(_read(archive, report, "manifest.json"), report, "manifest.json")
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            report.add("manifest.json", f"不是 {FORMAT} 格式 (unknown format)")
            return report
        report.case_number = (manifest.get("case") or {}).get("number")
        content = _check_members(archive, manifest, report)
        events = _json(content.get("events.json"), report, "events.json")
        case = _json(content.get("case.json"), report, "case.json")
        version = _json(content.get("process/version.json"), report, "process/version.json")
        if isinstance(events, list):
            _check_chain(events, manifest, report)
            _check_files(events, manifest, content, report)
        _check_version(version, content, manifest, report)
        if isinstance(events, list) and isinstance(case, dict) and "process/spec.json" in content:
            _replay(events, case, versions.read(content, report.add), version, report)
    return report


def _check_members(archive, manifest, report) -> dict[str, bytes]:
    listed = manifest.get("members") or []
    content: dict[str, bytes] = {}
    names = set(archive.namelist()) - {"manifest.json"}
    for entry in listed:
        path = entry.get("path")
        data = _read(archive, report, path)
        names.discard(path)
        if data is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.get("sha256") or len(data) != entry.get("size"):
            report.add(path, f"SHA-256 不符，文件被改动 (hash mismatch: {digest} ≠ {entry.get('sha256')})")
        content[path] = data
    for extra in sorted(names):
        report.add(extra, "未列入清单的文件 (member not in the manifest)")
    report.members = len(listed)
    return content


def _check_chain(events: list, manifest: dict, report: Report) -> None:
    prev = GENESIS
    report.events = len(events)
    for expected, ev in enumerate(events, start=1):
        try:
            at = datetime.fromisoformat(ev["at"])
            digest = event_hash(prev, ev["seq"], ev["type"], at, ev.get("actor_id"), ev.get("task_id"),
                                ev.get("task_spec"), ev["process_version_id"], ev.get("data") or {})
        except (KeyError, TypeError, ValueError) as exc:
            report.add(step(expected), f"事件记录不完整 (malformed event: {exc})")
            return
        if ev["seq"] != expected:
            report.add(step(expected), "事件缺失或被插入 (event missing or inserted)")
            return
        if ev.get("prev_hash") != prev:
            report.add(step(expected), "与前一步的哈希链断开 (chain broken before this step)")
            return
        if ev.get("hash") != digest:
            report.add(step(expected), "记录与其哈希值不符，事件被改动 (event changed: hash mismatch)")
            return
        prev = digest
    report.chain_head = prev if events else None
    if events and manifest.get("chain_head") != prev:
        report.add("manifest.json", "链头与事件记录不符 (chain head differs from the event log)")


def _check_files(events: list, manifest: dict, content: dict, report: Report) -> None:
    recorded = {ev.get("seq"): (ev.get("data") or {}).get("sha256") for ev in events}
    for entry in manifest.get("files") or []:
        if entry.get("missing"):
            report.add(step(entry.get("event_seq")), f"导出时文件缺失 (file missing at export: {entry.get('filename')})")
            continue
        data = content.get(entry.get("path"))
        if data is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if recorded.get(entry.get("event_seq")) != digest:
            report.add(entry["path"], f"与第 {entry.get('event_seq')} 步记录的 SHA-256 不符 "
                                      f"(does not match the hash recorded at event {entry.get('event_seq')})")


def _check_version(version, content: dict, manifest: dict, report: Report) -> None:
    bpmn_path = manifest.get("bpmn")
    xml, spec = content.get(bpmn_path), content.get("process/spec.json")
    if not isinstance(version, dict) or xml is None or spec is None:
        report.add("process/", "程序版本不完整 (process version incomplete)")
        return
    # (the version's own content hash now covers the whole bundle — forms and templates too — so the
    # BPMN and spec are checked through the manifest and the replay)


def _replay(events: list, case: dict, carried: dict, version, report: Report) -> None:
    from engine import bpmn
    from engine.replay import replay_log
    current = version.get("id") if isinstance(version, dict) else None
    loaded: dict = {}

    def specs_at(version_id: int):
        if version_id not in loaded:
            if version_id not in carried:
                raise LookupError(f"process version {version_id} is not in the archive")
            loaded[version_id] = bpmn.load_specs(-1, carried[version_id].spec_json.decode("utf-8"))
        return loaded[version_id]
    history = []
    for ev in events:
        try:
            at = datetime.fromisoformat(ev["at"]).replace(tzinfo=timezone.utc)
            history.append(SimpleNamespace(seq=ev["seq"], type=ev["type"], at=at, task_id=ev.get("task_id"),
                                           task_spec=ev.get("task_spec"), data=ev.get("data") or {},
                                           process_version_id=ev.get("process_version_id")))
        except (KeyError, TypeError, ValueError):
            return  # already reported by the chain check
    missing = [vid for vid in versions.version_ids(history, current) if vid not in carried]
    if missing:
        report.add(versions.VERSIONS_DIR, "缺少案件运行过的程序版本，无法重演 (the archive lacks a version the case "
                                          f"ran on: {', '.join(map(str, missing))})")
        return
    first = (history[0].process_version_id if history else None) or current
    try:
        specs = specs_at(first)
    except Exception as exc:  # noqa: BLE001 — a broken spec is a finding, not a crash
        report.add("process/spec.json", f"程序版本无法加载 (spec does not load: {exc})")
        return
    try:
        result = replay_log(specs, history, case.get("id"), case.get("data") or {},
                            case.get("state") == "completed", None, case.get("open_tasks"),
                            forms=versions.ArchiveForms(carried, current), specs_at=specs_at)
    except LookupError as exc:     # a move to a version the archive does not carry
        report.add(versions.VERSIONS_DIR, f"缺少案件运行过的程序版本 (a version the case ran on is missing: {exc})")
        return
    except Exception as exc:  # noqa: BLE001 — a carried version that does not load is a finding, not a crash
        report.add(versions.VERSIONS_DIR, f"程序版本无法加载 (a version does not load: {exc})")
        return
    report.replay = result.detail
    if not result.matches:
        where = step(result.failed_seq) if result.failed_seq else "case.json"
        keys = "、".join(result.differences) if result.differences else ""
        report.add(where, f"重演与卷宗不符 (replay: {result.detail}{': ' + keys if keys else ''})")
