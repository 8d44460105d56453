"""Intake (线索受理、研判、派单): the matter catalogue, places, channels, leads and their history."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JsonType

_BigId = BigInteger().with_variant(Integer, "sqlite")


class CatalogueVersion(Base):
    """One version of the 执法事项目录; every import or edit makes a new one, leads keep the one they used."""

    __tablename__ = "intake_catalogue_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note: Mapped[str] = mapped_column(String(300))
    matter_count: Mapped[int] = mapped_column(Integer, default=0)
    digest: Mapped[str] = mapped_column(String(64))   # SHA-256 over the matters: routers are cached by it
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Matter(Base):
    """An enforcement matter (执法事项) within one catalogue version."""

    __tablename__ = "intake_matters"
    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_intake_matters_version_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("intake_catalogue_versions.id", ondelete="CASCADE"),
                                            index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(40))            # 市容环卫, 市场监管, 生态环境, …
    legal_basis: Mapped[str] = mapped_column(String(500))
    keywords: Mapped[list] = mapped_column(JsonType, default=list)
    synonyms: Mapped[list] = mapped_column(JsonType, default=list)
    levels: Mapped[list] = mapped_column(JsonType, default=list)  # "county", "township"
    delegated: Mapped[bool] = mapped_column(Boolean, default=False)  # 赋权 to townships
    county_unit: Mapped[str | None] = mapped_column(String(64))   # competent county unit (default: bureau)
    procedure: Mapped[str] = mapped_column(String(100))


class Place(Base):
    """A community, road, landmark or grid cell and the township whose area it lies in."""

    __tablename__ = "intake_places"
    __table_args__ = (UniqueConstraint("name", "unit_id", name="uq_intake_places_name_unit"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16))             # community | road | landmark | grid | township
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    aliases: Mapped[list] = mapped_column(JsonType, default=list)


class Channel(Base):
    """A lead source (12345 hotline, grid app, cameras …); external systems authenticate with its key."""

    __tablename__ = "intake_channels"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)   # e.g. hotline_12345
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # SHA-256 of the API key
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last accepted key use


class Lead(Base):
    """A lead (线索) from intake to case. ``status``: waiting (for the dispatcher) | dispatched | accepted |
    closed. The 核查 clock runs while dispatched (15 working days, +15 with the head's approval)."""

    __tablename__ = "intake_leads"
    __table_args__ = (
        Index("ix_intake_leads_status_unit", "status", "unit_id"),
        Index("ix_intake_leads_dup", "matter_code", "place_id", "received_at"),
        Index("ix_intake_leads_escalation", "verify_state", "next_escalation_on"),
        UniqueConstraint("channel_id", "external_ref", name="uq_intake_leads_channel_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("intake_channels.id"), index=True)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    place_text: Mapped[str] = mapped_column(String(300))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("intake_places.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    reporter: Mapped[dict | None] = mapped_column(JsonType)   # protected: the dispatcher only
    party: Mapped[dict | None] = mapped_column(JsonType)      # suspected party, carried into the case
    status: Mapped[str] = mapped_column(String(16))
    wait_reason: Mapped[str | None] = mapped_column(String(32))  # low_confidence | place_unknown | returned …
    catalogue_version_id: Mapped[int | None] = mapped_column(ForeignKey("intake_catalogue_versions.id"))
    candidates: Mapped[list] = mapped_column(JsonType, default=list)  # top 3: code, name, score, words
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    matter_code: Mapped[str | None] = mapped_column(String(40))
    township_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))   # where the place lies
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)  # current receiving unit
    returned_by: Mapped[list] = mapped_column(JsonType, default=list)   # units that returned it (退单)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("intake_leads.id", ondelete="SET NULL"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # 核查 clock (SAMR Art. 18): computed with engine.deadlines' calendar, coloured like every clock
    verify_started_on: Mapped[date | None] = mapped_column(Date)
    verify_limit: Mapped[int] = mapped_column(Integer, default=15)
    verify_extension: Mapped[int] = mapped_column(Integer, default=0)
    verify_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    verify_yellow_on: Mapped[date | None] = mapped_column(Date)
    verify_state: Mapped[str | None] = mapped_column(String(8))   # running | met | overdue | stopped
    verify_ended_on: Mapped[date | None] = mapped_column(Date)
    colour: Mapped[str | None] = mapped_column(String(8))      # last recorded colour (sweeps record changes)
    # after red, the same chain as a case clock: reminder → 催办单 → 督办单 → 通报 (engine.intake.escalation)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_escalation_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)


class LeadEvent(Base):
    """The lead's own append-only history, hash-chained like a case's."""

    __tablename__ = "intake_lead_events"
    __table_args__ = (UniqueConstraint("lead_id", "seq", name="uq_intake_lead_events_lead_seq"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("intake_leads.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JsonType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class LeadCounter(Base):
    """Last lead number per year (gap-free, bumped under a row lock)."""

    __tablename__ = "intake_lead_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
