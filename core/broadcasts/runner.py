"""Sending released broadcasts: every delivery row once, each platform at its own pace.

**Rows, claims, waves.** Each platform has a *lane* that claims a batch of its delivery
rows (``pending`` → ``claimed``, with this process's name and a lease; on PostgreSQL with
``FOR UPDATE SKIP LOCKED`` plus a guarded update, as the scheduler does, so two bot
processes never claim the same row). The lane then sends the batch in *waves* of about
0.2 s of sending: a wave is marked ``sending`` before any of its messages goes out at the
platform's pace (:class:`~core.broadcasts.pacing.Pacer`, several in flight), and their
outcomes (``sent`` with the platform's message id, or ``failed`` with the reason) commit
together. Two waves are on their way at a time, so the database never stalls the platform:
when a wave's messages are out, one commit records its outcomes and marks the wave after
the next one (a single wait for the database between two waves, not two: on SQLite,
where the lanes take turns to write, that wait is what could leave a platform idle). The
platforms run in parallel, each in its lane.

**Crashes.** A process that dies leaves its rows ``claimed`` or ``sending`` with a lease
that runs out; then any runner claims them again:

- ``claimed`` rows were never sent: they are simply sent.
- ``sending`` rows are *in doubt*: the platform may or may not have got them. They are at
  most two waves (well under a second of sending) per platform. They are sent again with
  the same idempotency key (``b<broadcast>:<row>``). Platforms that deduplicate
  (``Capabilities.idempotent_sends``: a Matrix transaction id, a Discord nonce) drop the
  copy, so nobody gets it twice. On platforms that cannot (Telegram), those few people may
  get it twice. We chose that over the alternative, marking them failed unsent, because a
  duplicate announcement is visible and harmless while a missing one is invisible: nobody
  is ever skipped.

**Outcomes.** :class:`~core.messaging.port.DirectMessagesClosed` fails the row at once
(blocked the bot, DMs closed); :class:`~core.messaging.port.RateLimited` slows the lane and
sends the same row again; any other error is retried later, up to three attempts.

**Progress.** After each wave the organiser's confirmation message is edited ("2,140 /
5,000 delivered"), at most every few seconds across all processes (a guarded update of
``progress_at`` decides who edits). When no row of a broadcast is left, one process wins
the move to ``done`` and sends the organiser the final report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    DeliveryKind,
    DeliveryStatus,
)
from core.broadcasts.pacing import Pacer
from core.broadcasts.release import tag
from core.broadcasts.render import Tally, progress, report
from core.db.database import Database
from core.decisions.posting import branch_name, reach
from core.federation.models import Branch
from core.messaging.actions import Action
from core.messaging.context import Services
from core.messaging.outbound import Button, OutgoingMessage, SentMessage
from core.messaging.outbox import Delivery, Outbox, posted_messages
from core.messaging.port import DirectMessagesClosed, Messenger, RateLimited
from core.scheduling.clock import Clock
from core.scheduling.passes import run_passes
from core.translation.content import SHOW_ORIGINAL

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(seconds=10)
MAX_RATE_LIMITS = 20  # "too fast" answers for one message before it counts as an error
UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED, DeliveryStatus.SENDING)
_TABLE = cast(Table, BroadcastDelivery.__table__)


@dataclass(frozen=True)
class Row:
    """A claimed delivery."""

    id: int
    broadcast_id: int
    member_id: int | None
    target: str
    kind: str
    language: str
    attempts: int


@dataclass(frozen=True)
class Outcome:
    """What became of one delivery."""

    row: Row
    status: DeliveryStatus
    message_id: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Text:
    """One broadcast's text for one language, ready to send."""

    text: str
    rtl: bool
    original: str | None  # the "Show original" label, for translations
    content_id: int | None


