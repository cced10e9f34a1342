"""Button presses handled many to a transaction: the fast path for a crowd voting at once.

A vote press through the ordinary path (:meth:`core.app.CoreApp.handle`) is one
transaction of about eight statements; each statement costs a few hundred microseconds of
SQLAlchemy and driver time, so a lone process tops out at a few hundred presses a second.
When a whole branch votes at once, presses arrive faster than that. A :class:`PressBatcher`
gathers the presses that arrive while a transaction is running and handles them all in the
next one, with a handful of multi-row statements (group commit).

Only the ordinary case is batched: a known member pressing a button whose capability
registered a :data:`BatchHandler`. The batch handler reads what it needs for all the
presses at once, decides each one, and writes only those it fully decided; anything else
(an error to explain, a follow-up question, a second press by the same person in the same
batch) it hands back, and that press goes through the ordinary path afterwards — with its
own transaction, savepoint and localized answer, exactly as if batching did not exist. If
the batch transaction fails as a whole, every press in it goes the ordinary way too, so a
batch can delay a press but never lose or half-apply one.

Exactly once: a batched press's update id is recorded in the batch's transaction (the same
table the ordinary path records it in), only for the presses the handler decided.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import BindParameter, Executable, String, Table, bindparam, select, text, true

from core.db.database import Database
from core.db.fixed import FixedConnection, FixedStatement, Params
from core.db.statements import INSERT, one_of
from core.db.types import UTCDateTime
from core.federation.models import Branch, Chat
from core.i18n.translator import Translator
from core.members.models import Member, PlatformAccount
from core.messaging.actions import Action, ActionError, ActionSigner
from core.messaging.arrival import account_changes
from core.messaging.inbound import ButtonPressed, ChatRef, Sender
from core.messaging.models import HandledUpdate

log = logging.getLogger(__name__)


# Columns, not entities: the batch only reads who pressed and where (nothing is written to
# these rows, see PressBatcher._who), and loading four ORM entities per press would cost
# more than the rest of the batch. Built once per dialect, as every batch statement is:
# building it anew for each batch cost more than running it.
def _who_statement(dialect: str) -> Executable:
    platform: BindParameter[str] = bindparam("platform", type_=String())
    return (
        select(
            PlatformAccount.external_id,
            PlatformAccount.member_id,
            PlatformAccount.display_name,
            PlatformAccount.language_hint,
            PlatformAccount.last_seen_at,
            Member.language,
            Chat.external_id.label("chat"),
            Chat.title,
            Branch.language.label("branch_language"),
        )
        .join(Member, Member.id == PlatformAccount.member_id)
        .join(Chat, true())
        .outerjoin(Branch, Branch.id == Chat.branch_id)
        .where(
            PlatformAccount.platform == platform,
            one_of(PlatformAccount.external_id, "senders", dialect),
            Chat.platform == platform,
            one_of(Chat.external_id, "chats", dialect),
        )
    )


_WHO = FixedStatement(_who_statement)

_HANDLED = cast(Table, HandledUpdate.__table__)


def _record_new(dialect: str) -> Executable:
    # On SQLite, executed with a list of rows: a multi-row INSERT from one cached
    # compilation (SQLAlchemy's "insertmanyvalues"). On PostgreSQL, one statement over
    # arrays (the rows of a list would each be a statement of their own).
    if dialect == "sqlite":
        statement: Executable = (
            INSERT[dialect](_HANDLED)
            .on_conflict_do_nothing()
            .returning(_HANDLED.c.platform, _HANDLED.c.update_key)
        )
        return statement
    return (
        text(
            "INSERT INTO handled_updates (platform, update_key, handled_at) "
            "SELECT platform, update_key, :now FROM unnest("
            "CAST(:platforms AS text[]), CAST(:update_keys AS text[])"
            ") AS p(platform, update_key) "
            "ON CONFLICT DO NOTHING RETURNING platform, update_key"
        )
        .bindparams(bindparam("now", type_=UTCDateTime()))
        .columns(platform=String(), update_key=String())
    )


_RECORD_NEW = FixedStatement(_record_new)

# Enough to amortise a transaction many times over, few enough that one batch's latency
# stays a few milliseconds.
MAX_BATCH = 64


@dataclass
class BatchPress:
    """One press in a batch, with who made it; the handler fills in the result.

    Attributes:
        inbound: The press as the platform delivered it.
        action: Its verified action.
        member_id: The presser.
        translator: The presser's language.
        acknowledgement: Set by the handler when it decided the press: the short private
            note the presser sees.
    """

    inbound: ButtonPressed
    action: Action
    member_id: int
    translator: Translator
    acknowledgement: str | None = None


@dataclass
class BatchWork:
    """What a batch handler works with: the transaction and the presses of one kind.

    Args:
        connection: The batch's transaction; it runs fixed statements only
            (:mod:`core.db.fixed`).
        now: The batch's time.
        presses: The presses to decide.
    """

    connection: FixedConnection
    now: datetime
    presses: list[BatchPress]
    claimed: set[int] = field(default_factory=set)

    @property
    def dialect(self) -> str:
        """The backend's dialect name (``sqlite`` or ``postgresql``)."""
        return self.connection.dialect

    @staticmethod
    def update_key(press: BatchPress) -> str | None:
        """The key a press's update id is recorded under (None: the press has none)."""
        update_id = press.inbound.update_id
        return None if update_id is None else update_id[:128]

    def mark_claimed(self, presses: Sequence[BatchPress]) -> None:
        """Notes presses a handler claimed itself, in a statement of its own.

        For a handler that records the update ids together with its own writes (one
        statement instead of several, see :mod:`core.decisions.batch`): it must record
        them exactly as :meth:`claim` does, and mark only the presses it recorded.
        """
        self.claimed.update(id(p) for p in presses)

    async def claim(self, presses: Sequence[BatchPress]) -> list[BatchPress]:
        """Records the presses' update ids as handled; returns those not handled before.

        Call it after deciding and before writing: a press whose update id was already
        recorded is a copy, and must change nothing. Presses without an update id are
        always new.
        """
        keyed = [p for p in presses if p.inbound.update_id is not None]
        fresh: set[tuple[str, str]] = set()
        if keyed:
            params: Params
            if self.dialect == "postgresql":
                params = {
                    "platforms": [p.inbound.platform for p in keyed],
                    "update_keys": [self.update_key(p) for p in keyed],
                    "now": self.now,
                }
            else:
                params = [
                    {
                        "platform": p.inbound.platform,
                        "update_key": self.update_key(p),
                        "handled_at": self.now,
                    }
                    for p in keyed
                ]
            rows = await self.connection.rows(_RECORD_NEW, params)
            fresh = {(row[0], row[1]) for row in rows}
        taken = [
            p
            for p in presses
            if p.inbound.update_id is None
            or (p.inbound.platform, p.inbound.update_id[:128]) in fresh
        ]
        self.claimed.update(id(p) for p in taken)
        return taken


