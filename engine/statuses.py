"""The small vocabularies of states, roles and event types."""
from __future__ import annotations


class CaseState:
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ALL = (RUNNING, COMPLETED, CANCELLED)


class TaskState:
    READY = "ready"
    CLAIMED = "claimed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    OPEN = (READY, CLAIMED)
    ALL = (READY, CLAIMED, COMPLETED, CANCELLED)


class TimerState:
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class Role:
    OFFICER = "officer"              # 执法队员/承办人
    SUPPORT = "support"              # 执法辅助人员
    SQUAD_LEADER = "squad_leader"    # 中队长/队长
    CASE_REVIEWER = "case_reviewer"  # 案件审核员
    LEGAL_REVIEWER = "legal_reviewer"  # 法制审核员
    AGENCY_HEAD = "agency_head"      # 负责人
    HEARING_OFFICER = "hearing_officer"  # 听证主持人
    SUPERVISOR = "supervisor"        # 督办员
    AUDITOR = "auditor"
    DESIGNER = "designer"
    ADMIN = "admin"
    DISPATCHER = "dispatcher"        # 网格员/12345 intake
    DEPUTY_HEAD = "deputy_head"      # 分管副职 (township deputy in charge)
    INSPECTOR = "inspector"          # partner-agency inspector
    ALL = (OFFICER, SUPPORT, SQUAD_LEADER, CASE_REVIEWER, LEGAL_REVIEWER, AGENCY_HEAD, HEARING_OFFICER,
           SUPERVISOR, AUDITOR, DESIGNER, ADMIN, DISPATCHER, DEPUTY_HEAD, INSPECTOR)
    # Roles that see every case in the units below theirs (reading; acting still needs the task's role there):
    # the 指导办's supervisors and auditors, and the heads of a unit over its sub-units (a county bureau's
    # head and deputies over its direct squads, legal section and command centre).
    OVERSEERS = (SUPERVISOR, AUDITOR, AGENCY_HEAD, DEPUTY_HEAD)


class EventType:
    CASE_STARTED = "case_started"
    TASK_READY = "task_ready"
    TASK_CLAIMED = "task_claimed"
    TASK_UNCLAIMED = "task_unclaimed"
    TASK_ASSIGNED = "task_assigned"
    TASK_COMPLETED = "task_completed"
    TASK_CANCELLED = "task_cancelled"
    GATEWAY_DECIDED = "gateway_decided"
    DECISION_EVALUATED = "decision_evaluated"
    TIMER_FIRED = "timer_fired"
    CASE_ENDED = "case_ended"
    # deadlines (engine/deadlines)
    CLOCK_STARTED = "clock_started"
    CLOCK_PAUSED = "clock_paused"
    CLOCK_RESUMED = "clock_resumed"
    CLOCK_EXTENDED = "clock_extended"
    CLOCK_COLOUR_CHANGED = "clock_colour_changed"
    CLOCK_STOPPED = "clock_stopped"
    CLOCK_ESCALATED = "clock_escalated"  # reminder / 催办单 / 督办单 / 通报, automatic or by hand
    # files (engine/attachments, engine/documents)
    ATTACHMENT_ADDED = "attachment_added"
    DOCUMENT_ISSUED = "document_issued"
    # version migration (engine/migration)
    CASE_MIGRATED = "case_migrated"
    MIGRATION_REVERTED = "case_migration_reverted"
    CLOCK_CORRECTED = "clock_corrected"      # a deadline the target version corrected
