"""Tables of the federation: branches and the chats linked to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class Branch(Base):
    """A node of the federation tree, mirrored from ``organisation.toml``.

    Rows are never deleted: members and decisions refer to them. A branch that disappears
    from the configuration is marked inactive — unless it was created at runtime (a chapter
    a newcomer proposed and organisers approved, ``origin = "runtime"``): the configuration
    never knew it, so its absence there means nothing.
    """

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # "config" (mirrored from organisation.toml) or "runtime" (created by the bot).
    origin: Mapped[str] = mapped_column(String(16), default="config", server_default="config")


class Chat(Base):
    """A group chat, channel, room or private conversation on one platform."""

    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(255))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
