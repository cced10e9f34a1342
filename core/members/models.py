"""Tables of members, their platform accounts and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class Role(StrEnum):
    """What a member may do in a branch (and the branches below it)."""

    MEMBER = "member"
    ORGANISER = "organiser"
    TRANSLATOR = "translator"
    ADMIN = "admin"


class Member(Base):
    """A person, whatever platforms they use."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128))
    # None until the person chooses: until then the platform's hint decides.
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    chapter_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The member profile (filled by onboarding, edited with /profile). Free text is stored
    # as given and escaped by each adapter when shown.
    bio: Mapped[str | None] = mapped_column(Text)
    help_with: Mapped[str | None] = mapped_column(Text)
    # A photo: the platform's own file reference where it is stable, else the bytes.
    photo_platform: Mapped[str | None] = mapped_column(String(16))
    photo_ref: Mapped[str | None] = mapped_column(String(255))
    photo_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_mime: Mapped[str | None] = mapped_column(String(64))
    # When they agreed to how their data is used, and when they became a member of a chapter.
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlatformAccount(Base):
    """One account on one platform, belonging to a member."""

    __tablename__ = "platform_accounts"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(255))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    display_name: Mapped[str] = mapped_column(String(128))
    language_hint: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoleGrant(Base):
    """A role held by a member, scoped to a branch (and, for translators, a language)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("member_id", "branch_id", "role", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)
