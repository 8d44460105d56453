"""Human tasks: the queryable mirror of the workflow's ready user tasks (what inboxes read)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JsonType


class HumanTask(Base):
    __tablename__ = "human_tasks"
    __table_args__ = (
        Index("ix_human_tasks_inbox", "unit_id", "role", "state", "due_at"),
        Index("ix_human_tasks_assignee", "assignee_id", "state"),
        Index("ix_human_tasks_case_state", "case_id", "state"),
        # 履职评估 step times: completed tasks by unit and step, covering (an index-only scan, rows already grouped)
        Index("ix_human_tasks_done_steps", "unit_id", "process_key", "task_spec", "completed_at",
              postgresql_include=["created_at", "title"], postgresql_where=text("state = 'completed'"),
              sqlite_where=text("state = 'completed'")),
        # an officer's "cases helped": the few tasks on another unit's case (engine/caselist.scope_parts)
        Index("ix_human_tasks_other_unit", "unit_id", "case_id", postgresql_where=text("other_unit"),
              sqlite_where=text("other_unit = 1")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the workflow task's id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    process_key: Mapped[str] = mapped_column(String(100))
    task_spec: Mapped[str] = mapped_column(String(100))  # BPMN element id
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    form_key: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Task-local context shown to the user (e.g. which agency a multi-instance item is for).
    context: Mapped[dict] = mapped_column(JsonType, default=dict)
    # Permission rules from the BPMN properties (notInvestigator, twoOfficers), checked without a workflow load.
    rules: Mapped[dict] = mapped_column(JsonType, default=dict, server_default=text("'{}'"))
    # The version whose form and templates the task uses, when not the case's: an open task kept on its own
    # form when its case moved to another version (engine/migration). None: the case's version.
    form_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_versions.id"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the task's unit is not its case's unit (set when the task is created; a case's unit never changes)
    other_unit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
