"""Releasing a confirmed broadcast: its recipients and texts fixed, one row per delivery.

The release is a durable job (booked at confirmation for "now", the chosen time, or the
deadline). It writes every delivery row and the text of each language in one transaction;
from then on the runner (:mod:`core.broadcasts.runner`) only sends what the rows say.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts.models import (
    Broadcast,
    BroadcastDelivery,
    BroadcastStatus,
    Channels,
    DeliveryStatus,
    Timing,
)
from core.broadcasts.recipients import plan
from core.broadcasts.render import announcement, progress
from core.decisions.posting import branch_name
from core.federation.models import Branch
from core.i18n.message import _
from core.members.models import Member
from core.messaging.context import Services
from core.messaging.outbound import OutgoingMessage
from core.messaging.outbox import Outbox, posted_messages
from core.scheduling.scheduler import JobContext, Scheduler
from core.translation.content import accepted_languages, machine_pending, note, read_content
from core.translation.models import Content

RELEASE_JOB = "broadcast.release"
# "Now" waits this long at most for the machine drafts (each call has its own time-out);
# a provider that never answers delays nobody longer than this.
MACHINE_WAIT = timedelta(seconds=60)
RECHECK = timedelta(seconds=3)


def tag(broadcast_id: int) -> str:
    """The tag of the organiser's confirmation message (edited to show progress)."""
    return f"broadcast:{broadcast_id}"


async def book(
    scheduler: Scheduler, session: AsyncSession, broadcast_id: int, due: datetime, why: str
) -> None:
    """Books a release attempt at ``due`` (several may be booked; the first that can, does)."""
    await scheduler.schedule(
        session,
        RELEASE_JOB,
        due,
        {"broadcast": broadcast_id},
        f"brel:{broadcast_id}:{why}:{int(due.timestamp())}",
    )


async def missing_translations(
    session: AsyncSession, broadcast: Broadcast, content: Content
) -> set[str]:
    """The languages still without an accepted translation."""
    accepted = set(await accepted_languages(session, content.id))
    return set(broadcast.languages) - accepted - {content.language}


async def release(job: JobContext, services: Services) -> None:
    """The release job: writes the deliveries, unless the broadcast should still wait."""
    broadcast_id = job.job.payload.get("broadcast")
    broadcast = (
        await job.session.get(Broadcast, broadcast_id) if isinstance(broadcast_id, int) else None
    )
    if broadcast is None or broadcast.status != BroadcastStatus.SCHEDULED.value:
        return  # released already (another attempt won), or cancelled
    content = await job.session.get(Content, broadcast.content_id)
    if content is None or broadcast.branch_id is None:
        return
    timing = Timing(broadcast.timing or Timing.NOW)
    if timing is Timing.AT and broadcast.send_at and job.now < broadcast.send_at:
        return
    waiting = timing is Timing.READY and broadcast.deadline and job.now < broadcast.deadline
    if waiting and await missing_translations(job.session, broadcast, content):
        return  # a translation landing, or the deadline, books the next attempt
    confirmed = broadcast.confirmed_at or job.now
    if job.now < confirmed + MACHINE_WAIT and await machine_pending(job.session, content.id):
        await book(job.scheduler, job.session, broadcast.id, job.now + RECHECK, "machine")
        return
    await write_deliveries(job.session, services, job.outbox, broadcast, content, job.now)


async def write_deliveries(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    broadcast: Broadcast,
    content: Content,
    now: datetime,
) -> int:
    """Fixes the recipients and each language's text; returns how many deliveries."""
    assert broadcast.branch_id is not None
    branch = await session.get(Branch, broadcast.branch_id)
    assert branch is not None
    author = await session.get(Member, broadcast.author_id) if broadcast.author_id else None
    who = author.display_name if author else ""
    reach = await plan(session, services, branch.id, Channels(broadcast.channels or Channels.BOTH))
    texts: dict[str, dict[str, object]] = {}
    for language in sorted(reach.languages):
        t = services.catalogs.get(language)
        shown = await read_content(session, content, language)
        body = t.render(
            announcement(
                branch_name(branch, services.organisation, language),
                who,
                shown.parts[0],
                note(shown, t),
            )
        )
        texts[language] = {
            "text": body,
            "rtl": t.rtl,
            "original": t.render(_("Show original")) if shown.translated else None,
        }
    rows = [
        {
            "broadcast_id": broadcast.id,
            "member_id": r.member_id,
            "platform": r.platform,
            "target": r.target[:255],
            "kind": r.kind.value,
            "language": r.language,
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
        }
        for r in reach.recipients
    ]
    if rows:
        await session.execute(insert(BroadcastDelivery), rows)
    broadcast.texts = texts
    broadcast.total = len(rows)
    broadcast.status = BroadcastStatus.SENDING.value
    broadcast.released_at = now
    for posted in await posted_messages(session, tag(broadcast.id)):
        t = services.catalogs.get(posted.language or None)
        where = branch_name(branch, services.organisation, t.language)
        outbox.edit(
            posted, OutgoingMessage(progress(broadcast.id, where, 0, 0, len(rows), t), rtl=t.rtl)
        )
    return len(rows)
