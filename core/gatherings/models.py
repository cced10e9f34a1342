"""Tables of gatherings: the gathering (or series), its exceptions, RSVPs, drafts.

An *occurrence* of a gathering is named by an integer key: ``0`` for a one-off gathering,
and the local date of the rule's occurrence (``20261206``) for a repeating one. The key of
a repeating gathering's occurrence is the date the rule gave it, so it stays the same when
that one date is moved; and one-off gatherings keep their RSVPs when their time changes.
A rule gives at most one occurrence a day (see :mod:`core.gatherings.recurrence`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime

ONE_OFF = 0  # the occurrence key of a gathering that does not repeat


class GatheringStatus(StrEnum):
    """Whether a gathering is on."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Answer(StrEnum):
    """A member's RSVP to one occurrence."""

    GOING = "going"
    MAYBE = "maybe"
    NO = "no"
    WAITING = "waiting"  # wanted to go, but it was full: on the waiting list


class Gathering(Base):
    """A meeting, welcome event or repeating chapter meeting of one branch.

    Title and description are content: stored as written, with the language they were
    written in. Times are kept as the first occurrence's start in UTC plus the zone the
    organiser gave; a repeating gathering's occurrences keep their local wall-clock time in
    that zone across daylight-saving changes.
    """

    __tablename__ = "gatherings"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility: Mapped[str | None] = mapped_column(String(300))
    meeting_language: Mapped[str | None] = mapped_column(String(16))
    # Minutes before each occurrence's start, latest first ([10080, 1440, 120]).
    reminder_minutes: Mapped[list[int]] = mapped_column(JSON)
    # An RFC 5545 RRULE value (without "RRULE:"), UNTIL in UTC; None: a one-off gathering.
    rrule: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), index=True)
    # The iCalendar SEQUENCE: bumped on every change people should hear about.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OccurrenceChange(Base):
    """One occurrence of a repeating gathering skipped, or moved to another time."""

    __tablename__ = "gathering_exceptions"

    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence: Mapped[int] = mapped_column(Integer, primary_key=True)
    # None: skipped. Otherwise the occurrence's new start (its length stays the series').
    moved_to: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rsvp(Base):
    """A member's answer for one occurrence; the waiting list is ordered by ``answered_at``."""

    __tablename__ = "gathering_rsvps"
    __table_args__ = (Index("ix_gathering_rsvps_occurrence", "gathering_id", "occurrence"),)

    gathering_id: Mapped[int] = mapped_column(
        ForeignKey("gatherings.id", ondelete="CASCADE"), primary_key=True
    )
    occurrence: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    answer: Mapped[str] = mapped_column(String(16))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GatheringDraft(Base):
    """An organiser's gathering being put together in the guided private conversation.

    One row per organiser: the step they are at and every answer so far, so the
    conversation survives a restart. It lapses after a day without an answer.
    """

    __tablename__ = "gathering_drafts"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    step: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
