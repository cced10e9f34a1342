"""The durable scheduler: jobs are rows, claimed with a lease, done in one transaction.

Why rows and not timers: a reminder or a poll closing must survive a restart. Every job is
written (in the same transaction as whatever made it necessary) before anything acts on it;
a worker claims due jobs, runs each handler inside a transaction and marks the job done in
that same transaction. Several bot processes sharing PostgreSQL claim with
``FOR UPDATE SKIP LOCKED`` plus a guarded update, so no job runs twice; a worker that dies
leaves its job leased and another claims it once the lease runs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database
from core.db.fixed import FixedConnection, FixedStatement
from core.db.statements import INSERT
from core.messaging.outbox import Delivery, Outbox
from core.messaging.port import Messenger
from core.scheduling.clock import Clock
from core.scheduling.models import Job, JobStatus

log = logging.getLogger(__name__)

_JOBS = cast(Table, Job.__table__)
_BOOKED = ("kind", "payload", "due_at", "status", "dedup_key", "attempts", "created_at")
# A booking under a dedup key is one statement, which also decides against a concurrent
# booking in another process. Fixed (core.db.fixed): the press batches book with it too.
BOOK_ONCE = FixedStatement(
    lambda dialect: (
        INSERT[dialect](_JOBS)
        .values({name: bindparam(name, type_=_JOBS.c[name].type) for name in _BOOKED})
        .on_conflict_do_nothing(index_elements=["dedup_key"])
        .returning(_JOBS.c.id)
    )
)


@dataclass
class JobContext:
    """What a job handler receives.

    Attributes:
        session: The transaction the job's effects and its completion commit in.
        job: The job row (payload, due time, attempts).
        now: When it started running.
        scheduler: To schedule follow-up jobs in the same transaction.
        outbox: Messages to send once the job's transaction commits.
    """

    session: AsyncSession
    job: Job
    now: datetime
    scheduler: Scheduler
    outbox: Outbox


JobHandler = Callable[[JobContext], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    """How to run one kind of job.

    Attributes:
        handler: The work.
        grace: A job found more than this late is skipped (logged), not run: a reminder
            that would arrive after the meeting helps nobody. None runs it however late.
        max_attempts: Failures before the job is given up as failed.
    """

    handler: JobHandler
    grace: timedelta | None = None
    max_attempts: int = 5


@dataclass
class Scheduler:
    """Claims and runs due jobs.

    Args:
        db: Where jobs live.
        clock: What "due" means.
        worker_id: This process's name, recorded on claims.
        lease: How long a claim holds before another worker may take the job over.
        batch: Jobs claimed at once.
        deliver: Sends a job's outbox after its transaction commits.
    """

    db: Database
    clock: Clock
    worker_id: str
    deliver: Callable[[list[Delivery]], Awaitable[None]] | None = None
    lease: timedelta = timedelta(minutes=5)
    batch: int = 100
    kinds: dict[str, JobKind] = field(default_factory=dict)
    messengers: Mapping[str, Messenger] = field(default_factory=dict)

    def register(self, kind: str, job_kind: JobKind) -> None:
        """Declares how jobs of ``kind`` run."""
        if kind in self.kinds:
            raise ValueError(f"job kind {kind!r} is registered twice")
        self.kinds[kind] = job_kind

    async def schedule(
        self,
        session: AsyncSession,
        kind: str,
        due_at: datetime,
        payload: Mapping[str, Any] | None = None,
        dedup_key: str | None = None,
    ) -> int | None:
        """Writes a job in the caller's transaction.

        Returns:
            The job's id, or None when a job with ``dedup_key`` already exists (whatever its
            status: a deduplicated job is booked once, ever).
        """
        values = self._booking(kind, due_at, payload, dedup_key)
        if dedup_key is None:
            job = Job(**values)
            session.add(job)
            await session.flush()
            return job.id
        dialect = session.get_bind().dialect.name
        job_id: int | None = await session.scalar(BOOK_ONCE.statements[dialect], values)
        return job_id

    async def book_once(
        self,
        connection: FixedConnection,
        kind: str,
        due_at: datetime,
        payload: Mapping[str, Any],
        dedup_key: str,
    ) -> int | None:
        """:meth:`schedule` with a dedup key, on a connection for fixed statements.

        For the press batches (:mod:`core.messaging.batching`), whose transaction is such a
        connection.
        """
        rows = await connection.rows(BOOK_ONCE, self._booking(kind, due_at, payload, dedup_key))
        return int(rows[0][0]) if rows else None

    def _booking(
        self,
        kind: str,
        due_at: datetime,
        payload: Mapping[str, Any] | None,
        dedup_key: str | None,
    ) -> dict[str, Any]:
        if kind not in self.kinds:
            raise ValueError(f"no handler for job kind {kind!r}")
        return {
            "kind": kind,
            "payload": dict(payload or {}),
            "due_at": due_at,
            "status": JobStatus.PENDING.value,
            "dedup_key": dedup_key,
            "attempts": 0,
            "created_at": self.clock.now(),
        }

    async def cancel(self, session: AsyncSession, dedup_prefix: str) -> int:
        """Forgets the pending jobs whose dedup key starts with ``dedup_prefix``.

        In the caller's transaction: a gathering moved to another time drops its booked
        reminders and books new ones in the same commit. Jobs already running or done are
        left alone. The rows are deleted, not marked, so that a key booked again later (a
        time changed and changed back) is booked anew.

        Returns:
            How many jobs were cancelled.
        """
        result = await session.execute(
            delete(Job)
            .where(
                Job.status == JobStatus.PENDING.value,
                Job.dedup_key.startswith(dedup_prefix, autoescape=True),
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def next_due(self) -> datetime | None:
        """When the earliest pending job is due."""
        async with self.db.sessions() as session:
            return await session.scalar(
                select(Job.due_at)
                .where(Job.status == JobStatus.PENDING.value)
                .order_by(Job.due_at)
                .limit(1)
            )

    async def _claim(self) -> list[int]:
        now = self.clock.now()
        lease_until = now + self.lease
        claimable = or_(
            and_(Job.status == JobStatus.PENDING.value, Job.due_at <= now),
            and_(Job.status == JobStatus.RUNNING.value, Job.lease_until < now),
        )
        async with self.db.transaction() as session:
            query = select(Job.id).where(claimable).order_by(Job.due_at).limit(self.batch)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.scalars(query)).all())
            if not ids:
                return []
            # The guard repeats the condition: on SQLite two processes may select the same
            # rows, but their updates run one after the other and only one finds them due.
            await session.execute(
                update(Job)
                .where(Job.id.in_(ids), claimable)
                .values(
                    status=JobStatus.RUNNING.value,
                    claimed_by=self.worker_id,
                    lease_until=lease_until,
                    attempts=Job.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            claimed = await session.scalars(
                select(Job.id)
                .where(
                    Job.id.in_(ids),
                    Job.claimed_by == self.worker_id,
                    Job.lease_until == lease_until,
                )
                .order_by(Job.due_at)
            )
            return list(claimed.all())

    async def run_due(self) -> int:
        """Claims every due job and runs it; returns how many ran (or were skipped)."""
        total = 0
        while ids := await self._claim():
            for job_id in ids:
                await self._run(job_id)
            total += len(ids)
            if len(ids) < self.batch:
                break
        return total

    async def _run(self, job_id: int) -> None:
        now = self.clock.now()
        kind_name = "?"
        outbox = Outbox({})
        try:
            async with self.db.transaction() as session:
                job = await session.get(Job, job_id)
                if job is None or job.claimed_by != self.worker_id:
                    return  # the lease was lost to another worker
                kind_name = job.kind
                kind = self.kinds.get(job.kind)
                if kind is None:
                    job.status = JobStatus.FAILED.value
                    job.last_error = "no handler for this kind of job"
                    log.error("job has no handler", extra={"job": job.id, "kind": job.kind})
                    return
                if kind.grace is not None and now - job.due_at > kind.grace:
                    job.status = JobStatus.SKIPPED.value
                    job.finished_at = now
                    log.warning(
                        "job skipped: due too long ago",
                        extra={"job": job.id, "kind": job.kind, "due_at": job.due_at.isoformat()},
                    )
                    return
                outbox = Outbox(self.messengers)
                await kind.handler(JobContext(session, job, now, self, outbox))
                await outbox.remember_choices(session, now)
                job.status = JobStatus.DONE.value
                job.finished_at = now
                job.lease_until = None
        except Exception as exc:  # one failing job must not stop the others
            log.exception("job failed", extra={"job": job_id, "kind": kind_name})
            await self._record_failure(job_id, exc)
            return
        if outbox.deliveries and self.deliver is not None:
            await self.deliver(outbox.deliveries)

    async def _record_failure(self, job_id: int, exc: Exception) -> None:
        now = self.clock.now()
        async with self.db.transaction() as session:
            job = await session.get(Job, job_id)
            if job is None:
                return
            kind = self.kinds.get(job.kind)
            job.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if kind is None or job.attempts >= kind.max_attempts:
                job.status = JobStatus.FAILED.value
                job.finished_at = now
            else:
                job.status = JobStatus.PENDING.value
                job.due_at = now + timedelta(seconds=30 * 2 ** (job.attempts - 1))
            job.claimed_by = None
            job.lease_until = None

    async def run_forever(self, stop: asyncio.Event, poll: float = 30.0) -> None:
        """Runs due jobs until ``stop`` is set, waking at the next due time or every ``poll``."""
        while not stop.is_set():
            try:
                await self.run_due()
                next_due = await self.next_due()
            except Exception:  # a database hiccup must not end the loop
                log.exception("scheduler pass failed")
                next_due = None
            wait = poll
            if next_due is not None:
                wait = max(0.05, min(poll, (next_due - self.clock.now()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=wait)
