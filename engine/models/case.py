"""Cases (process instances), their document numbers, and parties (当事人)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, JsonType
from engine.names import name_key


class Party(Base):
    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("kind", "id_number", name="uq_parties_kind_id_number"),
                      Index("ix_parties_id_number", "id_number"),
                      # case search by a part of a name: on PostgreSQL a trigram index (pg_trgm), which also
                      # answers equality; on SQLite a plain one (migration s314_trigram_search)
                      Index("ix_parties_name", "name", postgresql_using="gin",
                            postgresql_ops={"name": "gin_trgm_ops"}))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # person | organisation
    name: Mapped[str] = mapped_column(String(200))
    # 18-digit resident ID (person) or 18-character unified social credit code (organisation)
    id_number: Mapped[str] = mapped_column(String(18))
    # engine.names.name_key(name), kept by the mapper event below: matches spellings of one name (投诉匹配)
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Case(Base):
    __tablename__ = "cases"
    # Case search (engine/caselist.py) pages newest first: every common filter has an index ending in the sort
    # order (opened_at, id), so a page reads its 25 rows and stops (migration s314_case_search).
    __table_args__ = (Index("ix_cases_unit_opened", "unit_id", "opened_at", "id"),
                      Index("ix_cases_opened_id", "opened_at", "id"),
                      # 履职评估: cases closed in a period per unit (outcomes by procedure)
                      Index("ix_cases_unit_closed", "unit_id", "closed_at", postgresql_include=["process_key"],
                            postgresql_where=text("state = 'completed'"), sqlite_where=text("state = 'completed'")),
                      Index("ix_cases_unit_state_opened", "unit_id", "state", "opened_at", "id"),
                      Index("ix_cases_state_opened", "state", "opened_at", "id"),
                      Index("ix_cases_process_opened", "process_key", "opened_at", "id"),
                      # a part of a case number (PostgreSQL: pg_trgm; migration s314_trigram_search)
                      Index("ix_cases_number_part", "number", postgresql_using="gin",
                            postgresql_ops={"number": "gin_trgm_ops"}))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(120), unique=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))  # handling unit
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    process_key: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(300))
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    # Process variables as of the last step (a read model; the workflow state is the truth).
    data: Mapped[dict] = mapped_column(JsonType, default=dict)
    # SpiffWorkflow's serialized workflow, without the spec.
    workflow_state: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # compare-and-set counter
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    parties: Mapped[list["CaseParty"]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class CaseParty(Base):
    __tablename__ = "case_parties"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), primary_key=True, index=True)

    party: Mapped[Party] = relationship(lazy="joined")


class CaseNumberCounter(Base):
    """Last sequence number used per handling unit and year; bumped under a row lock."""

    __tablename__ = "case_number_counters"

    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


@event.listens_for(Party, "before_insert")
@event.listens_for(Party, "before_update")
def _party_name_key(_mapper, _connection, party: Party) -> None:
    party.name_key = name_key(party.name)
