"""Shared pieces of the onboarding scenarios: events, lookups, the usual way through."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from core.federation.models import Branch
from core.i18n import _, autonym
from core.members.models import Member, PlatformAccount, RoleGrant
from core.messaging.inbound import (
    ChatKind,
    ChatRef,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    Sender,
)
from core.onboarding.models import Application
from core.testing import Person, Posted, Scenario

HACKNEY = "london-hackney"
ORG_EN = "International Organization for a Participatory Society"
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


def tr(sc: Scenario, language: str, msgid: str, **params: Any) -> str:
    """A UI string as the bot renders it in ``language`` (English until translated)."""
    return sc.app.services.catalogs.get(language).render(_(msgid, **params))


def sender(person: Person) -> Sender:
    return Sender(person.name, person.display_name or person.name.title(), person.language_hint)


def photo(person: Person, file_id: str = "", mime: str | None = None, data: bytes | None = None):
    return PhotoReceived(
        platform=person.platform,
        sender=sender(person),
        chat=ChatRef(person.dm, ChatKind.PRIVATE),
        update_id=person.scenario.next_update_id(),
        file_id=file_id,
        mime_type=mime,
        data=data,
    )


def joined(person: Person, chat: str) -> MemberJoined:
    return MemberJoined(
        platform=person.platform,
        sender=sender(person),
        chat=ChatRef(chat, ChatKind.GROUP, title=chat),
        update_id=person.scenario.next_update_id(),
    )


def join_request(person: Person, chat: str) -> JoinRequested:
    return JoinRequested(
        platform=person.platform,
        sender=sender(person),
        chat=ChatRef(chat, ChatKind.GROUP, title=chat),
        update_id=person.scenario.next_update_id(),
    )


def dm(sc: Scenario, person: Person) -> list[Posted]:
    """Everything the bot said to ``person`` privately, oldest first."""
    return sc.messenger(person.platform).in_chat(person.dm)


def last_dm(sc: Scenario, person: Person) -> Posted:
    return dm(sc, person)[-1]


async def choose_language(person: Person, language: str) -> list[Posted]:
    """Presses the language button (marked ✓ or not) on the latest language menu."""
    for posted in reversed(person.scenario.messenger(person.platform).in_chat(person.dm)):
        for label in posted.labels:
            if label.removeprefix("✓ ") == autonym(language):
                return await person.presses(label)
    raise AssertionError(f"no button for {language}")


async def apply(
    sc: Scenario,
    person: Person,
    *,
    language: str = "en",
    country: str = "United Kingdom",
    chapter: str | None = "London – Hackney",
    name: str | None = None,
    zone: str = "Europe/London",
    announce: bool = True,
    start: str = "/start",
) -> list[Posted]:
    """The usual way through, in ``language``; returns what sending the summary caused.

    ``chapter=None`` means the chapter is already chosen (an invite, a chat joined).
    """

    def t(msgid: str, **params: Any) -> str:
        return tr(sc, language, msgid, **params)

    if start:
        await person.says(start)
    await choose_language(person, language)
    await person.presses(t("I have read this and want to join"))
    if chapter is not None:
        await person.presses(country)
        await person.presses(chapter)
    if name is None:
        await person.presses(t("Use “{name}”", name=person.display_name or person.name.title()))
    else:
        await person.says(name)
    await person.presses(t("Skip"))  # bio
    await person.presses(t("Skip"))  # photo
    await person.presses(t("Yes, {zone}", zone=zone))
    await person.presses(t("Skip"))  # help with
    await person.presses(t("I agree"))
    await person.presses(t("Yes") if announce else t("No"))
    return await person.presses(t("Send my application"))


async def applications(sc: Scenario) -> list[Application]:
    async with sc.app.db.sessions() as session:
        return list((await session.scalars(select(Application).order_by(Application.id))).all())


async def member(sc: Scenario, person: Person) -> Member:
    async with sc.app.db.sessions() as session:
        account = await session.scalar(
            select(PlatformAccount).where(
                PlatformAccount.platform == person.platform,
                PlatformAccount.external_id == person.name,
            )
        )
        assert account is not None
        found = await session.get(Member, account.member_id)
        assert found is not None
        return found


async def roles(sc: Scenario, person: Person) -> set[tuple[str, str]]:
    """(role, branch slug) pairs the person holds."""
    who = await member(sc, person)
    async with sc.app.db.sessions() as session:
        rows = await session.execute(
            select(RoleGrant.role, Branch.slug)
            .join(Branch, Branch.id == RoleGrant.branch_id)
            .where(RoleGrant.member_id == who.id)
        )
        return {(role, slug) for role, slug in rows.all()}


async def branch(sc: Scenario, slug: str) -> Branch | None:
    async with sc.app.db.sessions() as session:
        return await session.scalar(select(Branch).where(Branch.slug == slug))


async def link(sc: Scenario, person: Person, platform: str) -> Person:
    """Gives ``person``'s member an account on ``platform`` too (what /link does)."""
    who = await member(sc, person)
    now = datetime.now(UTC).replace(year=2000)  # seen long ago: the first platform stays "last"
    async with sc.app.db.transaction() as session:
        session.add(
            PlatformAccount(
                platform=platform,
                external_id=person.name,
                member_id=who.id,
                display_name=person.display_name or person.name.title(),
                created_at=now,
                last_seen_at=now,
            )
        )
    return sc.person(
        person.name,
        platform=platform,
        language_hint=person.language_hint,
        display_name=person.display_name,
    )
