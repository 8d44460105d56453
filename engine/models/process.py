"""Deployed process versions. The parsed spec is stored once per version, never per instance."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from engine.db import Base, JsonType


class ProcessVersion(Base):
    __tablename__ = "process_versions"
    __table_args__ = (
        UniqueConstraint("process_key", "version", name="uq_process_versions_key_version"),
        UniqueConstraint("process_key", "content_hash", name="uq_process_versions_key_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)  # BPMN process id
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200))
    bpmn_xml: Mapped[str] = mapped_column(Text)
    # Serialized SpiffWorkflow spec of this process and of every process it calls, as deployed.
    spec_json: Mapped[str] = mapped_column(Text)
    # spiffworkflow:properties of the <process> (startRoles, startForm, statutory limits, ...)
    properties: Mapped[dict] = mapped_column(JsonType, default=dict)
    deployed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    # The version is a bundle (engine.bundles): BPMN files + DMN tables + forms + document templates, hashed
    # together into content_hash and immutable once deployed. Loaded only when a form or file is needed.
    bundle: Mapped[dict | None] = deferred(mapped_column(JsonType, nullable=True))
    note: Mapped[str | None] = mapped_column(Text)                       # the designer's change note
    lane_map: Mapped[dict] = mapped_column(JsonType, default=dict)       # lane name → role (foreign diagrams)
    state: Mapped[str] = mapped_column(String(16), default="deployed", server_default="deployed")  # | retired
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_by: Mapped[str | None] = mapped_column(String(64))
    retire_note: Mapped[str | None] = mapped_column(Text)


class ProcessDraft(Base):
    """A designer's unsaved-to-production work on a procedure: the sources as edited, with a content hash.

    Saving names the hash it was based on; saving over a newer draft is refused (409), nothing is lost.
    """

    __tablename__ = "process_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[dict] = mapped_column(JsonType)            # engine.sources.Sources.as_dict()
    content_hash: Mapped[str] = mapped_column(String(64))
    base_version_id: Mapped[int | None] = mapped_column(Integer)  # the deployed version it started from
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[str | None] = mapped_column(String(64))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
