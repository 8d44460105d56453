"""Evidence files and generated documents' files: one row per stored version, content-addressed on disk."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Attachment(Base):
    """A file attached to an owner (a case, a task of a case, or another kind such as a lead).

    Rows are never updated or deleted: a correction is a new row with ``replaces_id`` set.
    """

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    type_code: Mapped[str] = mapped_column(String(16))    # jpeg, mp4, pdf, docx …
    media_type: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(16))     # image | video | audio | pdf | office
    filename: Mapped[str] = mapped_column(String(200))
    owner_kind: Mapped[str] = mapped_column(String(32))   # case | task | lead | …
    owner_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))  # whose scope reads it
    source: Mapped[str] = mapped_column(String(16), default="upload")  # upload | generated
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    note: Mapped[str | None] = mapped_column(String(300))
    has_thumbnail: Mapped[bool] = mapped_column(default=False)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_seq: Mapped[int | None] = mapped_column(Integer)  # the case event that recorded its hash