class BroadcastRunner:
    """Sends every released broadcast's deliveries, platforms in parallel.

    Args:
        db: The database.
        clock: The app's clock (leases, timestamps).
        services: The attached platforms, catalogs and signer.
        worker_id: This process's name on claims.
        deliver: Sends an outbox (progress edits, reports) after its transaction commits.
        lease: How long a claim holds before another runner may take the rows over.
        wave_seconds: How much sending one wave holds (the most that can be in doubt).
        batch_seconds: How much sending one claim holds.
        progress_every: The least time between two edits of a progress message.
        monotonic: The pacing clock (seconds).
        sleep: Waits for a slot.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        services: Services,
        worker_id: str,
        deliver: Callable[[list[Delivery]], Awaitable[None]],
        *,
        lease: timedelta = timedelta(minutes=2),
        wave_seconds: float = 0.2,
        batch_seconds: float = 2.0,
        progress_every: timedelta = timedelta(seconds=3),
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.db = db
        self.clock = clock
        self.services = services
        self.worker_id = worker_id[:64]
        self.deliver = deliver
        self.lease = lease
        self.wave_seconds = wave_seconds
        self.batch_seconds = batch_seconds
        self.progress_every = progress_every
        self.monotonic = monotonic
        self.sleep = sleep
        self._lanes: dict[str, Lane] = {}
        self._wake = asyncio.Event()
        # One pass at a time in a process (the lanes of a pass run in parallel): a pass
        # asked for by hand waits for the background one to finish what it claimed.
        self._pass = asyncio.Lock()

    def lane(self, platform: str) -> Lane | None:
        """The lane of an attached platform (made on first use, kept for its pacing)."""
        messenger = self.services.messengers.get(platform)
        if messenger is None:
            return None
        lane = self._lanes.get(platform)
        if lane is None or lane.messenger is not messenger:
            lane = Lane(self, platform, messenger)
            self._lanes[platform] = lane
        return lane

    def wake(self) -> None:
        """Looks for deliveries now rather than at the next poll."""
        self._wake.set()

    async def drain(self) -> int:
        """Sends every delivery claimable now, platforms in parallel; reports what finished.

        Returns:
            How many deliveries were handled (sent or failed or put back for a retry).
        """
        async with self._pass:
            lanes = [lane for p in list(self.services.messengers) if (lane := self.lane(p))]
            counts = await asyncio.gather(*(lane.drain() for lane in lanes))
            await self.finish()
        return sum(counts)

    async def run_forever(self, stop: asyncio.Event, poll: float = 1.0) -> None:
        """Sends until ``stop`` is set, looking for work every ``poll`` seconds or on wake."""
        await run_passes(self.drain, stop, self._wake, poll, "broadcasts")

    # ------------------------------------------------------------------ claims

    async def claim(self, platform: str, limit: int, hold: timedelta) -> list[Row]:
        """Claims up to ``limit`` rows of ``platform``: fresh ones, and abandoned ones."""
        now = self.clock.now()
        d = BroadcastDelivery
        claimable = and_(
            d.platform == platform,
            or_(
                and_(
                    d.status == DeliveryStatus.PENDING.value,
                    or_(d.lease_until.is_(None), d.lease_until <= now),
                ),
                and_(
                    d.status.in_([DeliveryStatus.CLAIMED.value, DeliveryStatus.SENDING.value]),
                    d.lease_until < now,
                ),
            ),
        )
        lease_until = now + max(self.lease, hold)
        async with self.db.transaction() as session:
            query = select(d.id, d.status).where(claimable).order_by(d.id).limit(limit)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            found = (await session.execute(query)).all()
            if not found:
                return []
            doubt = sum(1 for _id, status in found if status == DeliveryStatus.SENDING.value)
            if doubt:
                log.warning(
                    "resending deliveries whose outcome is unknown",
                    extra={"platform": platform, "rows": doubt},
                )
            ids = [row_id for row_id, _status in found]
            # The guard repeats the condition (SQLite has no row locks: see the scheduler).
            await session.execute(
                update(d)
                .where(d.id.in_(ids), claimable)
                .values(
                    status=DeliveryStatus.CLAIMED.value,
                    claimed_by=self.worker_id,
                    lease_until=lease_until,
                )
                .execution_options(synchronize_session=False)
            )
            rows = await session.execute(
                select(d.id, d.broadcast_id, d.member_id, d.target, d.kind, d.language, d.attempts)
                .where(d.id.in_(ids), d.claimed_by == self.worker_id, d.lease_until == lease_until)
                .order_by(d.id)
            )
            return [Row(*row) for row in rows.all()]

    async def mark_sending(self, rows: Sequence[Row]) -> None:
        """Marks a wave as being sent: from here a crash leaves its outcome unknown."""
        async with self.db.transaction() as session:
            await self._mark_sending(session, rows)

    async def _mark_sending(self, session: AsyncSession, rows: Sequence[Row]) -> None:
        await session.execute(
            update(BroadcastDelivery)
            .where(
                BroadcastDelivery.id.in_([r.id for r in rows]),
                BroadcastDelivery.claimed_by == self.worker_id,
            )
            .values(status=DeliveryStatus.SENDING.value)
            .execution_options(synchronize_session=False)
        )

    async def record(self, outcomes: Sequence[Outcome], then_sending: Sequence[Row] = ()) -> None:
        """Commits a wave's outcomes, then edits the progress messages if it is time.

        Args:
            outcomes: The wave's outcomes.
            then_sending: A later wave, marked as being sent in the same commit.
        """
        now = self.clock.now()
        sent = [o for o in outcomes if o.status is DeliveryStatus.SENT]
        failed = [o for o in outcomes if o.status is DeliveryStatus.FAILED]
        again = [o for o in outcomes if o.status is DeliveryStatus.PENDING]
        mine = and_(_TABLE.c.id == bindparam("rid"), _TABLE.c.claimed_by == self.worker_id)
        outbox = Outbox(self.services.messengers)
        async with self.db.transaction() as session:
            if sent:
                await session.execute(
                    update(_TABLE)
                    .where(mine)
                    .values(
                        status=DeliveryStatus.SENT.value,
                        message_id=bindparam("mid"),
                        sent_at=now,
                        lease_until=None,
                    ),
                    [{"rid": o.row.id, "mid": (o.message_id or "")[:255]} for o in sent],
                )
            if failed:
                await session.execute(
                    update(_TABLE)
                    .where(mine)
                    .values(
                        status=DeliveryStatus.FAILED.value,
                        error=bindparam("why"),
                        attempts=bindparam("tries"),
                        lease_until=None,
                    ),
                    [
                        {"rid": o.row.id, "why": o.error, "tries": o.row.attempts + 1}
                        for o in failed
                    ],
                )
            if again:
                await session.execute(
                    update(_TABLE)
                    .where(mine)
                    .values(
                        status=DeliveryStatus.PENDING.value,
                        claimed_by=None,
                        attempts=bindparam("tries"),
                        lease_until=bindparam("until"),
                    ),
                    [
                        {
                            "rid": o.row.id,
                            "tries": o.row.attempts + 1,
                            "until": now + RETRY_AFTER * (o.row.attempts + 1),
                        }
                        for o in again
                    ],
                )
            if then_sending:
                await self._mark_sending(session, then_sending)
            await self._progress(session, outbox, {o.row.broadcast_id for o in outcomes}, now)
        if outbox.deliveries:
            await self.deliver(outbox.deliveries)

    # ------------------------------------------------------------------ texts

    async def texts(self, broadcast_ids: set[int]) -> dict[int, dict[str, Text]]:
        """The fixed texts of some broadcasts, by language."""
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(Broadcast.id, Broadcast.texts, Broadcast.content_id).where(
                    Broadcast.id.in_(broadcast_ids)
                )
            )
            found: dict[int, dict[str, Text]] = {}
            for broadcast_id, texts, content_id in rows:
                found[broadcast_id] = {
                    language: Text(
                        str(value.get("text", "")),
                        bool(value.get("rtl")),
                        value.get("original"),
                        content_id,
                    )
                    for language, value in (texts or {}).items()
                }
            return found

    def message(self, text: Text, row: Row, messenger: Messenger) -> OutgoingMessage:
        """One recipient's message: their language's text, "Show original" where it helps."""
        buttons: tuple[tuple[Button, ...], ...] = ()
        if text.original and text.content_id is not None and messenger.capabilities.buttons:
            action = self.services.signer.encode(Action(SHOW_ORIGINAL, (str(text.content_id),)))
            buttons = ((Button(text.original, action),),)
        return OutgoingMessage(
            text.text,
            buttons=buttons,
            rtl=text.rtl,
            idempotency_key=f"b{row.broadcast_id}:{row.id}",
        )

    # ------------------------------------------------------------------ progress, reports

    async def _name(self, session: AsyncSession, broadcast: Broadcast, language: str) -> str:
        branch = await session.get(Branch, broadcast.branch_id) if broadcast.branch_id else None
        return branch_name(branch, self.services.organisation, language) if branch else ""

    async def _counts(self, session: AsyncSession, broadcast_id: int) -> Counter[str]:
        d = BroadcastDelivery
        rows = await session.execute(
            select(d.status, func.count()).where(d.broadcast_id == broadcast_id).group_by(d.status)
        )
        return Counter(dict(rows.all()))

    async def _progress(
        self, session: AsyncSession, outbox: Outbox, broadcast_ids: set[int], now: datetime
    ) -> None:
        for broadcast_id in sorted(broadcast_ids):
            due = await session.execute(
                update(Broadcast)
                .where(
                    Broadcast.id == broadcast_id,
                    Broadcast.status == BroadcastStatus.SENDING.value,
                    or_(
                        Broadcast.progress_at.is_(None),
                        Broadcast.progress_at <= now - self.progress_every,
                    ),
                )
                .values(progress_at=now)
                .execution_options(synchronize_session=False)
            )
            if due.rowcount != 1:  # type: ignore[attr-defined]
                continue  # edited a moment ago (here or by another process)
            await self._edit_progress(session, outbox, broadcast_id)

    async def _edit_progress(
        self, session: AsyncSession, outbox: Outbox, broadcast_id: int
    ) -> None:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None:
            return
        counts = await self._counts(session, broadcast_id)
        for posted in await posted_messages(session, tag(broadcast_id)):
            t = self.services.catalogs.get(posted.language or None)
            text = progress(
                broadcast_id,
                await self._name(session, broadcast, t.language),
                counts[DeliveryStatus.SENT.value],
                counts[DeliveryStatus.FAILED.value],
                broadcast.total,
                t,
            )
            outbox.edit(posted, OutgoingMessage(text, rtl=t.rtl))

    async def finish(self) -> int:
        """Closes every broadcast with no delivery left, sending each organiser the report."""
        finished = 0
        outbox = Outbox(self.services.messengers)
        async with self.db.transaction() as session:
            now = self.clock.now()
            d = BroadcastDelivery
            left = (
                select(d.id)
                .where(d.broadcast_id == Broadcast.id, d.status.in_([s.value for s in UNFINISHED]))
                .exists()
            )
            ids = (
                await session.scalars(
                    select(Broadcast.id).where(
                        Broadcast.status == BroadcastStatus.SENDING.value, ~left
                    )
                )
            ).all()
            for broadcast_id in ids:
                done = await session.execute(
                    update(Broadcast)
                    .where(
                        Broadcast.id == broadcast_id,
                        Broadcast.status == BroadcastStatus.SENDING.value,
                        ~left,
                    )
                    .values(status=BroadcastStatus.DONE.value, finished_at=now, progress_at=now)
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another process got there first
                finished += 1
                await self._edit_progress(session, outbox, broadcast_id)
                await self._report(session, outbox, broadcast_id)
        if outbox.deliveries:
            await self.deliver(outbox.deliveries)
        return finished

    async def _report(self, session: AsyncSession, outbox: Outbox, broadcast_id: int) -> None:
        broadcast = await session.get(Broadcast, broadcast_id)
        if broadcast is None or broadcast.author_id is None:
            return
        found = await reach(session, self.services, broadcast.author_id)
        if found is None:
            return
        account, t, _zone = found
        d = BroadcastDelivery
        rows = await session.execute(
            select(d.language, d.status, d.error, d.kind, func.count())
            .where(d.broadcast_id == broadcast_id)
            .group_by(d.language, d.status, d.error, d.kind)
        )
        by_language: dict[str, Tally] = {}
        reasons: Counter[str] = Counter()
        chats = 0
        for language, status, error, kind, count in rows:
            tally = by_language.get(language, Tally())
            if status == DeliveryStatus.SENT.value:
                tally = Tally(tally.sent + count, tally.failed)
                if kind == DeliveryKind.CHAT.value:
                    chats += count
            else:
                tally = Tally(tally.sent, tally.failed + count)
                reasons[error or "error"] += count
            by_language[language] = tally
        text = report(
            broadcast_id,
            await self._name(session, broadcast, t.language),
            by_language,
            reasons,
            chats,
            t,
        )
        outbox.direct(
            account.platform,
            account.external_id,
            OutgoingMessage(text, rtl=t.rtl),
            instruction="",
        )


class Lane:
    """One platform's sending: its pacer, its claims, its waves.

    Args:
        runner: The runner it belongs to.
        platform: The platform.
        messenger: Its messenger.
    """

    def __init__(self, runner: BroadcastRunner, platform: str, messenger: Messenger) -> None:
        self.runner = runner
        self.platform = platform
        self.messenger = messenger
        pace = messenger.capabilities.pace
        self.pacer = Pacer(pace, runner.monotonic)
        self._in_flight = asyncio.Semaphore(max(1, pace.in_flight))
        self.batch = max(20, min(2000, int(pace.per_second * runner.batch_seconds)))
        self.wave = max(1, int(pace.per_second * runner.wave_seconds))

    async def drain(self) -> int:
        """Sends this platform's claimable rows until there are none; returns how many.

        A pipeline, so that the platform never waits on the database: the next batch is
        claimed while this one is sent, and two waves are on their way at a time. Wave
        ``k + 1`` takes its send slots while wave ``k`` is still going out; when ``k`` is
        out, one commit records its outcomes and marks ``k + 2``, which then takes the
        slots after ``k + 1``'s. So no more than two waves are ever ``sending``.
        """
        hold = timedelta(seconds=3 * self.batch / self.pacer.pace.per_second)
        total = 0
        claiming = asyncio.create_task(self.runner.claim(self.platform, self.batch, hold))
        texts: dict[int, dict[str, Text]] = {}
        ahead: list[list[Row]] = []  # claimed waves not yet marked

        async def next_wave() -> list[Row] | None:
            nonlocal claiming, texts
            if not ahead:
                rows = await claiming
                if not rows:
                    return None
                claiming = asyncio.create_task(self.runner.claim(self.platform, self.batch, hold))
                # Texts are fixed at the release: one batch's texts serve its waves.
                texts = await self.runner.texts({r.broadcast_id for r in rows})
                ahead.extend(rows[i : i + self.wave] for i in range(0, len(rows), self.wave))
            return ahead.pop(0)

        older: asyncio.Task[list[Outcome]] | None = None
        newer: asyncio.Task[list[Outcome]] | None = None
        try:
            first = await next_wave()
            if first is None:
                return 0
            await self.runner.mark_sending(first)
            newer = asyncio.create_task(self._send_wave(first, texts))
            while True:
                wave = await next_wave()
                if older is None:  # the start: the second wave is marked on its own
                    if wave is not None:
                        await self.runner.mark_sending(wave)
                else:
                    outcomes = await older
                    await self.runner.record(outcomes, then_sending=wave or ())
                    total += len(outcomes)
                if wave is None:
                    break
                older, newer = newer, asyncio.create_task(self._send_wave(wave, texts))
            outcomes = await newer
            await self.runner.record(outcomes)
            total += len(outcomes)
        except BaseException:
            for task in (claiming, older, newer):
                if task is not None and not task.done():
                    task.cancel()
            raise
        return total

    async def _send_wave(self, wave: list[Row], texts: dict[int, dict[str, Text]]) -> list[Outcome]:
        return list(await asyncio.gather(*(self._one(row, texts) for row in wave)))

    async def _one(self, row: Row, texts: dict[int, dict[str, Text]]) -> Outcome:
        direct = row.kind == DeliveryKind.DM.value
        text = texts.get(row.broadcast_id, {}).get(row.language)
        if text is None or (direct and row.member_id is None):
            # No text (should not happen), or the member was erased since the release.
            return Outcome(row, DeliveryStatus.FAILED, error="unreachable")
        message = self.runner.message(text, row, self.messenger)
        for _attempt in range(MAX_RATE_LIMITS):
            # Wait for the slot outside the in-flight limit: that limit is for requests
            # the platform is answering, not for messages waiting their turn.
            slot = self.pacer.reserve(row.target, direct)
            await self.runner.sleep(self.pacer.wait(slot))
            try:
                async with self._in_flight:
                    # Admitted last, right before the request leaves: nothing between the
                    # admission and the send can bunch requests up again.
                    while late := self.pacer.admit(direct):
                        await self.runner.sleep(late)
                    sent = await self._send_one(row, message, direct)
            except RateLimited as exc:
                self.pacer.slow_down(exc.retry_after)
                continue
            except DirectMessagesClosed:
                return Outcome(row, DeliveryStatus.FAILED, error="dms_closed")
            except Exception:
                log.exception(
                    "broadcast send failed",
                    extra={"platform": self.platform, "delivery": row.id},
                )
                break
            self.pacer.succeeded()
            return Outcome(row, DeliveryStatus.SENT, message_id=sent.message_id)
        if row.attempts + 1 >= MAX_ATTEMPTS:
            return Outcome(row, DeliveryStatus.FAILED, error="error")
        return Outcome(row, DeliveryStatus.PENDING)

    async def _send_one(self, row: Row, message: OutgoingMessage, direct: bool) -> SentMessage:
        if direct:
            return await self.messenger.send_direct(row.target, message)
        return await self.messenger.send(row.target, message)
