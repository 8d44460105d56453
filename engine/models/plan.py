"""Random inspection plans (双随机、一公开): the plan, its drawn entities and their drawn inspectors."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, JsonType


class InspectionPlan(Base):
    __tablename__ = "inspection_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)  # lead unit (牵头单位)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    items: Mapped[list] = mapped_column(JsonType, default=list)  # [{"agency": "agency_market", "items": "..."}]
    townships: Mapped[list] = mapped_column(JsonType, default=list)  # empty: every township
    industry: Mapped[str | None] = mapped_column(String(100))
    sample_size: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str | None] = mapped_column(String(64))  # recorded at the draw; the draw is reproducible from it
    # candidates, their total weight and a digest of (party, weight) pairs: what the draw was made from
    draw_info: Mapped[dict] = mapped_column(JsonType, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | drawn | approved
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    drawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)

    entries: Mapped[list["PlanEntry"]] = relationship(lazy="selectin", order_by="PlanEntry.rank",
                                                      cascade="all, delete-orphan")


class PlanEntry(Base):
    __tablename__ = "inspection_plan_entries"
    __table_args__ = (UniqueConstraint("plan_id", "party_id", name="uq_inspection_plan_entries_plan_party"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plans.id", ondelete="CASCADE"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(8))
    weight: Mapped[float] = mapped_column(Float)
    inspectors: Mapped[dict] = mapped_column(JsonType, default=dict)  # {"agency_market": [user id, user id]}
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
