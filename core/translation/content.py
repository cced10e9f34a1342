"""Content people wrote, in every language: the API capabilities use.

Every piece of text a person writes for others (a decision's question and options, an
announcement, a gathering's title and description) is *content*: it has an original
language, and translations stored per language with who or what made them. A capability
uses it in three moves::

    content = await save(session, "gathering:3", [title, description], language,
                         branch_id=branch.id, author_id=member.id, now=now)
    await request(session, content, {"es", "fr"}, now)   # machine drafts, then translators
    shown = await read(session, "gathering:3", "es")      # the best text for a reader
    shown.parts, shown.machine, note(shown, translator), show_original(shown)

and, to refresh what it posted when a translation lands, registers a hook with
:class:`~core.translation.handlers.Translations.on_translated` for its key prefix
(``"gathering"``). Keys are ``"<kind>:<id>"``; the kind also names the content to
translators (:func:`describe`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.upsert import insert_for
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec
from core.translation.models import (
    Content,
    ContentTranslation,
    MachineTask,
    Origin,
    RequestStatus,
    TaskStatus,
    TranslationRequest,
)

SHOW_ORIGINAL = "tro"
MAX_KEY = 64

# Called in the transaction that gave a content a new text in a language (a machine draft,
# an accepted translation): (session, content, language, now).
TranslatedHook = Callable[[AsyncSession, Content, str, datetime], Awaitable[None]]


@dataclass(frozen=True)
class Rendition:
    """What a reader of one language is shown of a content.

    Attributes:
        content_id: The content.
        parts: The text, part by part, in :attr:`language`.
        language: The language of :attr:`parts`.
        original_language: The language it was written in.
        origin: None for the original; else who made the translation.
        reviewed: A translator accepted it (always so for a person's translation).
    """

    content_id: int
    parts: tuple[str, ...]
    language: str
    original_language: str
    origin: Origin | None = None
    reviewed: bool = True

    @property
    def translated(self) -> bool:
        """Whether this is a translation (and so has an original to show)."""
        return self.origin is not None

    @property
    def machine(self) -> bool:
        """A machine translation no translator has checked: it is labelled as such."""
        return self.origin is Origin.MACHINE and not self.reviewed


def language_name(code: str, reader: str) -> str:
    """A language's name in the reader's language ("inglés" for ``en`` to a Spanish reader)."""
    try:
        name = Locale.parse(code).get_display_name(reader) or code
    except ValueError:
        return code
    return name


def note(rendition: Rendition, translator: Translator) -> str | None:
    """The label under a translated text, in the reader's language (None for originals)."""
    if not rendition.translated:
        return None
    source = language_name(rendition.original_language, translator.language)
    if rendition.machine:
        return translator.render(_("🌐 Machine translation from {language}.", language=source))
    return translator.render(_("🌐 Translated from {language}.", language=source))


def show_original(rendition: Rendition) -> list[ButtonSpec]:
    """The "Show original" button row for a translated text (empty for an original)."""
    if not rendition.translated:
        return []
    return [ButtonSpec(_("Show original"), Action(SHOW_ORIGINAL, (str(rendition.content_id),)))]


def describe(key: str) -> Msg:
    """What a content is, for a translator ("an announcement")."""
    kind = key.split(":", 1)[0]
    kinds = {
        "decision": _("a decision"),
        "broadcast": _("an announcement"),
        "gathering": _("a gathering"),
    }
    return kinds.get(kind, _("a text"))


async def by_key(session: AsyncSession, key: str) -> Content | None:
    """The content stored under ``key``."""
    return await session.scalar(select(Content).where(Content.key == key))


async def save(
    session: AsyncSession,
    key: str,
    parts: Sequence[str],
    language: str,
    *,
    branch_id: int | None,
    author_id: int | None,
    now: datetime,
) -> Content:
    """Stores a content under ``key``, or updates it.

    Unchanged text keeps its translations. Changed text drops them (they translate words
    that are no longer there), closes the requests to translators and forgets the
    machine tasks, so that :func:`request` starts afresh.
    """
    if len(key) > MAX_KEY:
        raise ValueError(f"content key longer than {MAX_KEY}: {key!r}")
    content = await by_key(session, key)
    if content is None:
        content = Content(
            key=key,
            branch_id=branch_id,
            language=language,
            parts=list(parts),
            author_id=author_id,
            created_at=now,
            updated_at=now,
        )
        session.add(content)
        await session.flush()
        return content
    if list(content.parts) == list(parts) and content.language == language:
        return content
    content.parts, content.language, content.updated_at = list(parts), language, now
    await session.execute(
        delete(ContentTranslation).where(ContentTranslation.content_id == content.id)
    )
    await session.execute(delete(MachineTask).where(MachineTask.content_id == content.id))
    await session.execute(
        update(TranslationRequest)
        .where(
            TranslationRequest.content_id == content.id,
            TranslationRequest.status.in_([RequestStatus.ASKED, RequestStatus.WRITING]),
        )
        .values(status=RequestStatus.CLOSED.value, answered_at=now)
    )
    await session.flush()
    return content


async def request(
    session: AsyncSession, content: Content, languages: Iterable[str], now: datetime
) -> list[str]:
    """Asks for translations into ``languages`` (the original's own is skipped).

    Writes one machine task per language still without an accepted translation; the
    translation worker then makes a machine draft (when a provider is configured) and asks
    the translators of that language, draft attached. Asking twice does nothing more.

    Returns:
        The languages newly asked for.
    """
    accepted = set(await accepted_languages(session, content.id))
    wanted = sorted({lang for lang in languages if lang != content.language} - accepted)
    asked: list[str] = []
    for language in wanted:
        statement = (
            insert_for(session, MachineTask)
            .values(
                content_id=content.id,
                language=language,
                status=TaskStatus.PENDING.value,
                attempts=0,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["content_id", "language"])
            .returning(MachineTask.id)
        )
        if await session.scalar(statement) is not None:
            asked.append(language)
    return asked


async def accepted_languages(session: AsyncSession, content_id: int) -> list[str]:
    """Languages with an accepted translation (a person's, or a reviewed machine draft)."""
    rows = await session.scalars(
        select(ContentTranslation.language).where(
            ContentTranslation.content_id == content_id, ContentTranslation.reviewed
        )
    )
    return list(rows.all())


async def machine_pending(session: AsyncSession, content_id: int) -> bool:
    """Whether a machine draft is still being made for some language."""
    found = await session.scalar(
        select(MachineTask.id)
        .where(
            MachineTask.content_id == content_id,
            MachineTask.status.in_([TaskStatus.PENDING.value, TaskStatus.RUNNING.value]),
        )
        .limit(1)
    )
    return found is not None


def rendition_of(content: Content, translation: ContentTranslation | None) -> Rendition:
    """A content as shown: the translation when there is one, else the original."""
    if translation is None or len(translation.parts) != len(content.parts):
        return Rendition(content.id, tuple(content.parts), content.language, content.language)
    return Rendition(
        content.id,
        tuple(translation.parts),
        translation.language,
        content.language,
        Origin(translation.origin),
        translation.reviewed,
    )


async def read_content(session: AsyncSession, content: Content, language: str) -> Rendition:
    """The best text of ``content`` for a reader of ``language``."""
    if language == content.language:
        return rendition_of(content, None)
    translation = await session.scalar(
        select(ContentTranslation).where(
            ContentTranslation.content_id == content.id, ContentTranslation.language == language
        )
    )
    return rendition_of(content, translation)


async def read(session: AsyncSession, key: str, language: str) -> Rendition | None:
    """The best text under ``key`` for a reader of ``language`` (None: no such content)."""
    content = await by_key(session, key)
    if content is None:
        return None
    return await read_content(session, content, language)
