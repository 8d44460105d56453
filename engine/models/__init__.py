"""SQLAlchemy models, one module per concept. Import this package to register every table."""
from engine.db import Base
from engine.models.org import Membership, Unit, User
from engine.models.process import ProcessDraft, ProcessVersion
from engine.models.case import Case, CaseNumberCounter, CaseParty, Party
from engine.models.task import HumanTask
from engine.models.timer import Timer
from engine.models.event import CaseEvent
from engine.models.token import ApiToken
from engine.models.login import LoginFailure
from engine.models.clock import Clock
from engine.models.calendar_day import CalendarDay, CalendarYear
from engine.models.notification import Notification, OutboxMessage
from engine.models.entity import CaseReview, ColourChange, ComplaintSubject, EntityMerge, EntityProfile
from engine.models.plan import InspectionPlan, PlanEntry
from engine.models.intake import (CatalogueVersion, Channel, Lead, LeadCounter, LeadEvent, Matter,
                                  Place)
from engine.models.incident import CaseIncident
from engine.models.idempotency import IdempotencyKey
from engine.models.admin_change import AdminChange
from engine.models.attachment import Attachment
from engine.models.document import Document, DocumentCounter
from engine.models.audit import AccessLog, CaseIntegrity
from engine.models.migration import CaseMigration, MigrationPlan, MigrationRun

__all__ = ["Base", "Unit", "User", "Membership", "ProcessVersion", "ProcessDraft", "Case", "CaseNumberCounter", "CaseParty",
           "Party", "HumanTask", "Timer", "CaseEvent", "ApiToken", "LoginFailure",
           "Clock", "CalendarDay", "CalendarYear", "Notification", "OutboxMessage", "EntityProfile", "ColourChange",
           "EntityMerge", "CaseReview", "ComplaintSubject", "InspectionPlan", "PlanEntry", "CatalogueVersion", "Matter", "Place",
           "Channel", "Lead", "LeadEvent", "LeadCounter", "CaseIncident", "IdempotencyKey", "AdminChange", "Attachment", "Document", "DocumentCounter", "AccessLog", "CaseIntegrity",
           "MigrationPlan", "CaseMigration", "MigrationRun"]
