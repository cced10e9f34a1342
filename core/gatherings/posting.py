"""Putting a gathering in front of people: the branch's chats, DMs, native events.

The announcement is posted in every chat linked to the branch on every attached platform,
tagged so that it can be edited as answers come in and when the gathering changes. Each
chat reads it in its branch's language; each member reads DMs in their own language, with
the time in their own zone beside the gathering's.

Title and description are content (:mod:`core.translation.gatherings`): whatever goes out
asks for them in its readers' languages, and shows each reader the translation there is,
labelled, with a "Show original" button.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions.posting import branch_name, instruction, linked_chats, reach
from core.decisions.service import subtree_ids
from core.federation.models import Branch, Chat
from core.gatherings import render
from core.gatherings.models import Gathering, GatheringStatus
from core.gatherings.recurrence import Occurrence, occurrences
from core.gatherings.service import LOOK_AHEAD, Counts, counts, next_occurrence, series_of
from core.i18n.translator import Translator
from core.members.models import Member, PlatformAccount
from core.members.service import language_of
from core.messaging.context import Services, render_message
from core.messaging.outbound import Attachment, NativeEvent, OutgoingMessage
from core.messaging.outbox import Outbox, posted_messages
from core.translation import gatherings as translated
from core.translation.content import Rendition, read_content

# Renders one message for one reader: (translator, the reader's zone, the gathering's title
# and description in the reader's language) → message.
Renderer = Callable[[Translator, str, Rendition | None], OutgoingMessage]
LATER_DATES = 3


def tag(gathering: Gathering) -> str:
    """The tag under which a gathering's announcements are recorded."""
    return f"gathering:{gathering.id}"


def native_tag(gathering: Gathering, key: int) -> str:
    """The tag under which an occurrence's native events are recorded (≤ 64 characters)."""
    return f"gathering-event:{gathering.id}:{key}"


async def home_branch(session: AsyncSession, gathering: Gathering) -> Branch:
    """The branch holding the gathering."""
    branch = await session.get(Branch, gathering.branch_id)
    assert branch is not None
    return branch


async def texts(
    session: AsyncSession, gathering: Gathering, languages: Iterable[str], now: datetime
) -> dict[str, Rendition]:
    """The gathering's title and description for each of ``languages``.

    Stores them as content and asks for the languages still missing (machine drafts, then
    translators): until a translation lands, a reader is shown the original.
    """
    wanted = set(languages)
    content = await translated.ensure(session, gathering, wanted, now)
    return {language: await read_content(session, content, language) for language in wanted}


async def member_languages(session: AsyncSession, services: Services, branch_id: int) -> set[str]:
    """The languages the members of a branch (and of the branches below it) read."""
    organisation = services.organisation.organisation
    rows = await session.execute(
        select(Member.language, PlatformAccount.language_hint)
        .join(PlatformAccount, PlatformAccount.member_id == Member.id)
        .where(Member.chapter_id.in_(await subtree_ids(session, branch_id)))
        .distinct()
    )
    return {
        language_of(language, hint, None, organisation.languages, organisation.default_language)
        for language, hint in rows.all()
    }


async def announcement(
    session: AsyncSession,
    services: Services,
    gathering: Gathering,
    now: datetime,
    translator: Translator,
    reader_zone: str | None,
    text: Rendition | None = None,
) -> OutgoingMessage:
    """The announcement as it stands now, for one reader (``text``: see :func:`texts`)."""
    home = await home_branch(session, gathering)
    occurrence = await next_occurrence(session, gathering, now)
    later: list[Occurrence] = []
    if occurrence is not None and gathering.rrule is not None:
        series = await series_of(session, gathering)
        found = occurrences(series, occurrence.end, now + LOOK_AHEAD, limit=LATER_DATES + 1)
        later = [o for o in found if o.key != occurrence.key][:LATER_DATES]
    current = await counts(session, gathering.id, occurrence.key) if occurrence else None
    body = render.gathering_text(
        translator,
        gathering,
        occurrence,
        current or Counts(),
        branch_name(home, services.organisation, translator.language),
        reader_zone,
        later,
        text,
    )
    return render_message(
        services.signer, translator, body, render.rsvp_buttons(gathering, occurrence, text)
    )


async def announce(
    session: AsyncSession, services: Services, outbox: Outbox, gathering: Gathering, now: datetime
) -> int:
    """Posts the announcement in every linked chat of the branch; returns in how many.

    Its title and description are asked for in the chats' languages and in those of the
    branch's members (who get reminders and change notices privately).
    """
    posted = 0
    chats = [
        (chat, branch)
        for chat, branch in await linked_chats(session, gathering.branch_id)
        if chat.platform in services.messengers
    ]
    languages = {services.catalogs.get(branch.language).language for _chat, branch in chats}
    languages |= await member_languages(session, services, gathering.branch_id)
    shown = await texts(session, gathering, languages, now)
    for chat, branch in chats:
        translator = services.catalogs.get(branch.language)
        message = await announcement(
            session,
            services,
            gathering,
            now,
            translator,
            branch.timezone,
            shown.get(translator.language),
        )
        outbox.post(
            chat.platform,
            chat.external_id,
            message,
            instruction=instruction(translator),
            tag=tag(gathering),
            language=branch.language,
        )
        posted += 1
    await mirror(session, services, outbox, gathering, now)
    return posted


async def _chat_zone(session: AsyncSession, platform: str, chat_id: str, fallback: str) -> str:
    chat = await session.scalar(
        select(Chat).where(Chat.platform == platform, Chat.external_id == chat_id)
    )
    if chat is not None and chat.branch_id is not None:
        branch = await session.get(Branch, chat.branch_id)
        if branch is not None:
            return branch.timezone
    return fallback


