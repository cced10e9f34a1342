"""Shared pieces of the gathering scenarios."""

from __future__ import annotations

from sqlalchemy import func, select

from core.gatherings.models import Gathering, Rsvp
from core.members.models import Member, PlatformAccount
from core.scheduling.models import Job, JobStatus
from core.testing import Person, Posted, Scenario

HACKNEY = "london-hackney"
WELCOME = (
    '/gathering "Welcome event" 2026-12-06 11:00 Europe/London @ "Firebox café, London" '
    "--online https://meet.example/welcome"
)


async def set_zone(sc: Scenario, person: Person, zone: str) -> None:
    """Sets a member's own time zone (what /profile's time zone button does)."""
    async with sc.app.db.transaction() as session:
        account = await session.scalar(
            select(PlatformAccount).where(
                PlatformAccount.platform == person.platform,
                PlatformAccount.external_id == person.name,
            )
        )
        assert account is not None
        member = await session.get(Member, account.member_id)
        assert member is not None
        member.timezone = zone


async def gatherings(sc: Scenario) -> list[Gathering]:
    async with sc.app.db.sessions() as session:
        return list((await session.scalars(select(Gathering).order_by(Gathering.id))).all())


async def rsvps(sc: Scenario) -> list[tuple[int, str, str]]:
    """(occurrence, member name, answer), in a stable order."""
    async with sc.app.db.sessions() as session:
        rows = await session.execute(
            select(Rsvp.occurrence, Member.display_name, Rsvp.answer)
            .join(Member, Member.id == Rsvp.member_id)
            .order_by(Rsvp.occurrence, Member.display_name)
        )
        return [(o, n, a) for o, n, a in rows.all()]


async def pending_reminders(sc: Scenario) -> list[tuple[str, str]]:
    """(kind, due time as ISO text) of the gathering reminders still to send."""
    async with sc.app.db.sessions() as session:
        rows = await session.execute(
            select(Job.kind, Job.due_at)
            .where(Job.kind.startswith("gathering.remind"), Job.status == JobStatus.PENDING.value)
            .order_by(Job.due_at)
        )
        return [(kind, due.isoformat()) for kind, due in rows.all()]


async def job_count(sc: Scenario, prefix: str = "gathering") -> int:
    async with sc.app.db.sessions() as session:
        return int(
            await session.scalar(select(func.count()).where(Job.kind.startswith(prefix))) or 0
        )


def announcements(sc: Scenario, chat: str, platform: str = "fake") -> list[Posted]:
    return [p for p in sc.messenger(platform).in_chat(chat) if p.text.startswith("📅 ")]


def reminders_in(sc: Scenario, chat: str, platform: str = "fake") -> list[Posted]:
    return [p for p in sc.messenger(platform).in_chat(chat) if p.text.startswith("⏰ ")]


def ack(sc: Scenario, platform: str = "fake") -> str | None:
    return sc.messenger(platform).acknowledged[-1][1]


async def press_on(person: Person, posted: Posted, label: str, chat: str) -> list[Posted]:
    """Presses a button of one particular message (not just the latest with that label)."""
    [button] = [b for b in posted.message.all_buttons() if b.label == label]
    return await person.presses_data(button.action, chat, posted.message_id)
