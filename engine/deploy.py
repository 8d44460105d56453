"""Deploying process versions: validate everything (engine.validation), then store one bundle per procedure.

Every problem is reported at once; any error → nothing stored. A bundle identical to a stored version of the
same procedure is a no-op. Each new version records who deployed it, when, with which note and hash.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import bpmn, bundles, clock
from engine.config import Settings
from engine.errors import InvalidProcess, NotFound, ValidationFailed
from engine.models import ProcessVersion
from engine.sources import Sources, from_directories, from_files, read_forms
from engine.validation import validate

DEPLOYED, RETIRED = "deployed", "retired"


@dataclass
class DeployResult:
    key: str
    version: int
    created: bool
    content_hash: str = ""
    reactivated: bool = False


def read_directory(directory: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    bpmn_files = {p.name: p.read_bytes() for p in sorted(directory.glob("*.bpmn"))}
    dmn_files = {p.name: p.read_bytes() for p in sorted(directory.glob("*.dmn"))}
    return bpmn_files, dmn_files


def deploy(session: Session, bpmn_files: dict, dmn_files: dict | None = None, deployed_by: str | None = None, *,
           forms: dict | None = None, documents: dict | None = None, note: str | None = None,
           lane_map: dict | None = None) -> list[DeployResult]:
    """Deploy files. ``forms``/``documents`` default to what ``ZHIFA_FORMS_DIR`` (forms/) holds."""
    if forms is None or documents is None:
        dir_forms, dir_docs = read_forms(Settings.from_env().forms_dir)
        forms = dir_forms if forms is None else forms
        documents = dir_docs if documents is None else documents
    sources = from_files(bpmn_files, dmn_files, forms, documents, lane_map)
    return deploy_sources(session, sources, deployed_by=deployed_by, note=note)


def check(session: Session, sources: Sources):
    """Validate sources against this organisation; raise InvalidProcess (with every problem) on errors."""
    report = validate(sources, roles=bundles.held_roles(session))
    if not report.ok:
        first = report.errors[0]
        raise InvalidProcess(report.summary(), file=first.file, element=first.element, problems=report.as_list())
    return report


def deploy_sources(session: Session, sources: Sources, deployed_by: str | None = None,
                   note: str | None = None, only: str | None = None) -> list[DeployResult]:
    """Deploy every executable process in ``sources`` (or ``only`` that one: a draft's own procedure)."""
    if note is not None and len(note) > 2000:
        raise ValidationFailed("变更说明太长 (change note too long)", {"note": ["最多 2000 字 (at most 2000 characters)"]})
    report = check(session, sources)
    if only is not None and only not in {p.key for p in report.parsed}:
        raise ValidationFailed(f"草稿中没有可执行的流程 {only} (the draft holds no executable process {only!r})",
                               {"process_key": [f"{only}: 不在草稿中 (not in the draft)"]})
    results = []
    for proc in report.parsed:
        if only is not None and proc.key != only:
            continue
        results.append(_store(session, sources, report, proc, deployed_by, note))
    session.flush()
    return results


def _store(session, sources, report, proc: bpmn.ParsedProcess, deployed_by, note) -> DeployResult:
    bundle = bundles.cut(sources, report.index, proc.key)
    digest = bundles.content_hash(bundle)
    existing = session.scalar(select(ProcessVersion).where(
        ProcessVersion.process_key == proc.key, ProcessVersion.content_hash == digest))
    if existing is not None:
        reactivated = existing.state == RETIRED
        if reactivated:  # deploying a retired bundle again puts it back in service
            existing.state, existing.retired_at, existing.retired_by, existing.retire_note = DEPLOYED, None, None, None
        return DeployResult(proc.key, existing.version, False, digest, reactivated)
    last = session.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.process_key == proc.key)) or 0
    session.add(ProcessVersion(
        process_key=proc.key, name=proc.name, version=last + 1, content_hash=digest, file_name=proc.file_name,
        bpmn_xml=proc.bpmn_xml, spec_json=proc.spec_json, properties=proc.properties, deployed_at=clock.now(),
        deployed_by=deployed_by, bundle=bundle, note=note or None, lane_map=bundle["lane_map"], state=DEPLOYED))
    return DeployResult(proc.key, last + 1, True, digest)


def deploy_directory(session: Session, directory: Path, deployed_by: str | None = None, *,
                     forms_dir: Path | None = None, note: str | None = None,
                     lane_map: dict | None = None) -> list[DeployResult]:
    """``zhifa deploy``: the same bundles as the page and the API, built from processes/ and forms/."""
    sources = from_directories(directory, forms_dir or Settings.from_env().forms_dir, lane_map)
    return deploy_sources(session, sources, deployed_by=deployed_by, note=note)


def latest(session: Session, process_key: str) -> ProcessVersion:
    """The version new cases start on: the highest version still in service."""
    version = session.scalar(select(ProcessVersion).where(
        ProcessVersion.process_key == process_key, ProcessVersion.state == DEPLOYED)
        .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        if session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == process_key).limit(1)):
            raise ValidationFailed(f"流程 {process_key} 已停用，不能再新建案件 (procedure {process_key} is retired)",
                                   {"procedure": ["已停用 (retired)"]})
        raise NotFound(f"no deployed procedure {process_key!r}", zh=f"流程 {process_key} 尚未部署")
    return version


def get_version(session: Session, process_key: str, version: int) -> ProcessVersion:
    found = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                        ProcessVersion.version == version))
    if found is None:
        raise NotFound(f"procedure {process_key!r} has no version {version}", zh=f"流程 {process_key} 没有第 {version} 版")
    return found


def list_versions(session: Session) -> list[ProcessVersion]:
    return list(session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_key,
                                                                ProcessVersion.version)))


def specs_for(version: ProcessVersion) -> bpmn.Specs:
    return bpmn.load_specs(version.id, version.spec_json)
