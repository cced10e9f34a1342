"""The durable scheduler: jobs survive restarts, run once, and never run twice in parallel."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db.database import Database
from core.db.migrate import upgrade
from core.scheduling.models import Job, JobStatus
from core.scheduling.scheduler import JobContext, JobKind, Scheduler
from core.testing import FakeClock

pytestmark = pytest.mark.asyncio


class Recorder:
    """A job handler that remembers what it ran (and can fail on demand)."""

    def __init__(self, fail_times: int = 0, delay: float = 0.0) -> None:
        self.ran: list[str] = []
        self.fail_times = fail_times
        self.delay = delay

    async def __call__(self, ctx: JobContext) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("transient failure")
        self.ran.append(ctx.job.payload["name"])


def make_scheduler(
    db: Database, clock: FakeClock, recorder: Recorder, worker: str, grace: timedelta | None = None
) -> Scheduler:
    scheduler = Scheduler(db, clock, worker, batch=10)
    scheduler.register("test.record", JobKind(recorder, grace=grace))
    return scheduler


async def migrated(url: str) -> Database:
    db = Database(url)
    await upgrade(db)
    return db


async def test_job_due_during_downtime_runs_once_after_restart(database_url: str) -> None:
    clock = FakeClock()
    db = await migrated(database_url)
    first = Recorder()
    scheduler = make_scheduler(db, clock, first, "worker-a")
    async with db.transaction() as session:
        await scheduler.schedule(
            session, "test.record", clock.now() + timedelta(hours=1), {"name": "close-vote"}
        )
    assert await scheduler.run_due() == 0  # not due yet
    await db.dispose()  # the bot goes down…

    clock.advance(hours=5)  # …and is down when the job falls due
    db = await migrated(database_url)
    second = Recorder()
    restarted = make_scheduler(db, clock, second, "worker-b")
    assert await restarted.run_due() == 1
    assert second.ran == ["close-vote"]
    assert await restarted.run_due() == 0
    clock.advance(days=2)
    assert await restarted.run_due() == 0
    assert second.ran == ["close-vote"]
    async with db.sessions() as session:
        job = (await session.scalars(select(Job))).one()
    assert job.status == JobStatus.DONE
    assert first.ran == []
    await db.dispose()


async def test_dedup_key_books_a_job_once(database_url: str) -> None:
    clock = FakeClock()
    db = await migrated(database_url)
    scheduler = make_scheduler(db, clock, Recorder(), "w")
    async with db.transaction() as session:
        assert await scheduler.schedule(session, "test.record", clock.now(), {"name": "x"}, "k1")
        assert (
            await scheduler.schedule(session, "test.record", clock.now(), {"name": "y"}, "k1")
            is None
        )
    async with db.sessions() as session:
        assert len((await session.scalars(select(Job))).all()) == 1
    await db.dispose()


async def test_failing_job_is_retried_with_backoff_then_done(tmp_path) -> None:
    clock = FakeClock()
    db = await migrated(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    recorder = Recorder(fail_times=2)
    scheduler = make_scheduler(db, clock, recorder, "w")
    async with db.transaction() as session:
        await scheduler.schedule(session, "test.record", clock.now(), {"name": "flaky"})
    assert await scheduler.run_due() == 1
    assert recorder.ran == []
    assert await scheduler.run_due() == 0  # backing off
    clock.advance(seconds=31)
    await scheduler.run_due()
    clock.advance(seconds=61)
    await scheduler.run_due()
    assert recorder.ran == ["flaky"]
    async with db.sessions() as session:
        job = (await session.scalars(select(Job))).one()
    assert (job.status, job.attempts) == (JobStatus.DONE, 3)
    await db.dispose()


async def test_job_later_than_its_grace_is_skipped_not_run(tmp_path, caplog) -> None:
    clock = FakeClock()
    db = await migrated(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    recorder = Recorder()
    scheduler = make_scheduler(db, clock, recorder, "w", grace=timedelta(minutes=30))
    async with db.transaction() as session:
        await scheduler.schedule(session, "test.record", clock.now(), {"name": "reminder"})
    clock.advance(hours=3)
    assert await scheduler.run_due() == 1
    assert recorder.ran == []
    async with db.sessions() as session:
        assert (await session.scalars(select(Job.status))).one() == JobStatus.SKIPPED
    assert "job skipped" in caplog.text
    await db.dispose()


async def test_job_of_a_dead_worker_is_taken_over_after_its_lease(tmp_path) -> None:
    clock = FakeClock()
    db = await migrated(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    recorder = Recorder()
    dead = make_scheduler(db, clock, recorder, "dead")
    async with db.transaction() as session:
        await scheduler_schedule(dead, session, clock)
    assert await dead._claim() != []  # claimed, then the worker "crashes" before running it
    alive = make_scheduler(db, clock, recorder, "alive")
    assert await alive.run_due() == 0  # still leased
    clock.advance(minutes=6)
    assert await alive.run_due() == 1
    assert recorder.ran == ["orphan"]
    await db.dispose()


async def scheduler_schedule(scheduler: Scheduler, session, clock: FakeClock) -> None:
    await scheduler.schedule(session, "test.record", clock.now(), {"name": "orphan"})


@pytest.mark.postgres
async def test_two_workers_on_postgres_never_run_the_same_job(postgres_url: str) -> None:
    clock = FakeClock()
    setup = await migrated(postgres_url)
    helper = make_scheduler(setup, clock, Recorder(), "setup")
    async with setup.transaction() as session:
        for i in range(200):
            await helper.schedule(
                session, "test.record", clock.now() - timedelta(seconds=i), {"name": f"job-{i}"}
            )
    await setup.dispose()

    recorders = [Recorder(delay=0.001), Recorder(delay=0.001)]
    dbs = [Database(postgres_url), Database(postgres_url)]
    workers = [make_scheduler(dbs[i], clock, recorders[i], f"worker-{i}") for i in range(2)]
    counts = await asyncio.gather(*(w.run_due() for w in workers))
    assert sum(counts) == 200
    ran = Counter(recorders[0].ran + recorders[1].ran)
    assert len(ran) == 200 and set(ran.values()) == {1}
    # Both really worked: the claims interleaved rather than one worker taking everything.
    assert recorders[0].ran and recorders[1].ran
    for db in dbs:
        await db.dispose()
