"""100,000 pending gathering reminders: memory, and the delay from due time to dispatch.

A real CoreApp on the real clock, with one gathering announced in a chat and members who
said they are coming. 100,000 reminder jobs are written for the next three months (the
size of a federation's booked reminders), then ``HOT`` more fall due over a few seconds
while the scheduler loop (``run_forever``, as the bot runs it) is serving. For each hot job
the delay is measured from its due time to the moment its messages are handed to the
platform (after the job's transaction committed). Target: p99 under 1 s.

Then the query plans: the scheduler finds due jobs through the ``ix_jobs_status_due_at``
index on ``(status, due_at)``; the plan is printed (SQLite's EXPLAIN QUERY PLAN,
PostgreSQL's EXPLAIN) and checked for an index search rather than a scan of the table.

Memory: the peak of Python allocations (tracemalloc) while a batch of due reminders is
claimed and sent among the 100,000 pending, and the process's peak RSS.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, insert, or_, select

from core.app import AppConfig, CoreApp
from core.config.organisation import load_organisation
from core.db.database import Database
from core.db.migrate import upgrade
from core.gatherings.handlers import reminder_key
from core.gatherings.models import Gathering
from core.members.models import Role
from core.messaging.commands import inbound_from_text
from core.messaging.inbound import ButtonPressed, ChatKind, ChatRef, Sender
from core.messaging.outbox import Delivery
from core.scheduling.clock import SystemClock
from core.scheduling.models import Job, JobStatus
from core.scheduling.scheduler import JobContext
from core.testing import DEMO_ORGANISATION, FakeMessenger, sqlite_url

PENDING = 100_000
HOT = 200  # reminders falling due while the loop runs (each: a chat post and 5 DMs)
HOT_SPREAD = 10.0  # seconds over which they fall due: a burst of 20 a second
MEMORY_BATCH = 300
COMING = 5  # members coming to the gathering (each reminder: 1 chat post + 5 DMs)
TARGET_P99 = 1.0  # seconds
CHUNK = 5_000


class Probe:
    """Records, for each reminder job, its due time and when its messages went out."""

    def __init__(self) -> None:
        self.due: datetime | None = None
        self.delays: list[float] = []

    def wrap_handler(self, handler: Any) -> Any:
        async def timed(ctx: JobContext) -> None:
            self.due = ctx.job.due_at
            await handler(ctx)

        return timed

    def wrap_deliver(self, deliver: Any) -> Any:
        async def timed(deliveries: list[Delivery]) -> None:
            await deliver(deliveries)
            if self.due is not None:
                self.delays.append((datetime.now(UTC) - self.due).total_seconds())
                self.due = None

        return timed


async def _setup(url: str) -> tuple[CoreApp, FakeMessenger, Gathering]:
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    organisation = load_organisation(DEMO_ORGANISATION)
    app = await CoreApp.open(AppConfig(organisation, "en"), Database(url), SystemClock())
    fake = FakeMessenger("fake")
    app.attach(fake)
    chat = ChatRef("hackney-tg", ChatKind.GROUP, "hackney-tg")
    await app.link_chat("fake", chat, "london-hackney")
    olga = Sender("olga", "Olga")
    await app.enrol("fake", olga, "london-hackney", (Role.ORGANISER,))
    start = (datetime.now(UTC) + timedelta(days=120)).strftime("%Y-%m-%d")
    await app.handle(
        inbound_from_text(
            f'/gathering "Assembly" {start} 18:00 UTC @ "Town hall"',
            platform="fake",
            sender=olga,
            chat=chat,
            update_id=uuid.uuid4().hex,
        )
    )
    [post] = fake.in_chat("hackney-tg")
    going = post.message.all_buttons()[0].action
    for n in range(COMING):
        person = Sender(f"m{n}", f"Member {n}")
        await app.enrol("fake", person, "london-hackney")
        await app.handle(
            ButtonPressed(
                platform="fake", sender=person, chat=chat, update_id=uuid.uuid4().hex, data=going
            )
        )
    async with app.db.sessions() as session:
        gathering = await session.scalar(select(Gathering))
    assert gathering is not None
    return app, fake, gathering


def _rows(
    gathering: Gathering, count: int, first: datetime, step: timedelta, tag: str
) -> Iterator[list[dict[str, Any]]]:
    """The job rows, chunk by chunk (never all 100,000 in memory at once)."""
    start = gathering.starts_at
    now = datetime.now(UTC)
    payload = {
        "gathering": gathering.id,
        "occurrence": 0,
        "offset": 120,
        "start": int(start.timestamp()),
    }
    key = reminder_key(gathering.id, 0, 120, start)
    for at in range(0, count, CHUNK):
        yield [
            {
                "kind": "gathering.remind.soon",
                "payload": payload,
                "due_at": first + step * i,
                "status": JobStatus.PENDING.value,
                "dedup_key": f"{key}:{tag}{i}",
                "attempts": 0,
                "created_at": now,
            }
            for i in range(at, min(count, at + CHUNK))
        ]


async def _insert(app: CoreApp, chunks: Iterator[list[dict[str, Any]]]) -> None:
    for rows in chunks:
        async with app.db.transaction() as session:
            await session.execute(insert(Job), rows)


def _claim_query() -> Any:
    """The scheduler's own claim query (``Scheduler._claim``), as it reaches the database."""
    now = datetime.now(UTC)
    claimable = or_(
        and_(Job.status == JobStatus.PENDING.value, Job.due_at <= now),
        and_(Job.status == JobStatus.RUNNING.value, Job.lease_until < now),
    )
    return select(Job.id).where(claimable).order_by(Job.due_at).limit(100)


