"""Tables of content people wrote, its translations, and the work of translating it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class Origin(StrEnum):
    """Who or what made a translation."""

    PERSON = "person"
    MACHINE = "machine"


class RequestStatus(StrEnum):
    """Where a request to one translator stands."""

    ASKED = "asked"  # the DM went out; no answer yet
    WRITING = "writing"  # they pressed Translate: their next private messages are the parts
    DONE = "done"  # their translation (or their review of the draft) was accepted
    DECLINED = "declined"
    CLOSED = "closed"  # someone else's translation was accepted first


class TaskStatus(StrEnum):
    """Where a machine translation task stands."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Content(Base):
    """Text a person wrote (a decision's question and options, an announcement…).

    One row per document; its ``parts`` are translated together (a decision's question and
    each option), so a translator is asked once per document, not once per option.
    """

    __tablename__ = "contents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What it belongs to, e.g. "decision:12", "broadcast:5", "gathering:3".
    key: Mapped[str] = mapped_column(String(64), unique=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    language: Mapped[str] = mapped_column(String(16))
    parts: Mapped[list[str]] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ContentTranslation(Base):
    """A content's text in one other language, with its provenance.

    A machine translation is a draft until a translator accepts it (``reviewed``); a
    person's translation or a reviewed draft is *accepted*, and the first accepted one wins.
    """

    __tablename__ = "content_translations"
    __table_args__ = (UniqueConstraint("content_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    parts: Mapped[list[str]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(8))
    # The machine provider ("deepl", "libretranslate") for machine translations.
    provider: Mapped[str | None] = mapped_column(String(32))
    translator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TranslationRequest(Base):
    """One translator asked to translate (or review) one content into their language."""

    __tablename__ = "translation_requests"
    __table_args__ = (UniqueConstraint("content_id", "language", "translator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    translator_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    # The parts translated so far while writing (one answer per part).
    written: Mapped[list[str]] = mapped_column(JSON)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MachineTask(Base):
    """A content to translate by machine into one language (then its translators are asked).

    A row first, so that a restart loses nothing; claimed with a lease like a job, because
    the provider is called outside any transaction (an HTTP call must never hold the
    database's write lock).
    """

    __tablename__ = "machine_tasks"
    __table_args__ = (
        UniqueConstraint("content_id", "language"),
        Index("ix_machine_tasks_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MachineCacheEntry(Base):
    """A provider's answer for one text, kept so the same text is never paid for twice."""

    __tablename__ = "machine_translation_cache"
    __table_args__ = (UniqueConstraint("provider", "source", "target", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the text and of the glossary in force (a new term invalidates the entry).
    digest: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
