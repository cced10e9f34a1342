"""Housekeeping jobs: the scheduler's own first users."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from core.messaging.models import HandledUpdate
from core.scheduling.scheduler import JobContext, JobKind, Scheduler

PRUNE_UPDATES = "maintenance.prune_handled_updates"
# Platforms redeliver an update within minutes or hours; a month is far beyond that.
KEEP_HANDLED_UPDATES = timedelta(days=30)
PRUNE_EVERY = timedelta(days=1)


def _prune_key(due: datetime) -> str:
    return f"{PRUNE_UPDATES}:{due.date().isoformat()}"


async def prune_handled_updates(ctx: JobContext) -> None:
    """Forgets handled update ids older than a month, then books the next run."""
    cutoff = ctx.now - KEEP_HANDLED_UPDATES
    await ctx.session.execute(delete(HandledUpdate).where(HandledUpdate.handled_at < cutoff))
    due = ctx.now + PRUNE_EVERY
    await ctx.scheduler.schedule(ctx.session, PRUNE_UPDATES, due, dedup_key=_prune_key(due))


def register(scheduler: Scheduler) -> None:
    """Declares the housekeeping job kinds."""
    scheduler.register(PRUNE_UPDATES, JobKind(prune_handled_updates, grace=None))


async def ensure_scheduled(scheduler: Scheduler, now: datetime) -> None:
    """Books the first housekeeping run (once; later runs book themselves)."""
    async with scheduler.db.transaction() as session:
        due = now + PRUNE_EVERY
        await scheduler.schedule(session, PRUNE_UPDATES, due, dedup_key=f"{PRUNE_UPDATES}:first")
