"""Tables of onboarding: applications, what organisers owe an answer to, join requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class ApplicationStatus(StrEnum):
    """Where an application is in its life."""

    DRAFT = "draft"  # the newcomer is answering the steps
    SUBMITTED = "submitted"  # waiting for the organisers
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # by the newcomer (cancelled or withdrawn)


OPEN_STATUSES = frozenset({ApplicationStatus.DRAFT.value, ApplicationStatus.SUBMITTED.value})


class PromptKind(StrEnum):
    """What an organiser's next private message is."""

    QUESTION = "question"
    REASON = "reason"  # the reason for declining


class Application(Base):
    """One newcomer's way in: the step they are at and every answer so far.

    The row is the whole state of the conversation, so a newcomer who leaves and comes back
    days later, on any of their linked platforms, continues where they were. Free text is
    stored as given (only trimmed) and escaped by each adapter when shown.
    """

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # The member's id while the application is open (draft or submitted), NULL once it is
    # closed. Unique: a member has one open application at most, whatever platforms race to
    # start one (NULLs never collide, so closed applications stay as history). A foreign key,
    # so that merging two members (linked accounts) keeps one open application, and erasing
    # a member reaches it, like every other reference to members.
    open_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(4))
    language: Mapped[str | None] = mapped_column(String(16))
    agreed: Mapped[bool] = mapped_column(Boolean)
    country: Mapped[str | None] = mapped_column(String(2))
    unlisted: Mapped[bool] = mapped_column(Boolean)
    chapter_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    invited: Mapped[bool] = mapped_column(Boolean)
    proposing: Mapped[bool] = mapped_column(Boolean)
    proposed_name: Mapped[str | None] = mapped_column(String(64))
    proposed_city: Mapped[str | None] = mapped_column(String(64))
    proposed_parent_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    display_name: Mapped[str | None] = mapped_column(String(64))
    bio: Mapped[str | None] = mapped_column(Text)
    help_with: Mapped[str | None] = mapped_column(Text)
    photo_platform: Mapped[str | None] = mapped_column(String(16))
    photo_ref: Mapped[str | None] = mapped_column(String(255))
    photo_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_mime: Mapped[str | None] = mapped_column(String(64))
    timezone: Mapped[str | None] = mapped_column(String(64))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announce: Mapped[bool | None] = mapped_column(Boolean)
    # The organiser whose question the applicant's next private message answers.
    question_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrganiserPrompt(Base):
    """An organiser pressed "Ask a question" or "Decline": their next private message is it.

    One per organiser (a new one replaces the old); deleted when the text arrives or they
    press Cancel.
    """

    __tablename__ = "onboarding_prompts"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingJoinRequest(Base):
    """A platform join request waiting for the member's application to be decided.

    Approved (where the chat belongs to the new member's chapter or a branch above it) or
    declined with the application, after commit, through the outbox; then deleted.
    """

    __tablename__ = "onboarding_join_requests"
    __table_args__ = (UniqueConstraint("member_id", "platform", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
