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

import json
import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Integer, String, Table, and_, bindparam, select, text

from core.db.fixed import FixedConnection, FixedStatement
from core.db.statements import INSERT, one_of
from core.db.types import UTCDateTime
from core.decisions.ballots import ONE_PRESS, WITHOUT_OPTIONS, Method, private_ballot, validate
from core.decisions.models import Ballot, Decision, DecisionOption, Voter, VoteRecord
from core.decisions.render import ballot_summary, decode_content, vote_acknowledgement
from core.decisions.service import ensure_open, fraction, new_receipt, rules_of
from core.errors import UserError
from core.messaging.batching import BatchPress, BatchWork

_BALLOTS = cast(Table, Ballot.__table__)
_VOTE_REGISTER = cast(Table, VoteRecord.__table__)
# Every statement is built once per dialect (building one costs more than running it);
# the inserts, executed with a list of rows, are each one multi-row statement from one
# cached compilation (SQLAlchemy's "insertmanyvalues").
# These two are SQLite's; PostgreSQL writes with _CLAIM_AND_STORE.
_UPSERT_BALLOTS = FixedStatement(
    lambda dialect: (
        lambda upsert: upsert.on_conflict_do_update(
            index_elements=["decision_id", "voter_id"], set_={"content": upsert.excluded.content}
        ).returning(_BALLOTS.c.decision_id, _BALLOTS.c.voter_id, _BALLOTS.c.receipt)
    )(INSERT[dialect](_BALLOTS)),
    dialects=["sqlite"],
)
_REGISTER = FixedStatement(
    lambda dialect: INSERT[dialect](_VOTE_REGISTER).on_conflict_do_nothing(), dialects=["sqlite"]
)
# The decisions and the pressers' weights in them, in one query of columns: the ORM's
# loading of a Decision entity cost more than the query (read-only copies are built from
# the columns instead, see _read_decisions).
_DECISION_COLUMNS = tuple(cast(Table, Decision.__table__).c)
_DECISIONS = FixedStatement(
    lambda dialect: (
        select(*_DECISION_COLUMNS, Voter.member_id, Voter.weight)
        .select_from(Decision)
        .outerjoin(
            Voter,
            and_(Voter.decision_id == Decision.id, one_of(Voter.member_id, "members", dialect)),
        )
        .where(one_of(Decision.id, "decisions", dialect))
    )
)
_OPTIONS = FixedStatement(
    lambda dialect: (
        select(DecisionOption.decision_id, DecisionOption.label)
        .where(one_of(DecisionOption.decision_id, "decisions", dialect))
        .order_by(DecisionOption.decision_id, DecisionOption.position)
    )
)

RefreshBooker = Callable[[BatchWork, Decision, datetime], Awaitable[None]]


@dataclass(frozen=True)
class _Vote:
    press: BatchPress
    decision: Decision
    options: list[str]
    code: str
    ballot: dict[str, Any]
    weight: str


