"""Entities under supervision (监管对象): a profile per party, its colour code history, merges, reviews.

The identity stays in ``parties`` (deduplicated by kind and ID number / USCC); the profile adds what
supervision needs. ``colour`` and ``next_inspection_on`` are the current values; ``entity_colours`` keeps
every change with its reason and the rule inputs that produced it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, event, insert,
                        inspect, update)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, JsonType
from engine.models.case import Party
from engine.models.intake import Lead
from engine.names import name_key

_BigId = BigInteger().with_variant(Integer, "sqlite")


class EntityProfile(Base):
    __tablename__ = "entity_profiles"
    __table_args__ = (Index("ix_entity_profiles_township_colour", "township_id", "colour"),
                      Index("ix_entity_profiles_next_inspection", "next_inspection_on"))

    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"), primary_key=True)
    township_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))  # 属地镇街
    industry: Mapped[str | None] = mapped_column(String(100))  # e.g. 餐饮服务
    # [{"kind": "食品经营许可证", "number": "JY13301020000001", "valid_until": "2028-05-01"}]
    licences: Mapped[list] = mapped_column(JsonType, default=list)
    risk_level: Mapped[str] = mapped_column(String(8), default="medium")  # low | medium | high
    credit: Mapped[str] = mapped_column(String(8), default="good")        # good | normal | poor
    major_hazard: Mapped[bool] = mapped_column(Boolean, default=False)    # 重大隐患
    colour: Mapped[str] = mapped_column(String(8), default="green", index=True)  # green | yellow | red
    colour_reason: Mapped[str | None] = mapped_column(String(300))
    colour_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_inspected_on: Mapped[date | None] = mapped_column(Date)
    next_inspection_on: Mapped[date | None] = mapped_column(Date)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id"))  # set on the merged-away record
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    party: Mapped[Party] = relationship(foreign_keys=[party_id], lazy="joined")


class ColourChange(Base):
    """One recomputation that changed (or first set) an entity's colour, with its reason and rule inputs."""

    __tablename__ = "entity_colours"
    __table_args__ = (Index("ix_entity_colours_party_at", "party_id", "decided_at"),)

    id: Mapped[int] = mapped_column(_BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id", ondelete="CASCADE"))
    colour: Mapped[str] = mapped_column(String(8))
    previous: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(300))
    # inspection | case_closed | profile | manual | merge | review (复议/诉讼) | ageing (nightly look-back)
    trigger: Mapped[str] = mapped_column(String(32))
    cause: Mapped[str | None] = mapped_column(Text)  # what happened, in words (the rule's reason is ``reason``)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    inputs: Mapped[dict] = mapped_column(JsonType, default=dict)
    next_inspection_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class EntityMerge(Base):
    """A duplicate record folded into another: its cases move over; what it was is kept here."""

    __tablename__ = "entity_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    target_party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    snapshot: Mapped[dict] = mapped_column(JsonType, default=dict)  # the source party and profile as they were
    moved_cases: Mapped[list] = mapped_column(JsonType, default=list)
    reason: Mapped[str] = mapped_column(Text)
    merged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseReview(Base):
    """Outcome of an administrative reconsideration (复议) or lawsuit (诉讼) against a closed case."""

    __tablename__ = "case_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))     # reconsideration | litigation
    result: Mapped[str] = mapped_column(String(16))   # upheld | reversed | modified | confirmed_illegal | void | withdrawn
    decided_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ComplaintSubject(Base):
    """Whom a complaint (intake lead) names, as keys to match entities by, and the officer's decision.

    ``id_number`` and ``name_key`` mirror the lead's suspected party (kept by the mapper events below, like an
    index); the lead is about the entity with that USCC / ID number, else the only entity with that name key.
    ``decision``: null (automatic), ``confirmed`` (the officer chose ``party_id``) or ``none`` (about no
    registered entity, e.g. a same-named different business).
    """

    __tablename__ = "complaint_subjects"

    lead_id: Mapped[int] = mapped_column(ForeignKey("intake_leads.id", ondelete="CASCADE"), primary_key=True)
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    party_id: Mapped[int | None] = mapped_column(ForeignKey("parties.id", ondelete="SET NULL"), index=True)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def subject_keys(party: dict | None) -> tuple[str | None, str | None]:
    """(ID number, name key) of a lead's suspected party."""
    party = party if isinstance(party, dict) else {}
    number = party.get("id_number")
    number = number.strip().upper()[:18] or None if isinstance(number, str) else None
    return number, name_key(party.get("name"))


@event.listens_for(Lead, "after_insert")
def _subject_of_new_lead(_mapper, connection, lead: Lead) -> None:
    number, key = subject_keys(lead.party)
    connection.execute(insert(ComplaintSubject.__table__).values(lead_id=lead.id, id_number=number, name_key=key))


@event.listens_for(Lead, "after_update")
def _subject_of_changed_lead(_mapper, connection, lead: Lead) -> None:
    if inspect(lead).attrs.party.history.has_changes():
        number, key = subject_keys(lead.party)
        connection.execute(update(ComplaintSubject.__table__).where(ComplaintSubject.lead_id == lead.id)
                           .values(id_number=number, name_key=key))