BatchHandler = Callable[[BatchWork], Awaitable[None]]
"""Decides what it can of a batch of presses of one action kind.

It must only write for presses it passed through :meth:`BatchWork.claim` and set their
``acknowledgement``; every other press is left untouched and goes the ordinary way.
"""


TranslatorFor = Callable[[str | None, str | None, str | None], Translator]
Acknowledge = Callable[[ButtonPressed, str | None], Awaitable[None]]
Ordinary = Callable[[ButtonPressed], Awaitable[None]]


@dataclass
class _Waiting:
    press: ButtonPressed
    action: Action
    done: asyncio.Future[None]


class PressBatcher:
    """Gathers button presses of batchable kinds and handles them many per transaction.

    Args:
        db: The database.
        handlers: The batch handlers by action kind (the router's, see
            :meth:`~core.messaging.router.Router.batch`); read on every press, so
            capabilities may register after the batcher is built.
        signer: Verifies button data.
        now: The clock's ``now``.
        translator_for: A reader's translator from (chosen, hint, chat language).
        acknowledge: Sends a decided press's note to the platform.
        ordinary: Handles one press the ordinary way (its own transaction).
    """

    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, BatchHandler],
        signer: ActionSigner,
        now: Callable[[], datetime],
        translator_for: TranslatorFor,
        acknowledge: Acknowledge,
        ordinary: Ordinary,
    ) -> None:
        self._db = db
        self._signer = signer
        self._now = now
        self._translator_for = translator_for
        self._acknowledge = acknowledge
        self._ordinary = ordinary
        self._handlers = handlers
        self._waiting: list[_Waiting] = []
        # One batch at a time, on either backend: SQLite has one writer, and on PostgreSQL
        # (measured) two batches at once only split the same CPU between smaller batches.
        self._flushing: asyncio.Task[None] | None = None

    def accepts(self, press: ButtonPressed) -> Action | None:
        """The press's action when it may be batched (a valid button of a batchable kind)."""
        if not self._handlers:
            return None
        try:
            action = self._signer.decode(press.data)
        except ActionError:
            return None  # the ordinary path explains forged data
        return action if action.kind in self._handlers else None

    async def submit(self, press: ButtonPressed, action: Action) -> None:
        """Handles ``press`` in the next batch; returns once it is handled and acknowledged."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(press, action, done))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_all())
        await asyncio.shield(done)

    async def _flush_all(self) -> None:
        # Whatever arrives while a batch runs forms the next one.
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                await self._flush(batch)
            except Exception:  # pragma: no cover - _flush already falls back on failure
                log.exception("press batch failed")
            finally:
                for waiting in batch:
                    if not waiting.done.done():
                        waiting.done.set_result(None)

    async def _flush(self, batch: list[_Waiting]) -> None:
        decided: list[BatchPress] = []
        try:
            decided = await self._decide(batch)
        except Exception:
            log.exception("press batch rolled back; its presses go the ordinary way")
            decided = []
        by_press = {id(p.inbound): p for p in decided}
        later: list[_Waiting] = []
        for waiting in batch:
            press = by_press.get(id(waiting.press))
            if press is None:
                later.append(waiting)
                continue
            try:
                await self._acknowledge(waiting.press, press.acknowledgement)
            except Exception:
                log.exception("acknowledge failed", extra={"platform": waiting.press.platform})
            waiting.done.set_result(None)
        # The presses the batch did not decide, in arrival order, each in its own
        # transaction: a second press by the same person thus lands after their first.
        for waiting in later:
            try:
                await self._ordinary(waiting.press)
            finally:
                waiting.done.set_result(None)

    async def _decide(self, batch: list[_Waiting]) -> list[BatchPress]:
        """One transaction: who pressed, each kind's handler, the writes. Decided presses."""
        now = self._now()
        async with self._db.fixed_transaction() as connection:
            known = await self._who(connection, batch, now)
            presses = [
                BatchPress(w.press, w.action, *found)
                for w in batch
                if (found := known.get((w.press.platform, w.press.sender, w.press.chat)))
            ]
            claimed: list[BatchPress] = []
            for kind, handler in self._handlers.items():
                work = BatchWork(connection, now, [p for p in presses if p.action.kind == kind])
                if not work.presses:
                    continue
                await handler(work)
                claimed += [
                    p
                    for p in work.presses
                    if id(p) in work.claimed and p.acknowledgement is not None
                ]
        return claimed

    async def _who(
        self, connection: FixedConnection, batch: list[_Waiting], now: datetime
    ) -> dict[tuple[str, Sender, ChatRef], tuple[int, Translator]]:
        """The member and language behind each press whose arrival would change nothing.

        One query per platform. A press from someone or somewhere new, or one that would
        update its account (last seen long ago, a new name or language hint) or its chat
        (a new title), is not batched: the ordinary path keeps those rows current.
        """
        found: dict[tuple[str, Sender, ChatRef], tuple[int, Translator]] = {}
        translators: dict[tuple[str | None, str | None, str | None], Translator] = {}
        for platform in {w.press.platform for w in batch}:
            mine = [w for w in batch if w.press.platform == platform]
            rows = await connection.rows(
                _WHO,
                {
                    "platform": platform,
                    "senders": list({w.press.sender.external_id for w in mine}),
                    "chats": list({w.press.chat.external_id for w in mine}),
                },
            )
            known = {(row.external_id, row.chat): row for row in rows}
            for waiting in mine:
                sender, chat = waiting.press.sender, waiting.press.chat
                row = known.get((sender.external_id, chat.external_id))
                if row is None or (chat.title and chat.title[:255] != row.title):
                    continue
                if account_changes(
                    row.display_name, row.language_hint, row.last_seen_at, sender, now
                ):
                    continue
                languages = (row.language, row.language_hint, row.branch_language)
                if languages not in translators:  # a crowd shares a handful of languages
                    translators[languages] = self._translator_for(*languages)
                found[(platform, sender, chat)] = (row.member_id, translators[languages])
        return found
