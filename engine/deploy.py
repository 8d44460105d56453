"""Deploying process versions from BPMN/DMN files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import bpmn, clock
from engine.errors import NotFound
from engine.models import ProcessVersion


@dataclass
class DeployResult:
    key: str
    version: int
    created: bool


def read_directory(directory: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    bpmn_files = {p.name: p.read_bytes() for p in sorted(directory.glob("*.bpmn"))}
    dmn_files = {p.name: p.read_bytes() for p in sorted(directory.glob("*.dmn"))}
    return bpmn_files, dmn_files


def deploy(session: Session, bpmn_files: dict[str, bytes], dmn_files: dict[str, bytes] | None = None,
           deployed_by: str | None = None) -> list[DeployResult]:
    """Parse everything first (any error → nothing stored), then store one version per changed process."""
    parsed = bpmn.parse_sources(bpmn_files, dmn_files)
    results = []
    for proc in parsed:
        existing = session.scalar(select(ProcessVersion).where(
            ProcessVersion.process_key == proc.key, ProcessVersion.content_hash == proc.content_hash))
        if existing is not None:
            results.append(DeployResult(proc.key, existing.version, False))
            continue
        last = session.scalar(select(func.max(ProcessVersion.version)).where(
            ProcessVersion.process_key == proc.key)) or 0
        session.add(ProcessVersion(
            process_key=proc.key, name=proc.name, version=last + 1, content_hash=proc.content_hash,
            file_name=proc.file_name, bpmn_xml=proc.bpmn_xml, spec_json=proc.spec_json, properties=proc.properties,
            deployed_at=clock.now(), deployed_by=deployed_by))
        results.append(DeployResult(proc.key, last + 1, True))
    session.flush()
    return results


def deploy_directory(session: Session, directory: Path, deployed_by: str | None = None) -> list[DeployResult]:
    return deploy(session, *read_directory(directory), deployed_by=deployed_by)


def latest(session: Session, process_key: str) -> ProcessVersion:
    version = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == process_key)
                             .order_by(ProcessVersion.version.desc()).limit(1))
    if version is None:
        raise NotFound(f"no deployed procedure {process_key!r}")
    return version


def get_version(session: Session, process_key: str, version: int) -> ProcessVersion:
    found = session.scalar(select(ProcessVersion).where(ProcessVersion.process_key == process_key,
                                                        ProcessVersion.version == version))
    if found is None:
        raise NotFound(f"procedure {process_key!r} has no version {version}")
    return found


def list_versions(session: Session) -> list[ProcessVersion]:
    return list(session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_key,
                                                                ProcessVersion.version)))


def specs_for(version: ProcessVersion) -> bpmn.Specs:
    return bpmn.load_specs(version.id, version.spec_json)
