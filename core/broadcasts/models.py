"""Tables of broadcasts, their deliveries (one per recipient) and members' preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class BroadcastStatus(StrEnum):
    """Where a broadcast is in its life."""

    DRAFT = "draft"  # being composed by its organiser
    SCHEDULED = "scheduled"  # confirmed; waits for its time or its translations
    SENDING = "sending"  # deliveries written; the runner sends them
    DONE = "done"  # every delivery is sent or failed; the report went out
    CANCELLED = "cancelled"


class Step(StrEnum):
    """The step a draft is at (what the organiser is asked)."""

    BRANCH = "branch"
    TEXT = "text"
    WHEN = "when"
    TIME = "time"  # a time for "at a time"
    DEADLINE = "deadline"  # the latest time for "when translations are ready"
    CHANNELS = "channels"
    CONFIRM = "confirm"


class Timing(StrEnum):
    """When a confirmed broadcast goes out."""

    NOW = "now"
    AT = "at"
    READY = "ready"  # when every language has an accepted translation, or at the deadline


class Channels(StrEnum):
    """Where a broadcast goes."""

    CHATS = "chats"
    DMS = "dms"
    BOTH = "both"


class DeliveryStatus(StrEnum):
    """Where one recipient's delivery stands.

    ``claimed`` rows belong to a runner but were not sent: after a crash they are simply
    sent. ``sending`` rows were about to be sent or being sent when their runner stopped:
    whether the platform got them is unknown (see :mod:`core.broadcasts.runner`).
    """

    PENDING = "pending"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryKind(StrEnum):
    """A post in a branch chat, or a private message to a member."""

    CHAT = "chat"
    DM = "dm"


class Broadcast(Base):
    """An announcement to a branch and every branch below it."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)
    step: Mapped[str] = mapped_column(String(16))
    # The language it is written in (the organiser's), and the draft text until confirmed.
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    content_id: Mapped[int | None] = mapped_column(ForeignKey("contents.id"))
    timing: Mapped[str | None] = mapped_column(String(8))
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channels: Mapped[str | None] = mapped_column(String(8))
    # The languages asked for at confirmation (those of the recipients then).
    languages: Mapped[list[str]] = mapped_column(JSON)
    # The text each language gets, fixed when the broadcast is released:
    # {language: {"text": ..., "translated": bool}}.
    texts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # Where the organiser hears how it went (their account when they confirmed).
    report_platform: Mapped[str | None] = mapped_column(String(16))
    report_to: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The draft's last step (an answer awaited since then is the organiser's next message).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the progress message was last edited (the edits are throttled across processes).
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BroadcastDelivery(Base):
    """One recipient of a broadcast on one platform: a member's DM or a branch chat."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "platform", "target"),
        Index("ix_broadcast_deliveries_claim", "platform", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
    # None for a chat post (and for a member erased while the broadcast was going out).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    platform: Mapped[str] = mapped_column(String(16))
    # The platform's user id (a DM) or chat id (a post).
    target: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # A claim's lease, or (for a pending row being retried) the time before which it waits.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(255))
    # Why it failed: "dms_closed", "unreachable", "error".
    error: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class BroadcastPreference(Base):
    """How a member wants announcements (``/settings``); no row means the defaults."""

    __tablename__ = "broadcast_preferences"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    # False: no announcements by private message (chat posts still reach them there).
    direct_messages: Mapped[bool] = mapped_column(Boolean, default=True)
    # The platform to reach them on; None: the one they used most recently.
    platform: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
