"""The administration change log: who changed what in the organisation, and when (append-only)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JsonType


class AdminChange(Base):
    __tablename__ = "admin_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))   # None: the command line
    actor_name: Mapped[str] = mapped_column(String(100))                   # username, or e.g. "cli:org-import"
    action: Mapped[str] = mapped_column(String(40), index=True)            # unit.add, user.deactivate, role.grant…
    target: Mapped[str] = mapped_column(String(200), index=True)           # unit id, username, "user@unit:role"
    detail: Mapped[dict] = mapped_column(JsonType, default=dict)           # before/after of what changed
