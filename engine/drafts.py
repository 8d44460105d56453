"""Designers' drafts: the sources of a procedure as edited, saved on the server with a content hash.

Saving names the hash the designer started from; if someone saved a newer draft meanwhile the save is refused
(Conflict → 409) and nothing is overwritten: the page offers to reload or to save as a copy.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import bundles, clock, deploy
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.models import ProcessDraft, ProcessVersion
from engine.sources import Sources

MAX_FILES, MAX_CHARS = 60, 4_000_000
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]{0,99}$")
_FILE = re.compile(r"^[^/\\\x00]{1,200}$")


def check_content(raw) -> Sources:
    """A draft's content as Sources, or ValidationFailed naming what is wrong (nothing is stored)."""
    if not isinstance(raw, dict):
        raise ValidationFailed("内容应为对象 (content must be an object)", {"content": ["应为对象 (expected an object)"]})
    errors: dict[str, list[str]] = {}
    total, count = 0, 0
    for part in ("bpmn", "dmn", "forms", "documents", "lane_map"):
        value = raw.get(part) or {}
        if not isinstance(value, dict):
            errors[f"content.{part}"] = ["应为 名称→文本 对象 (expected an object of name → text)"]
            continue
        for name, text in value.items():
            if not isinstance(text, str) or not _FILE.match(str(name)):
                errors.setdefault(f"content.{part}", []).append(f"{name}: 名称或内容无效 (invalid name or text)")
                continue
            total, count = total + len(text), count + 1
    unknown = set(raw) - {"bpmn", "dmn", "forms", "documents", "lane_map"}
    if unknown:
        errors["content"] = [f"未知部分 (unknown parts): {', '.join(sorted(map(str, unknown)))}"]
    if count > MAX_FILES or total > MAX_CHARS:
        errors["content"] = [f"最多 {MAX_FILES} 个文件、{MAX_CHARS} 个字符 (too large)"]
    if errors:
        raise ValidationFailed("草稿内容无效 (invalid draft content)", errors)
    return Sources.from_dict(raw)


def _check_key(key) -> str:
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValidationFailed("流程标识无效 (invalid procedure key)",
                               {"process_key": ["字母、数字、下划线，以字母开头 (letters, digits, _; starts with a letter)"]})
    return key


def _title(title) -> str:
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        raise ValidationFailed("标题无效 (invalid title)", {"title": ["1–200 个字符 (1–200 characters)"]})
    return title.strip()


def create(session: Session, process_key: str, title: str, content: dict, by: str | None,
           base_version_id: int | None = None) -> ProcessDraft:
    sources = check_content(content)
    now = clock.now()
    draft = ProcessDraft(process_key=_check_key(process_key), title=_title(title), content=sources.as_dict(),
                         content_hash=bundles.content_hash(sources.as_dict()), base_version_id=base_version_id,
                         revision=1, created_by=by, updated_by=by, created_at=now, updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def from_version(session: Session, process_key: str, version: int, by: str | None) -> ProcessDraft:
    """A new draft holding a deployed version's bundle (the starting point for a change)."""
    row = deploy.get_version(session, process_key, version)
    content = row.bundle or {"bpmn": {row.file_name: row.bpmn_xml}}
    return create(session, process_key, f"{row.name} v{row.version}", content, by, base_version_id=row.id)


def get(session: Session, draft_id: int) -> ProcessDraft:
    draft = session.get(ProcessDraft, draft_id)
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在 (draft {draft_id} not found)")
    return draft


def save(session: Session, draft_id: int, content: dict, base_hash: str | None, by: str | None,
         title: str | None = None) -> ProcessDraft:
    """Replace a draft's content; ``base_hash`` must be the hash the designer loaded (else 409)."""
    sources = check_content(content)
    draft = session.scalar(select(ProcessDraft).where(ProcessDraft.id == draft_id).with_for_update())
    if draft is None:
        raise NotFound(f"草稿 {draft_id} 不存在 (draft {draft_id} not found)")
    if base_hash != draft.content_hash:
        raise Conflict(f"草稿已被 {draft.updated_by or '他人'} 于 {draft.updated_at:%Y-%m-%d %H:%M} 保存了更新的内容；"
                       f"请重新载入或另存为副本 (a newer draft was saved meanwhile: reload or save as a copy)")
    digest = bundles.content_hash(sources.as_dict())
    if digest != draft.content_hash or (title and title.strip() != draft.title):
        draft.content, draft.content_hash = sources.as_dict(), digest
        draft.title = _title(title) if title else draft.title
        draft.revision, draft.updated_by, draft.updated_at = draft.revision + 1, by, clock.now()
    return draft


def delete(session: Session, draft_id: int) -> None:
    session.delete(get(session, draft_id))


def list_drafts(session: Session, process_key: str | None = None) -> list[ProcessDraft]:
    query = select(ProcessDraft).order_by(ProcessDraft.process_key, ProcessDraft.updated_at.desc())
    if process_key:
        query = query.where(ProcessDraft.process_key == process_key)
    return list(session.scalars(query))


def deploy_draft(session: Session, draft_id: int, base_hash: str | None, by: str | None, note: str | None
                 ) -> list[deploy.DeployResult]:
    """Deploy exactly the content the designer saw (base_hash), as a new version with the change note."""
    draft = get(session, draft_id)
    if base_hash is not None and base_hash != draft.content_hash:
        raise Conflict("草稿已被更新，请重新载入后再部署 (the draft changed meanwhile: reload before deploying)")
    if not note or not note.strip():
        raise ValidationFailed("请写变更说明 (a change note is required)", {"note": ["必填 (required)"]})
    results = deploy.deploy_sources(session, Sources.from_dict(draft.content), deployed_by=by, note=note.strip(),
                                     only=draft.process_key)
    return results


def from_upload(session: Session, file_name: str, data: bytes, by: str | None, forms_dir=None) -> ProcessDraft:
    """A draft from an uploaded diagram (a foreign one too): its first executable process names the procedure; the
    forms and document templates of forms/ come along so the designer can pick them; lanes are mapped in the editor.
    Unreadable files are refused with the reason (nothing stored)."""
    from engine.config import Settings
    from engine.sources import _text, read_forms
    from engine.validation.documents import local, parse_xml
    from engine.validation.problems import Report
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1] or "diagram.bpmn"
    if not name.endswith(".bpmn"):
        name += ".bpmn"
    report = Report()
    root = parse_xml(name, data, report)
    procs = [n for n in (root.iter() if root is not None else []) if isinstance(n.tag, str) and local(n) == "process"]
    if root is None or not procs:
        zh = report.errors[0].zh if report.errors else "文件中没有流程（process）"
        en = report.errors[0].en if report.errors else "the file contains no process"
        raise ValidationFailed(en, {"file": [f"{zh} ({en})"]}, zh=f"无法导入 {name}：{zh}")
    chosen = next((p for p in procs if p.get("isExecutable") == "true"), procs[0])
    key = chosen.get("id") or ""
    if not _KEY.match(key):
        raise ValidationFailed("the process id cannot name a procedure", {"file": ["流程标识无效 (invalid process id)"]},
                               zh=f"无法导入 {name}：流程标识 “{key}” 只能由字母、数字和下划线组成")
    forms, documents = read_forms(forms_dir or Settings.from_env().forms_dir)
    content = {"bpmn": {name: _text(data, name)}, "dmn": {}, "forms": forms, "documents": documents, "lane_map": {}}
    return create(session, key, (chosen.get("name") or key)[:200], content, by)


def version_of(session: Session, process_key: str, number: int) -> ProcessVersion:
    return deploy.get_version(session, process_key, number)
