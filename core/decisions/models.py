"""Tables of decisions, their electorates, who voted, and the ballots.

Secrecy is a property of the schema, not a promise: for a secret decision the register of
*who voted* (:class:`VoteRecord`) and the *ballots* (:class:`Ballot`) share nothing but the
decision id. A ballot has no voter id, no timestamp, and a random key; on SQLite its table
is ``WITHOUT ROWID`` so rows are stored in the order of that random key, not in the order
they arrived, and at close every ballot of the decision is rewritten in random order (which
also breaks PostgreSQL's physical insertion order).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class DecisionStatus(StrEnum):
    """Where a decision is in its life."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Decision(Base):
    """A question put to a branch, by one method, open for a while."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    # Proportional say: members of this sub-branch weigh 1, the rest ``others_weight``.
    affected_branch_id: Mapped[int | None] = mapped_column(ForeignKey("branches.id"))
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(16))
    seats: Mapped[int] = mapped_column(Integer, default=1)
    # STV rules: "scottish" (SSI 2007/42, the default) or "meek".
    stv_rules: Mapped[str] = mapped_column(String(16), default="scottish")
    threshold: Mapped[str] = mapped_column(String(16))
    quorum: Mapped[str] = mapped_column(String(32))
    others_weight: Mapped[str] = mapped_column(String(32))
    # Weights set per member by the organiser ({member id: "2"}), applied at opening.
    weight_overrides: Mapped[dict[str, str]] = mapped_column(JSON)
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    min_choices: Mapped[int | None] = mapped_column(Integer)
    max_choices: Mapped[int | None] = mapped_column(Integer)
    include_sub_branches: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_hours: Mapped[list[int]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The seed of any lot needed to break a tie, fixed (and shown) when the decision opens.
    seed: Mapped[str] = mapped_column(String(32))
    electorate_weight: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # A recall vote: the member whose role is at stake (None for ordinary decisions).
    recall_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DecisionOption(Base):
    """One option (a candidate, a proposal, a time slot) of a decision."""

    __tablename__ = "decision_options"
    __table_args__ = (UniqueConstraint("decision_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))


class Voter(Base):
    """A member of a decision's electorate, snapshot when it opened, with their weight."""

    __tablename__ = "decision_voters"

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    weight: Mapped[str] = mapped_column(String(32))


class VoteRecord(Base):
    """The register: this member has voted in this decision (nothing about how or when)."""

    __tablename__ = "vote_register"
    # Stored in key order, not arrival order (see the module docstring).
    __table_args__ = ({"sqlite_with_rowid": False},)

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class Ballot(Base):
    """One ballot. ``voter_id`` is set only for open decisions; secret ones cannot be linked.

    Attributes:
        id: Random; carries no order.
        receipt: The code the voter was given, to find their ballot in the published list
            (and, for secret ballots, to change it).
        weight: The voter's weight, as an exact fraction ("1", "1/2").
        content: The answer, in the method's form (see :mod:`core.decisions.ballots`).
    """

    __tablename__ = "ballots"
    __table_args__ = (
        UniqueConstraint("decision_id", "voter_id"),
        UniqueConstraint("decision_id", "receipt"),
        {"sqlite_with_rowid": False},
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    receipt: Mapped[str] = mapped_column(String(16))
    weight: Mapped[str] = mapped_column(String(32))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))


class Petition(Base):
    """A petition to recall a delegate (a member holding a role for a branch)."""

    __tablename__ = "recall_petitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16))
    needed: Mapped[str] = mapped_column(String(64))
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decisions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Signature(Base):
    """A member's signature on a recall petition (petitions are public)."""

    __tablename__ = "recall_signatures"

    petition_id: Mapped[int] = mapped_column(
        ForeignKey("recall_petitions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class AwaitedReason(Base):
    """A member pressed Block and owes the reason: their next private message is it.

    Deleted as soon as the reason arrives (or the decision closes), so for a secret
    decision the link between member and stance lives only as long as the question.
    """

    __tablename__ = "awaited_reasons"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    receipt: Mapped[str | None] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
