"""Deployed process versions. The parsed spec is stored once per version, never per instance."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

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
