"""Use cases of decisions: open, vote, change a vote, close, extend, cancel."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import Text, delete, func, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.upsert import insert_for
from core.decisions.ballots import WITHOUT_OPTIONS, BallotRules, Method
from core.decisions.methods.stv import StvRules
from core.decisions.methods.types import Outcome, Threshold
from core.decisions.models import (
    AwaitedReason,
    Ballot,
    Decision,
    DecisionOption,
    DecisionStatus,
    Voter,
    VoteRecord,
)
from core.decisions.tally import CountRules, Turnout, count
from core.errors import UserError
from core.federation.models import Branch
from core.i18n.message import _
from core.members.models import Member

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back
RECEIPT_LENGTH = 8
MAX_OPTIONS = 20
MAX_QUESTION = 500
MAX_OPTION = 200


def fraction(text: str) -> Fraction:
    """A stored exact fraction ("1/2", "1", "0.25")."""
    return Fraction(text)


def new_receipt() -> str:
    """A random receipt code (8 characters from an unambiguous alphabet)."""
    # One read of the system's randomness rather than one per character; 256 is a multiple
    # of the alphabet's 32 letters, so every letter stays equally likely.
    alphabet = len(RECEIPT_ALPHABET)
    return "".join(RECEIPT_ALPHABET[b % alphabet] for b in secrets.token_bytes(RECEIPT_LENGTH))


def show_receipt(receipt: str) -> str:
    """A receipt as people read it: ``ABCD-EFGH``."""
    return f"{receipt[:4]}-{receipt[4:]}"


def normal_receipt(text: str) -> str:
    """A receipt as typed (any case, with or without the dash) in stored form."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


@dataclass(frozen=True)
class NewDecision:
    """What an organiser asked for when opening a decision."""

    branch: Branch
    proposer: Member
    question: str
    language: str
    method: Method
    options: tuple[str, ...]
    opens_at: datetime
    closes_at: datetime
    seats: int = 1
    stv_rules: StvRules = StvRules.SCOTTISH
    threshold: Threshold = Threshold.SIMPLE
    quorum: Fraction = Fraction(0)
    others_weight: Fraction = Fraction(1, 2)
    affected: Branch | None = None
    secret: bool = False
    consent: bool = False
    min_choices: int | None = None
    max_choices: int | None = None
    include_sub_branches: bool = False
    reminder_hours: tuple[int, ...] = (24,)
    weights: Mapping[int, Fraction] = field(default_factory=dict)
    recall_member_id: int | None = None


def check_new(spec: NewDecision) -> None:
    """Refuses a decision that cannot be run as asked.

    Raises:
        UserError: With what to change.
    """
    if not spec.question.strip():
        raise UserError(_("The question is missing."))
    if len(spec.question) > MAX_QUESTION:
        raise UserError(_("The question is too long (at most {max} characters).", max=MAX_QUESTION))
    if spec.method in WITHOUT_OPTIONS:
        if spec.options:
            raise UserError(_("This method answers the question itself; leave out the options."))
    else:
        if len(spec.options) < 2:
            raise UserError(_("Give at least two options."))
        if len(spec.options) > MAX_OPTIONS:
            raise UserError(_("At most {max} options, please.", max=MAX_OPTIONS))
        if any(not o.strip() or len(o) > MAX_OPTION for o in spec.options):
            raise UserError(
                _("Each option needs a label of 1 to {max} characters.", max=MAX_OPTION)
            )
        if len({o.casefold() for o in spec.options}) != len(spec.options):
            raise UserError(_("Two options have the same label."))
    if spec.method is Method.STV and not 1 <= spec.seats < len(spec.options):
        raise UserError(
            _("The number of seats must be at least 1 and less than the number of options.")
        )
    if spec.closes_at <= spec.opens_at:
        raise UserError(_("The decision must close after it opens."))
    if (
        spec.min_choices is not None
        and spec.max_choices is not None
        and spec.min_choices > spec.max_choices
    ):
        raise UserError(_("The minimum number of choices is above the maximum."))
    if spec.max_choices is not None and spec.max_choices < 1:
        raise UserError(_("The maximum number of choices must be at least 1."))