def _next_due_query() -> Any:
    """The scheduler's ``next_due`` query."""
    return (
        select(Job.due_at)
        .where(Job.status == JobStatus.PENDING.value)
        .order_by(Job.due_at)
        .limit(1)
    )


async def _plans(app: CoreApp) -> list[tuple[str, list[str], bool]]:
    """(query, plan lines, uses the index) for the claim and next-due queries."""
    found = []
    async with app.db.engine.connect() as conn:
        if app.db.is_postgres:
            await conn.exec_driver_sql("ANALYZE jobs")
        for name, query in (("claim", _claim_query()), ("next due", _next_due_query())):
            compiled = query.compile(dialect=conn.dialect)
            if app.db.is_postgres:
                params = tuple(compiled.params[p] for p in compiled.positiontup or ())
                rows = await conn.exec_driver_sql(f"EXPLAIN {compiled}", params)
                lines = [str(r[0]) for r in rows]
                uses = any("ix_jobs_status_due_at" in line for line in lines) and not any(
                    "Seq Scan on jobs" in line for line in lines
                )
            else:
                values = []
                for p in compiled.positiontup or ():
                    value = compiled.params[p]
                    if isinstance(value, datetime):
                        value = value.replace(tzinfo=None).isoformat(sep=" ")
                    values.append(value)
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", tuple(values))
                lines = [str(r[-1]) for r in rows]
                uses = any("INDEX ix_jobs_status_due_at" in line for line in lines) and not any(
                    line.startswith("SCAN jobs") or line == "SCAN TABLE jobs" for line in lines
                )
            found.append((name, lines, uses))
    return found


async def measure(url: str, label: str) -> None:
    app, fake, gathering = await _setup(url)
    try:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        began = time.perf_counter()
        far = datetime.now(UTC) + timedelta(days=1)
        await _insert(app, _rows(gathering, PENDING, far, timedelta(seconds=77), "cold"))
        written = time.perf_counter() - began
        print(f"  {label}: {PENDING:,} pending reminders written in {written:.1f} s")
        for name, lines, uses in await _plans(app):
            verdict = "index search" if uses else "NOT BY INDEX"
            print(f"    {name} query: {verdict}: " + " | ".join(line.strip() for line in lines))

        # Delay: hot reminders fall due while the scheduler loop serves, as in the bot.
        probe = Probe()
        for kind in list(app.scheduler.kinds):
            if kind.startswith("gathering.remind"):
                job_kind = app.scheduler.kinds[kind]
                app.scheduler.kinds[kind] = type(job_kind)(
                    probe.wrap_handler(job_kind.handler), job_kind.grace, job_kind.max_attempts
                )
        app.scheduler.deliver = probe.wrap_deliver(app.scheduler.deliver)
        first = datetime.now(UTC) + timedelta(seconds=2)
        await _insert(app, _rows(gathering, HOT, first, timedelta(seconds=HOT_SPREAD / HOT), "hot"))
        stop = asyncio.Event()
        loop = asyncio.create_task(app.scheduler.run_forever(stop, poll=1.0))
        await asyncio.sleep(2 + HOT_SPREAD + 3)
        stop.set()
        await loop
        delays = sorted(probe.delays)
        sent = sum(1 for p in fake.posted if p.text.startswith("⏰"))
        p50 = statistics.median(delays) if delays else float("nan")
        p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))] if delays else float("nan")
        print(
            f"    due → dispatched over {len(delays)} reminders ({sent:,} messages): "
            f"p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {delays[-1] * 1000:.0f} ms "
            f"(p99 is {p99 / TARGET_P99:.2f}x the 1 s target)"
        )

        # Memory: one batch of due reminders claimed and sent among 100,000 pending.
        now = datetime.now(UTC)
        await _insert(
            app, _rows(gathering, MEMORY_BATCH, now - timedelta(seconds=30), timedelta(0), "mem")
        )
        tracemalloc.start()
        began = time.perf_counter()
        ran = await app.scheduler.run_due()
        seconds = time.perf_counter() - began
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"    {ran:,} due reminders among {PENDING:,} pending run in {seconds:.1f} s; "
            f"peak Python allocations {peak / 2**20:.1f} MiB while doing so; "
            f"process peak RSS {rss_after / 1024:.0f} MiB ({(rss_after - rss_before) / 1024:+.0f} "
            "MiB since the jobs were written)"
        )
    finally:
        await app.close()


async def main(tmp: Path, pg_url: str | None) -> None:
    """Runs the benchmark on SQLite (a file in ``tmp``), and on PostgreSQL when given."""
    print(f"Gathering reminders: {PENDING:,} pending, {HOT} falling due over {HOT_SPREAD:.0f} s")
    await measure(sqlite_url(tmp / f"bench-{uuid.uuid4().hex}.db"), "SQLite")
    if pg_url:
        await measure(pg_url, "PostgreSQL")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp), None))
