"""Moving running cases to another version of their procedure: the plans, and each case's move (for revert)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JsonType


class MigrationPlan(Base):
    """Source version → target version of one procedure, with the designer's element mapping and options."""

    __tablename__ = "migration_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    mapping: Mapped[dict] = mapped_column(JsonType, default=dict)        # source element id → target element id
    # open tasks take the target's title, form, templates and deadline (True) or keep their own (False)
    follow_target: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseMigration(Base):
    """One case moved by a plan: what it was before (so it can be reverted while nothing happened since)."""

    __tablename__ = "case_migrations"
    __table_args__ = (Index("ix_case_migrations_case_state", "case_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("migration_plans.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    from_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    to_version_id: Mapped[int] = mapped_column(ForeignKey("process_versions.id"))
    state: Mapped[str] = mapped_column(String(16))      # migrated | reverted
    event_seq: Mapped[int] = mapped_column(Integer)     # the case_migrated event
    after_seq: Mapped[int] = mapped_column(Integer)     # the case's last event when the move was done
    # workflow state, data, open tasks, clocks and timers as they were, and what the move created
    snapshot: Mapped[dict] = mapped_column(JsonType)
    changes: Mapped[list] = mapped_column(JsonType, default=list)    # what changed for the case, in words
    migrated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    migrated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reverted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reverted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("migration_runs.id"), index=True)  # the run that moved it


class MigrationRun(Base):
    """A background run moving the chosen cases of a plan (engine/migration/runs.py): its progress and who started it.

    Executed by a worker thread of the web process that started it and, should that process stop, taken over by a
    scheduler once its heartbeat is stale (``lease`` names the executor holding it; every progress write checks it).
    """

    __tablename__ = "migration_runs"
    __table_args__ = (Index("ix_migration_runs_state", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("migration_plans.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))              # queued | running | done | failed
    case_ids: Mapped[list] = mapped_column(JsonType)            # the cases chosen, in the order they are moved
    position: Mapped[int] = mapped_column(Integer, default=0)   # how many of them are dealt with
    total: Mapped[int] = mapped_column(Integer)
    moved: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[list] = mapped_column(JsonType, default=list)   # cases not moved: number, outcome, reasons
    error: Mapped[dict | None] = mapped_column(JsonType)        # why the run as a whole stopped: {zh, en}
    lease: Mapped[str | None] = mapped_column(String(64))       # the executor holding the run
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resumed: Mapped[int] = mapped_column(Integer, default=0)    # taken over after an interruption
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