async def subtree_ids(session: AsyncSession, branch_id: int) -> set[int]:
    """The branch and every active branch below it."""
    rows = (await session.execute(select(Branch.id, Branch.parent_id))).all()
    children: dict[int, list[int]] = {}
    for child, parent in rows:
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found, todo = set(), [branch_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


async def branch_members(session: AsyncSession, branch_id: int) -> list[Member]:
    """Members whose chapter is the branch or below it."""
    ids = await subtree_ids(session, branch_id)
    rows = await session.scalars(
        select(Member).where(Member.chapter_id.in_(ids)).order_by(Member.id)
    )
    return list(rows.all())


async def electorate_weights(session: AsyncSession, decision: Decision) -> dict[int, Fraction]:
    """Who may vote and with what weight, as of now (the snapshot taken at opening).

    Say in proportion to how much one is affected: with an affected sub-branch its members
    weigh 1 and the rest of the branch ``others_weight``; per-member weights set by the
    organiser override both. Members with weight 0 are not in the electorate.
    """
    members = await branch_members(session, decision.branch_id)
    affected = (
        await subtree_ids(session, decision.affected_branch_id)
        if decision.affected_branch_id is not None
        else None
    )
    others = fraction(decision.others_weight)
    overrides = {int(k): fraction(v) for k, v in decision.weight_overrides.items()}
    weights: dict[int, Fraction] = {}
    for member in members:
        weight = Fraction(1) if affected is None or member.chapter_id in affected else others
        weight = overrides.get(member.id, weight)
        if weight > 0:
            weights[member.id] = weight
    return weights


async def create(session: AsyncSession, spec: NewDecision, now: datetime) -> Decision:
    """Stores a new decision (scheduled, or open at once when its opening time has come)."""
    check_new(spec)
    decision = Decision(
        branch_id=spec.branch.id,
        affected_branch_id=spec.affected.id if spec.affected else None,
        proposer_id=spec.proposer.id,
        question=" ".join(spec.question.split()),
        language=spec.language,
        method=spec.method.value,
        seats=spec.seats,
        stv_rules=spec.stv_rules.value,
        threshold=spec.threshold.value,
        quorum=str(spec.quorum),
        others_weight=str(spec.others_weight),
        weight_overrides={str(k): str(v) for k, v in spec.weights.items()},
        secret=spec.secret,
        consent=spec.consent,
        min_choices=spec.min_choices,
        max_choices=spec.max_choices,
        include_sub_branches=spec.include_sub_branches,
        reminder_hours=list(spec.reminder_hours),
        status=DecisionStatus.SCHEDULED.value,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        seed=secrets.token_hex(8),
        recall_member_id=spec.recall_member_id,
        created_at=now,
    )
    session.add(decision)
    await session.flush()
    for position, label in enumerate(spec.options):
        session.add(
            DecisionOption(
                decision_id=decision.id, position=position, label=" ".join(label.split())
            )
        )
    await session.flush()
    return decision


async def start(session: AsyncSession, decision: Decision) -> int:
    """Opens a decision: snapshots the electorate. Returns its size."""
    weights = await electorate_weights(session, decision)
    for member_id, weight in weights.items():
        session.add(Voter(decision_id=decision.id, member_id=member_id, weight=str(weight)))
    decision.electorate_weight = str(sum(weights.values(), Fraction(0)))
    decision.status = DecisionStatus.OPEN.value
    await session.flush()
    return len(weights)


async def options_of(session: AsyncSession, decision: Decision | int) -> list[str]:
    """The option labels in order (none, without a query, for yes/no and consensus)."""
    if isinstance(decision, Decision):
        if Method(decision.method) in WITHOUT_OPTIONS:
            return []
        decision_id = decision.id
    else:
        decision_id = decision
    rows = await session.scalars(
        select(DecisionOption.label)
        .where(DecisionOption.decision_id == decision_id)
        .order_by(DecisionOption.position)
    )
    return list(rows.all())


def rules_of(decision: Decision, options: int) -> BallotRules:
    """The ballot rules of a decision."""
    return BallotRules(Method(decision.method), options, decision.min_choices, decision.max_choices)


def ensure_open(decision: Decision, now: datetime) -> None:
    """Refuses votes on a decision that is not taking them.

    Raises:
        UserError: Closed, cancelled, or not yet open.
    """
    status = DecisionStatus(decision.status)
    if status is DecisionStatus.SCHEDULED:
        raise UserError(_("Decision #{id} is not open yet.", id=decision.id))
    if status is DecisionStatus.CANCELLED:
        raise UserError(_("Decision #{id} was cancelled.", id=decision.id))
    if status is DecisionStatus.CLOSED or now >= decision.closes_at:
        raise UserError(_("Decision #{id} is closed; votes can no longer be cast.", id=decision.id))


@dataclass(frozen=True)
class Cast:
    """A vote taken: its receipt, and whether it replaced an earlier one."""

    receipt: str
    changed: bool


async def voter_weight(session: AsyncSession, decision: Decision, member_id: int) -> Fraction:
    """The member's weight in the decision.

    Raises:
        UserError: They are not in its electorate.
    """
    voter = await session.get(Voter, (decision.id, member_id))
    if voter is None:
        raise UserError(
            _(
                "You are not in the electorate of decision #{id}: it is for members of the "
                "branch it belongs to when it opened.",
                id=decision.id,
            )
        )
    return fraction(voter.weight)


async def has_voted(session: AsyncSession, decision_id: int, member_id: int) -> bool:
    """Whether the member is in the register of voters."""
    return await session.get(VoteRecord, (decision_id, member_id)) is not None


async def open_ballot_of(session: AsyncSession, decision_id: int, member_id: int) -> Ballot | None:
    """The member's ballot in an open (non-secret) decision."""
    return await session.scalar(
        select(Ballot).where(Ballot.decision_id == decision_id, Ballot.voter_id == member_id)
    )


async def cast(
    session: AsyncSession,
    decision: Decision,
    member_id: int,
    content: dict[str, Any],
    now: datetime,
    receipt: str | None = None,
    weight: Fraction | None = None,
) -> Cast:
    """Records a (validated) ballot; a later ballot of the same member replaces theirs.

    For a secret decision the earlier ballot can only be found by its receipt, which only
    the voter holds: without it a second vote is refused, never silently added.

    Raises:
        UserError: Closed, not in the electorate, or already voted in secret without a
            receipt.
    """
    ensure_open(decision, now)
    if weight is None:
        weight = await voter_weight(session, decision, member_id)
    if not decision.secret:
        existing = await open_ballot_of(session, decision.id, member_id)
        if existing is not None:
            existing.content = content
            await session.flush()
            return Cast(existing.receipt, changed=True)
        fresh = _ballot_values(decision, weight, content, voter_id=member_id)
        # Upserts: the same member pressing on another platform at the same instant ends
        # with one ballot (theirs, last write wins) and one register entry.
        stored = await session.scalar(
            insert_for(session, Ballot)
            .values(**fresh)
            .on_conflict_do_update(
                index_elements=["decision_id", "voter_id"], set_={"content": content}
            )
            .returning(Ballot.receipt)
        )
        await _register(session, decision.id, member_id)
        return Cast(str(stored), changed=stored != fresh["receipt"])
    if receipt is not None:
        if not await has_voted(session, decision.id, member_id):
            raise UserError(_("That receipt does not match a ballot in this decision."))
        ballot = await session.scalar(
            select(Ballot).where(
                Ballot.decision_id == decision.id, Ballot.receipt == normal_receipt(receipt)
            )
        )
        if ballot is None:
            raise UserError(_("That receipt does not match a ballot in this decision."))
        ballot.content = content
        await session.flush()
        return Cast(ballot.receipt, changed=True)
    if not await _register(session, decision.id, member_id):
        raise UserError(
            _(
                "You have already voted in decision #{id}. To change a secret ballot, use "
                "“Change my vote” on your receipt.",
                id=decision.id,
            )
        )
    fresh = _ballot_values(decision, weight, content, voter_id=None)
    await session.execute(insert_for(session, Ballot).values(**fresh))
    return Cast(fresh["receipt"], changed=False)


async def _register(session: AsyncSession, decision_id: int, member_id: int) -> bool:
    """Enters the member in the register of voters; False when they already were."""
    added = await session.scalar(
        insert_for(session, VoteRecord)
        .values(decision_id=decision_id, member_id=member_id)
        .on_conflict_do_nothing()
        .returning(VoteRecord.member_id)
    )
    return added is not None


def _ballot_values(
    decision: Decision, weight: Fraction, content: dict[str, Any], voter_id: int | None
) -> dict[str, Any]:
    return {
        "id": secrets.token_hex(16),
        "decision_id": decision.id,
        "receipt": new_receipt(),
        "weight": str(weight),
        "content": content,
        "voter_id": voter_id,
    }


async def turnout(session: AsyncSession, decision: Decision) -> tuple[int, int, Turnout]:
    """(voters, electorate size, weighted turnout with the quorum).

    Summed in the database, grouped by weight: a large electorate costs a few rows here.
    """
    everyone = await session.execute(
        select(Voter.weight, func.count())
        .where(Voter.decision_id == decision.id)
        .group_by(Voter.weight)
    )
    voted = await session.execute(
        select(Voter.weight, func.count())
        .join(
            VoteRecord,
            (VoteRecord.decision_id == Voter.decision_id)
            & (VoteRecord.member_id == Voter.member_id),
        )
        .where(Voter.decision_id == decision.id)
        .group_by(Voter.weight)
    )
    size, total = _weighed(everyone.all())
    voters, voted_weight = _weighed(voted.all())
    return voters, size, Turnout(voted_weight, total, fraction(decision.quorum))


def _weighed(rows: Sequence[tuple[str, int]]) -> tuple[int, Fraction]:
    count = sum(n for _w, n in rows)
    return count, sum((fraction(w) * n for w, n in rows), Fraction(0))


async def grouped_ballots(
    session: AsyncSession, decision_id: int
) -> list[tuple[dict[str, Any], Fraction]]:
    """Every distinct ballot with its total weight: what a count needs, without receipts.

    Identical ballots are grouped by the database (by their stored JSON text), so closing a
    decision of 100,000 ballots reads a few hundred rows, not 100,000.
    """
    content = sql_cast(Ballot.content, Text)
    rows = await session.execute(
        select(content, Ballot.weight, func.count())
        .where(Ballot.decision_id == decision_id)
        .group_by(content, Ballot.weight)
    )
    totals: dict[str, Fraction] = {}
    for stored, weight, n in rows.all():
        # The same ballot may be stored as differently spaced JSON text: merge after parsing.
        key = json.dumps(json.loads(stored), sort_keys=True)
        totals[key] = totals.get(key, Fraction(0)) + fraction(weight) * n
    return [(json.loads(key), weight) for key, weight in sorted(totals.items())]


async def ballots_of(
    session: AsyncSession, decision_id: int
) -> list[tuple[dict[str, Any], Fraction, str]]:
    """Every ballot as ``(content, weight, receipt)``, in receipt order (no arrival order)."""
    rows = await session.execute(
        select(Ballot.content, Ballot.weight, Ballot.receipt)
        .where(Ballot.decision_id == decision_id)
        .order_by(Ballot.receipt)
    )
    return [(content, fraction(weight), receipt) for content, weight, receipt in rows.all()]


def count_rules(decision: Decision, options: Sequence[str]) -> CountRules:
    """What the count needs of the decision."""
    labels = tuple(options) if options else ()
    return CountRules(
        Method(decision.method),
        labels,
        decision.seats,
        Threshold(decision.threshold),
        decision.consent,
        decision.seed,
        StvRules(decision.stv_rules),
    )


async def close(
    session: AsyncSession, decision: Decision, now: datetime
) -> tuple[Outcome, Turnout]:
    """Closes a decision and counts it; stores the outcome with the turnout.

    A secret decision's ballots are rewritten in random order, so that not even the
    physical order of rows in the database hints at who voted when.
    """
    options = await options_of(session, decision)
    outcome = count(count_rules(decision, options), await grouped_ballots(session, decision.id))
    _voters, _size, result = await turnout(session, decision)
    decision.status = DecisionStatus.CLOSED.value
    decision.closed_at = now
    decision.outcome = {
        "result": outcome.to_json(),
        "voted": str(result.voted),
        "electorate": str(result.electorate),
        "quorum": str(result.quorum),
        "quorum_met": result.met,
    }
    await session.execute(delete(AwaitedReason).where(AwaitedReason.decision_id == decision.id))
    if decision.secret:
        await _shuffle(session, decision.id)
    await session.flush()
    return outcome, result


async def _shuffle(session: AsyncSession, decision_id: int) -> None:
    """Rewrites a decision's ballots in random physical order, under new random keys.

    On SQLite the ballots table is ``WITHOUT ROWID``: rows already sit in the order of their
    random keys, so nothing needs moving. PostgreSQL appends rows to its heap in arrival
    order; one statement moves them (delete, then re-insert in random order).
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text(
            "WITH moved AS (DELETE FROM ballots WHERE decision_id = :decision "
            "RETURNING receipt, weight, content) "
            "INSERT INTO ballots (id, decision_id, receipt, weight, content, voter_id) "
            "SELECT replace(gen_random_uuid()::text, '-', ''), :decision, receipt, weight, "
            "content, NULL FROM moved ORDER BY random()"
        ),
        {"decision": decision_id},
    )


async def extend(decision: Decision, until: datetime, now: datetime) -> None:
    """Moves the closing time later.

    Raises:
        UserError: The decision is not open or the new time is not later.
    """
    ensure_open(decision, now)
    if until <= decision.closes_at:
        raise UserError(_("The new closing time must be later than the current one."))
    decision.closes_at = until


def cancel(decision: Decision) -> None:
    """Cancels a decision that has not closed.

    Raises:
        UserError: It is already closed or cancelled.
    """
    if decision.status in (DecisionStatus.CLOSED.value, DecisionStatus.CANCELLED.value):
        raise UserError(_("Decision #{id} is already over.", id=decision.id))
    decision.status = DecisionStatus.CANCELLED.value


async def non_voters(session: AsyncSession, decision_id: int) -> list[int]:
    """Members of the electorate who have not voted yet."""
    voted = select(VoteRecord.member_id).where(VoteRecord.decision_id == decision_id)
    rows = await session.scalars(
        select(Voter.member_id).where(
            Voter.decision_id == decision_id, Voter.member_id.not_in(voted)
        )
    )
    return list(rows.all())


def closes_in(decision: Decision, now: datetime) -> timedelta:
    """Time left before closing."""
    return decision.closes_at - now