async def cast_presses(work: BatchWork, book_refresh: RefreshBooker) -> None:
    """Decides the vote presses of a batch that need nothing but a stored ballot.

    Args:
        work: The batch (transaction, time, presses of the vote kind).
        book_refresh: Books the live-turnout refresh of a decision (called once per batch
            for each decision voted in).
    """
    now = work.now
    wanted: list[tuple[BatchPress, int, str]] = []
    for press in work.presses:
        args = press.action.args
        if len(args) == 2 and args[0].isdecimal() and len(args[0]) <= 12:
            wanted.append((press, int(args[0]), args[1]))
    if not wanted:
        return
    decisions, weights = await _read_decisions(
        work.connection,
        {decision_id for _p, decision_id, _c in wanted},
        {p.member_id for p, _d, _c in wanted},
    )
    options: dict[int, list[str]] = defaultdict(list)
    # Yes/no and consensus decisions have no options: no query for them (as options_of).
    with_options = {d.id for d in decisions.values() if Method(d.method) not in WITHOUT_OPTIONS}
    if with_options:
        labels = await work.connection.rows(_OPTIONS, {"decisions": list(with_options)})
        for decision_id, label in labels:
            options[decision_id].append(label)
    votes: list[_Vote] = []
    taken: set[tuple[int, int]] = set()
    # A crowd presses the same few buttons: each (decision, button) is checked once, and
    # each weight read once, per batch.
    ballots: dict[tuple[int, str], dict[str, Any] | None] = {}
    exact: dict[str, str] = {}
    for press, decision_id, code in wanted:
        decision = decisions.get(decision_id)
        key = (decision_id, press.member_id)
        if decision is None or key in taken or key not in weights:
            continue
        if (decision_id, code) not in ballots:
            ballots[(decision_id, code)] = _ballot(decision, len(options[decision_id]), code, now)
        ballot = ballots[(decision_id, code)]
        if ballot is None:
            continue
        weight = weights[key]
        if weight not in exact:
            exact[weight] = str(fraction(weight))
        taken.add(key)
        votes.append(_Vote(press, decision, options[decision_id], code, ballot, exact[weight]))
    if not votes:
        return
    rows = {
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
    if work.dialect == "postgresql":
        receipts = await _claim_and_store_at_once(work, votes, rows)
    else:
        receipts = await _claim_and_store(work, votes, rows)
    votes = [v for v in votes if (v.decision.id, v.press.member_id) in receipts]
    if not votes:
        return
    _acknowledge(votes, rows, receipts)
    for decision in {v.decision.id: v.decision for v in votes}.values():
        await book_refresh(work, decision, now)


async def _read_decisions(
    connection: FixedConnection, ids: set[int], members: set[int]
) -> tuple[dict[int, Decision], dict[tuple[int, int], str]]:
    """The decisions by id, and the weights of ``members`` in them.

    The decisions are read-only copies, built from their columns and never added to a
    session: the batch only reads them (its writes are ballots, register and jobs).
    """
    decisions: dict[int, Decision] = {}
    weights: dict[tuple[int, int], str] = {}
    rows = await connection.rows(_DECISIONS, {"decisions": list(ids), "members": list(members)})
    width = len(_DECISION_COLUMNS)
    for row in rows:
        decision_id, member_id, weight = row[0], row[width], row[width + 1]
        if decision_id not in decisions:
            decisions[decision_id] = Decision(
                **{column.key: row[i] for i, column in enumerate(_DECISION_COLUMNS)}
            )
        if member_id is not None:
            weights[(decision_id, member_id)] = weight
    return decisions, weights


def _ballot(decision: Decision, options: int, code: str, now: datetime) -> dict[str, Any] | None:
    """The ballot a button casts, or None when the ordinary handler must answer it."""
    method = Method(decision.method)
    if method not in ONE_PRESS or private_ballot(method, decision.secret):
        return None
    try:
        ensure_open(decision, now)
        content = decode_content(method, code)
        if content.get("stance") == "block":  # the block's reason is asked for privately
            return None
        return validate(rules_of(decision, options), content)
    except UserError:
        return None


async def _claim_and_store(
    work: BatchWork, votes: list[_Vote], rows: dict[tuple[int, int], dict[str, Any]]
) -> dict[tuple[int, int], str]:
    """Claims the presses, then upserts the ballots and the register of the new ones.

    Three statements (one each); on SQLite they run inline (see core.db.dialects), where a
    statement costs tens of microseconds.

    Returns:
        The stored receipt of each (decision, member) whose press was new.
    """
    claimed = {id(p) for p in await work.claim([v.press for v in votes])}
    fresh = [rows[(v.decision.id, v.press.member_id)] for v in votes if id(v.press) in claimed]
    if not fresh:
        return {}
    # As in service.cast: a press by the same member elsewhere at the same instant ends
    # with one ballot (last write wins) and one register entry.
    stored = await work.connection.rows(_UPSERT_BALLOTS, fresh)
    receipts = {(d, m): r for d, m, r in stored}
    await work.connection.rows(
        _REGISTER,
        [{"decision_id": row["decision_id"], "member_id": row["voter_id"]} for row in fresh],
    )
    return receipts


# On PostgreSQL the three writes are one statement (data-modifying CTEs): each statement
# is a round trip to the server, the largest part of a batch's time there. The presses
# whose update id is recorded ("fresh") are the only ones whose ballot and register entry
# are written; the ballots returned name them.
_CLAIM_AND_STORE = FixedStatement(
    lambda _dialect: (
        text(
            """
WITH presses AS (
    SELECT * FROM unnest(
        CAST(:platforms AS text[]), CAST(:update_keys AS text[]), CAST(:ids AS text[]),
        CAST(:decisions AS integer[]), CAST(:receipts AS text[]), CAST(:weights AS text[]),
        CAST(:contents AS text[]), CAST(:voters AS integer[])
    ) AS p(platform, update_key, id, decision_id, receipt, weight, content, voter_id)
),
fresh AS (
    INSERT INTO handled_updates (platform, update_key, handled_at)
    SELECT platform, update_key, :now FROM presses WHERE update_key IS NOT NULL
    ON CONFLICT DO NOTHING
    RETURNING platform, update_key
),
taken AS (
    SELECT p.* FROM presses AS p
    WHERE p.update_key IS NULL OR EXISTS (
        SELECT 1 FROM fresh AS f
        WHERE f.platform = p.platform AND f.update_key = p.update_key
    )
),
registered AS (
    INSERT INTO vote_register (decision_id, member_id)
    SELECT decision_id, voter_id FROM taken
    ON CONFLICT DO NOTHING
)
INSERT INTO ballots (id, decision_id, receipt, weight, content, voter_id)
SELECT id, decision_id, receipt, weight, CAST(content AS json), voter_id FROM taken
ON CONFLICT (decision_id, voter_id) DO UPDATE SET content = excluded.content
RETURNING decision_id, voter_id, receipt
"""
        )
        .bindparams(bindparam("now", type_=UTCDateTime()))
        .columns(decision_id=Integer(), voter_id=Integer(), receipt=String())
    ),
    dialects=["postgresql"],
)


async def _claim_and_store_at_once(
    work: BatchWork, votes: list[_Vote], rows: dict[tuple[int, int], dict[str, Any]]
) -> dict[tuple[int, int], str]:
    """:func:`_claim_and_store` as one statement (PostgreSQL)."""
    keys = [work.update_key(v.press) for v in votes]
    ordered = [rows[(v.decision.id, v.press.member_id)] for v in votes]
    stored = await work.connection.rows(
        _CLAIM_AND_STORE,
        {
            "platforms": [v.press.inbound.platform for v in votes],
            "update_keys": keys,
            "ids": [row["id"] for row in ordered],
            "decisions": [row["decision_id"] for row in ordered],
            "receipts": [row["receipt"] for row in ordered],
            "weights": [row["weight"] for row in ordered],
            "contents": [json.dumps(row["content"]) for row in ordered],
            "voters": [row["voter_id"] for row in ordered],
            "now": work.now,
        },
    )
    receipts = {(d, m): r for d, m, r in stored}
    # The presses whose ballot came back are those whose update id this statement recorded.
    work.mark_claimed([v.press for v in votes if (v.decision.id, v.press.member_id) in receipts])
    return receipts


def _acknowledge(
    votes: list[_Vote],
    rows: dict[tuple[int, int], dict[str, Any]],
    receipts: dict[tuple[int, int], str],
) -> None:
    """Sets each stored vote's private note: recorded, or changed."""
    # The same answer in the same language reads the same: rendered once per batch.
    notes: dict[tuple[int, str, str, bool], str] = {}
    for vote in votes:
        key = (vote.decision.id, vote.press.member_id)
        changed = receipts[key] != rows[key]["receipt"]
        translator = vote.press.translator
        note = (vote.decision.id, vote.code, translator.language, changed)
        if note not in notes:
            summary = ballot_summary(vote.decision, vote.options, vote.ballot, translator)
            notes[note] = translator.render(vote_acknowledgement(summary, changed))
        vote.press.acknowledgement = notes[note]