async def refresh(
    session: AsyncSession, services: Services, outbox: Outbox, gathering: Gathering, now: datetime
) -> None:
    """Edits every posted announcement to show how the gathering stands (and its translation)."""
    shown: dict[str, Rendition | None] = {}
    for posted in await posted_messages(session, tag(gathering)):
        translator = services.catalogs.get(posted.language or None)
        language = translator.language
        if language not in shown:
            shown[language] = await translated.shown(session, gathering, language)
        zone = await _chat_zone(session, posted.platform, posted.chat_id, gathering.timezone)
        message = await announcement(
            session, services, gathering, now, translator, zone, shown[language]
        )
        outbox.edit(posted, message)


async def to_chats(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    gathering: Gathering,
    renderer: Renderer,
) -> None:
    """Posts a message (a reminder, a change) in every linked chat, in each one's language."""
    chats = [
        (chat, branch)
        for chat, branch in await linked_chats(session, gathering.branch_id)
        if chat.platform in services.messengers
    ]
    languages = {services.catalogs.get(branch.language).language for _chat, branch in chats}
    shown = await texts(session, gathering, languages, services.clock.now())
    for chat, branch in chats:
        translator = services.catalogs.get(branch.language)
        outbox.post(
            chat.platform,
            chat.external_id,
            renderer(translator, branch.timezone, shown.get(translator.language)),
            instruction=instruction(translator),
        )


async def to_member(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    gathering: Gathering,
    member_id: int,
    renderer: Renderer,
) -> bool:
    """Sends a member a private message in their language and zone; False if unreachable."""
    found = await reach(session, services, member_id)
    if found is None:
        return False
    account, translator, zone = found
    shown = await texts(session, gathering, {translator.language}, services.clock.now())
    outbox.direct(
        account.platform,
        account.external_id,
        renderer(translator, zone, shown.get(translator.language)),
        instruction=instruction(translator),
    )
    return True


async def to_members(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    gathering: Gathering,
    member_ids: Sequence[int],
    renderer: Renderer,
) -> int:
    """Sends several members a private message each, in their language and zone.

    Like :func:`to_member` (the account last seen on an attached platform; the member's
    zone, else their chapter's), in two queries for all of them: a reminder to a full hall
    must not cost three round trips a person. One rendering per (language, zone); the
    gathering's text is read once per language (and asked for in the missing ones).

    Returns:
        How many were reached.
    """
    if not member_ids:
        return 0
    rows = await session.execute(
        select(Member, PlatformAccount, Branch.timezone)
        .join(PlatformAccount, PlatformAccount.member_id == Member.id)
        .outerjoin(Branch, Branch.id == Member.chapter_id)
        .where(Member.id.in_(list(member_ids)))
        .order_by(Member.id, PlatformAccount.last_seen_at.desc())
    )
    organisation = services.organisation.organisation
    readers: list[tuple[PlatformAccount, Translator, str]] = []
    reached: set[int] = set()
    for member, account, chapter_zone in rows.all():
        if member.id in reached or account.platform not in services.messengers:
            continue
        reached.add(member.id)
        language = language_of(
            member.language,
            account.language_hint,
            None,
            organisation.languages,
            organisation.default_language,
        )
        zone = member.timezone or chapter_zone or "UTC"
        readers.append((account, services.catalogs.get(language), zone))
    languages = {translator.language for _account, translator, _zone in readers}
    shown = await texts(session, gathering, languages, services.clock.now()) if readers else {}
    rendered: dict[tuple[str, str], OutgoingMessage] = {}
    for account, translator, zone in readers:
        key = (translator.language, zone)
        if key not in rendered:
            rendered[key] = renderer(translator, zone, shown.get(translator.language))
        outbox.direct(
            account.platform,
            account.external_id,
            rendered[key],
            instruction=instruction(translator),
        )
    return len(reached)


async def mirror(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    gathering: Gathering,
    now: datetime,
    occurrence: Occurrence | None = None,
    cancelled: bool = False,
) -> None:
    """Creates or updates the native events of an occurrence (the next one by default).

    Only platforms with native events take part; a cancelled occurrence is only sent where
    a native event for it already exists.
    """
    occurrence = occurrence or await next_occurrence(session, gathering, now)
    if occurrence is None:
        return
    cancelled = cancelled or gathering.status == GatheringStatus.CANCELLED.value
    key = native_tag(gathering, occurrence.key)
    existing = await posted_messages(session, key)
    for chat, branch in await linked_chats(session, gathering.branch_id):
        messenger = services.messengers.get(chat.platform)
        if messenger is None or not messenger.capabilities.native_events:
            continue
        known = next(
            (
                p.message_id
                for p in existing
                if p.platform == chat.platform and p.chat_id == chat.external_id
            ),
            None,
        )
        if cancelled and known is None:
            continue
        translator = services.catalogs.get(branch.language)
        event = NativeEvent(
            key=f"gathering:{gathering.id}:{occurrence.key}",
            title=gathering.title[:100],
            description=render.description_for_calendar(translator, gathering)[:1000],
            start=occurrence.start,
            end=occurrence.end,
            location=(gathering.place or gathering.online_url or "")[:100],
            cancelled=cancelled,
        )
        outbox.mirror(
            chat.platform,
            chat.external_id,
            event,
            existing=known,
            tag=key,
            language=branch.language,
        )


def with_file(message: OutgoingMessage, filename: str, content: bytes) -> OutgoingMessage:
    """``message`` with an ``.ics`` file attached."""
    return replace(message, file=Attachment(filename, content, "text/calendar"))
