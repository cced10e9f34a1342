"""Tables of members, their platform accounts and their roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint
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


class LinkCode(Base):
    """A one-time code that links another platform account to this member.

    Only the code's SHA-256 is stored: the code itself lives in the member's chat and
    nowhere else. Used and expired codes are kept (without the code) for the member's own
    data export; a new code replaces the member's unused ones.
    """

    __tablename__ = "link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # Not unique: an old used code may, by chance, repeat a new one; only a live one counts.
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkFailure(Base):
    """A wrong link code entered by a member (the rate limit against guessing counts these)."""

    __tablename__ = "link_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AwaitedText(Base):
    """The member was asked for a profile answer: their next private text is it."""

    __tablename__ = "awaited_texts"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    # What the answer is for: "bio", "timezone" or "chapter".
    field: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChapterMove(Base):
    """A member's request to move to another chapter, decided by that chapter's organisers."""

    __tablename__ = "chapter_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    from_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    to_branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    # pending, approved, declined, withdrawn (replaced by a newer request).
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RoleChange(Base):
    """The audit log of roles: who granted or revoked what, to whom, where and when.

    Members are referenced by id only (names are looked up when the log is read), so an
    erased member's entries keep the history without keeping the person.
    """

    __tablename__ = "role_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    # "grant" or "revoke".
    action: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Made by the bot itself (auto-approval, a recall vote, an administrator's bootstrap),
    # not by a person: then ``actor_id`` is empty by design, not because someone was erased.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)


class Erasure(Base):
    """A member's personal data was erased at their request (``/forgetme``).

    The member row stays as an anonymous placeholder so that electorates, the register of
    who voted and petition signatures keep their counts; this row says it is one.
    """

    __tablename__ = "member_erasures"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
