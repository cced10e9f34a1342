"""Vote presses on group messages, decided many per transaction.

The batch counterpart of :meth:`core.decisions.handlers.Decisions.press` for the presses
that need no conversation: a one-press answer (majority, plurality, consensus short of a
block) on an open, non-secret decision, by a member of its electorate. Such a press is
validated exactly as the ordinary handler validates it and stored by the same upsert, only
with one statement for the whole batch. Every other press — an error to explain, a block
that needs its reason, an approval or time toggle that builds on the earlier ballot, a
second press by the same person in the batch — is left to the ordinary handler (see
:mod:`core.messaging.batching`).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.membership import one_of
from core.decisions.ballots import ONE_PRESS, WITHOUT_OPTIONS, Method, private_ballot, validate
from core.decisions.models import Ballot, Decision, DecisionOption, Voter, VoteRecord
from core.decisions.render import ballot_summary, decode_content, vote_acknowledgement
from core.decisions.service import ensure_open, fraction, new_receipt, rules_of
from core.errors import UserError
from core.messaging.batching import BatchPress, BatchWork

_BALLOTS = cast(Table, Ballot.__table__)
_VOTE_REGISTER = cast(Table, VoteRecord.__table__)
# Built once per dialect; executed with a list of rows, each is one multi-row statement
# from one cached compilation (SQLAlchemy's "insertmanyvalues").
_UPSERT_BALLOTS = {
    name: (
        lambda upsert: upsert.on_conflict_do_update(
            index_elements=["decision_id", "voter_id"], set_={"content": upsert.excluded.content}
        ).returning(_BALLOTS.c.decision_id, _BALLOTS.c.voter_id, _BALLOTS.c.receipt)
    )(dialect_insert(_BALLOTS))
    for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}
_REGISTER = {
    name: dialect_insert(_VOTE_REGISTER).on_conflict_do_nothing()
    for name, dialect_insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}

RefreshBooker = Callable[[AsyncSession, Decision, datetime], Awaitable[None]]


@dataclass(frozen=True)
class _Vote:
    press: BatchPress
    decision: Decision
    options: list[str]
    ballot: dict[str, Any]
    weight: str


async def cast_presses(work: BatchWork, book_refresh: RefreshBooker) -> None:
    """Decides the vote presses of a batch that need nothing but a stored ballot.

    Args:
        work: The batch (transaction, time, presses of the vote kind).
        book_refresh: Books the live-turnout refresh of a decision (called once per batch
            for each decision voted in).
    """
    session, now = work.session, work.now
    wanted: list[tuple[BatchPress, int, str]] = []
    for press in work.presses:
        args = press.action.args
        if len(args) == 2 and args[0].isdecimal() and len(args[0]) <= 12:
            wanted.append((press, int(args[0]), args[1]))
    if not wanted:
        return
    ids = {decision_id for _p, decision_id, _c in wanted}
    dialect = session.get_bind().dialect.name
    # The decisions and the pressers' weights in them, in one query.
    decisions: dict[int, Decision] = {}
    weights: dict[tuple[int, int], str] = {}
    rows = await session.execute(
        select(Decision, Voter.member_id, Voter.weight)
        .outerjoin(
            Voter,
            and_(
                Voter.decision_id == Decision.id,
                one_of(Voter.member_id, {p.member_id for p, _d, _c in wanted}, dialect),
            ),
        )
        .where(one_of(Decision.id, ids, dialect))
    )
    for found, member_id, weight in rows:
        decisions[found.id] = found
        if member_id is not None:
            weights[(found.id, member_id)] = weight
    # Core statements on the session's connection: none of the ORM's per-statement work.
    connection = await session.connection()
    options: dict[int, list[str]] = defaultdict(list)
    # Yes/no and consensus decisions have no options: no query for them (as options_of).
    with_options = {d.id for d in decisions.values() if Method(d.method) not in WITHOUT_OPTIONS}
    if with_options:
        labels = await connection.execute(
            select(DecisionOption.decision_id, DecisionOption.label)
            .where(one_of(DecisionOption.decision_id, with_options, dialect))
            .order_by(DecisionOption.decision_id, DecisionOption.position)
        )
        for decision_id, label in labels:
            options[decision_id].append(label)
    votes: list[_Vote] = []
    taken: set[tuple[int, int]] = set()
    for press, decision_id, code in wanted:
        decision = decisions.get(decision_id)
        key = (decision_id, press.member_id)
        if decision is None or key in taken or key not in weights:
            continue
        vote = _decide(press, decision, options[decision_id], code, weights[key], now)
        if vote is not None:
            taken.add(key)
            votes.append(vote)
    claimed = {id(p) for p in await work.claim([v.press for v in votes])}
    votes = [v for v in votes if id(v.press) in claimed]
    if not votes:
        return
    await _store(session, votes)
    for decision in {v.decision.id: v.decision for v in votes}.values():
        await book_refresh(session, decision, now)


def _decide(
    press: BatchPress,
    decision: Decision,
    options: list[str],
    code: str,
    weight: str,
    now: datetime,
) -> _Vote | None:
    """The ballot a press casts, or None when the ordinary handler must answer it."""
    method = Method(decision.method)
    if method not in ONE_PRESS or private_ballot(method, decision.secret):
        return None
    try:
        ensure_open(decision, now)
        content = decode_content(method, code)
        if content.get("stance") == "block":  # the block's reason is asked for privately
            return None
        ballot = validate(rules_of(decision, len(options)), content)
    except UserError:
        return None
    return _Vote(press, decision, options, ballot, str(fraction(weight)))


async def _store(session: AsyncSession, votes: list[_Vote]) -> None:
    """Upserts the ballots and the register in two statements; acknowledges each vote."""
    fresh = {
        (v.decision.id, v.press.member_id): {
            "id": secrets.token_hex(16),
            "decision_id": v.decision.id,
            "receipt": new_receipt(),
            "weight": v.weight,
            "content": v.ballot,
            "voter_id": v.press.member_id,
        }
        for v in votes
    }
    # As in service.cast: a press by the same member elsewhere at the same instant ends
    # with one ballot (last write wins) and one register entry.
    dialect = session.get_bind().dialect.name
    connection = await session.connection()
    stored = await connection.execute(_UPSERT_BALLOTS[dialect], list(fresh.values()))
    receipts = {(d, m): r for d, m, r in stored}
    await connection.execute(
        _REGISTER[dialect], [{"decision_id": d, "member_id": m} for d, m in fresh]
    )
    for vote in votes:
        key = (vote.decision.id, vote.press.member_id)
        changed = receipts.get(key, fresh[key]["receipt"]) != fresh[key]["receipt"]
        translator = vote.press.translator
        summary = ballot_summary(vote.decision, vote.options, vote.ballot, translator)
        vote.press.acknowledgement = translator.render(vote_acknowledgement(summary, changed))
