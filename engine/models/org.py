"""Organisation: units as a tree, users, and their roles per unit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable code, e.g. "chengnan"
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # office | bureau | section | squad | township | agency
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"), index=True)
    # Prefix of case document numbers, e.g. "城南街道综执罚" → 城南街道综执罚〔2026〕12号
    doc_prefix: Mapped[str | None] = mapped_column(String(100))

    parent: Mapped["Unit | None"] = relationship(remote_side=[id])


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    certificate_no: Mapped[str | None] = mapped_column(String(64))  # 执法证号
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", lazy="selectin")


class Membership(Base):
    """User ``user`` holds ``role`` in ``unit``."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", "role", name="uq_memberships_user_unit_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="memberships")
