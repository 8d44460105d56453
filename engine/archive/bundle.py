"""The machine-readable case file: a ZIP with a manifest holding the SHA-256 of every member.

Layout (format ``zhifa-case-archive/1``)::

    manifest.json           format, case number, chain head, verdict at export, members [{path, sha256, size}]
    case.json               the stored case: number, unit, procedure, parties, dates, data, open tasks
    events.json             the hash-chained event log, every field the hashes cover (+ actor names)
    process/version.json    key, version, name, content hash, properties of the version the case ran on
    process/<file>.bpmn     its BPMN
    process/spec.json       its executable spec as deployed (BPMN + DMN decision tables + called processes)
    forms/<key>.form        the form-js forms of its steps
    process/versions/v<N>/  every other version the case ran on (a migrated case): version.json, BPMN, spec.json,
                            forms/<key>.form — the replay runs each step on the version in force then
    files/<seq>-<name>      attachments and documents, each also hashed in the event log
    case-file.pdf           the case file for people
    README.txt              how to check it
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

from engine.archive import versions
from engine.archive.record import CaseRecord, utc_text

FORMAT = "zhifa-case-archive/1"
README = """卷宗校验说明 / How to check this case file

本压缩包是一件行政执法案件的可验证电子卷宗。manifest.json 列出每个文件的 SHA-256；
events.json 是按哈希链连接的事件记录，最后一个事件的哈希（链头）也印在 PDF 卷宗上；
process/ 下是案件所依据的程序版本（迁移过的案件：process/versions/ 下另有其运行过的每个版本），
可在每一步当时适用的版本上重演全部办理过程。

离线校验（无需数据库或服务器）：
    zhifa verify-archive 本文件.zip

This ZIP is a verifiable case file. manifest.json lists the SHA-256 of every member; events.json is the
hash-chained event log whose last hash (the chain head) is printed on the PDF; process/ holds the version the
case runs on (and, for a migrated case, process/versions/ every other version it ran on), so the whole history
can be replayed, each step on the version in force then. Check it offline: zhifa verify-archive FILE.zip
"""


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def safe_name(name: str) -> str:
    cleaned = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name).strip(" .") or "file"
    return cleaned[:120]


def members(record: CaseRecord, pdf: bytes | None = None) -> dict[str, bytes]:
    out: dict[str, bytes] = {
        "case.json": _json(record.case),
        "events.json": _json(record.events),
        "process/version.json": _json(record.version),
        f"process/{safe_name(record.version['file_name'] or record.version['key'] + '.bpmn')}":
            record.bpmn_xml.encode("utf-8"),
        "process/spec.json": record.spec_json.encode("utf-8"),
        "README.txt": README.encode("utf-8"),
    }
    for key, content in record.forms.items():
        out[f"forms/{safe_name(key)}.form"] = content
    for other in record.others:
        base = versions.directory(other["version"]["version"])
        out[base + "version.json"] = _json(other["version"])
        out[base + safe_name(other["version"]["file_name"] or other["version"]["key"] + ".bpmn")] = \
            other["bpmn_xml"].encode("utf-8")
        out[base + "spec.json"] = other["spec_json"].encode("utf-8")
        for key, content in other["forms"].items():
            out[f"{base}forms/{safe_name(key)}.form"] = content
    for ref in record.files:
        if ref.content is not None:
            out[f"files/{ref.seq:04d}-{safe_name(ref.filename)}"] = ref.content
    if pdf is not None:
        out["case-file.pdf"] = pdf
    return out


def manifest(record: CaseRecord, content: dict[str, bytes]) -> dict:
    files = {f"files/{ref.seq:04d}-{safe_name(ref.filename)}": ref for ref in record.files}
    return {
        "format": FORMAT,
        "case": {"number": record.case["number"], "id": record.case["id"],
                 "procedure": record.case["procedure"], "unit": record.case["unit"]},
        "chain_head": record.chain_head,
        "events": len(record.events),
        "exported_at": utc_text(record.exported_at), "exported_by": record.exported_by,
        "verdict_at_export": {"verdict": record.verdict.verdict, "step": record.verdict.step,
                              "reason": record.verdict.reason},
        "bpmn": next(p for p in content if p.startswith("process/") and p.endswith(".bpmn")
                     and not p.startswith(versions.VERSIONS_DIR)),
        "versions": [{"id": o["version"]["id"], "version": o["version"]["version"],
                      "path": versions.directory(o["version"]["version"])} for o in record.others],
        "members": [{"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
                    for path, data in sorted(content.items())],
        "files": [{"path": path if ref.content is not None else None, "event_seq": ref.seq, "sha256": ref.sha256,
                   "filename": ref.filename, "kind": ref.kind, "missing": ref.content is None}
                  for path, ref in sorted(files.items())],
    }


def build_zip(record: CaseRecord, pdf: bytes | None = None) -> bytes:
    content = members(record, pdf)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", _json(manifest(record, content)))
        for path, data in sorted(content.items()):
            archive.writestr(path, data)
    return buffer.getvalue()
