"""Translators: who is asked, what they are shown, and how the first accepted answer wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.upsert import insert_for
from core.decisions.posting import branch_name, reach
from core.decisions.service import subtree_ids
from core.federation.models import Branch
from core.federation.service import ancestor_ids
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.members.models import Role, RoleGrant
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Services, render_message
from core.messaging.outbox import Outbox
from core.translation.content import describe, language_name
from core.translation.models import (
    Content,
    ContentTranslation,
    Origin,
    RequestStatus,
    TranslationRequest,
)

WRITE = "trw"  # Translate: the next private messages are the translation
ACCEPT_DRAFT = "tra"
DECLINE = "trd"
KEEP_PART = "trk"  # while writing: take the machine draft of this part
STOP = "trx"  # while writing: stop (the request stays open)


def numbered(parts: Sequence[str]) -> str:
    """Parts as a translator reads them: alone, or numbered when there are several."""
    if len(parts) == 1:
        return parts[0]
    return "\n".join(f"{i}. {part}" for i, part in enumerate(parts, 1))


async def translators_of(
    session: AsyncSession, branch_id: int | None, author_id: int | None, language: str
) -> list[int]:
    """Members holding the translator role for ``language`` where the content is read.

    The role counts when held in the content's branch, above it (a national translator
    translates for its chapters) or below it (an international announcement reaches the
    chapters, whose translators know their readers). The author is not asked.
    """
    query = select(RoleGrant.member_id).where(
        RoleGrant.role == Role.TRANSLATOR.value, RoleGrant.language == language
    )
    if branch_id is not None:
        branches = set(await ancestor_ids(session, branch_id))
        branches |= await subtree_ids(session, branch_id)
        query = query.where(RoleGrant.branch_id.in_(branches))
    rows = await session.scalars(query.distinct().order_by(RoleGrant.member_id))
    return [m for m in rows.all() if m != author_id]


async def draft_of(
    session: AsyncSession, content_id: int, language: str
) -> ContentTranslation | None:
    """The translation stored for a language (a machine draft, or an accepted one)."""
    return await session.scalar(
        select(ContentTranslation).where(
            ContentTranslation.content_id == content_id, ContentTranslation.language == language
        )
    )


def request_text(
    services: Services,
    session_branch: Branch | None,
    content: Content,
    language: str,
    draft: Sequence[str] | None,
    translator: Translator,
) -> str:
    """The request a translator reads, in their own UI language."""
    t = translator
    target = language_name(language, t.language)
    source = language_name(content.language, t.language)
    what = t.render(describe(content.key))
    if session_branch is not None:
        where = branch_name(session_branch, services.organisation, t.language)
        head = _(
            "🌐 Please translate {what} of {branch} from {source} into {target}.",
            what=what,
            branch=where,
            source=source,
            target=target,
        )
    else:
        head = _(
            "🌐 Please translate {what} from {source} into {target}.",
            what=what,
            source=source,
            target=target,
        )
    lines = [t.render(head), "", t.render(_("Original:")), numbered(content.parts)]
    if draft is not None:
        lines += ["", t.render(_("Machine draft, to check and correct:")), numbered(draft)]
    lines += [
        "",
        t.render(
            _("The first translation accepted is the one members read. Thank you for your help!")
        ),
    ]
    return "\n".join(lines)


def request_buttons(request_id: int, has_draft: bool) -> list[list[ButtonSpec]]:
    """Translate / Accept draft / Decline."""
    rid = str(request_id)
    row = [ButtonSpec(_("Translate"), Action(WRITE, (rid,)))]
    if has_draft:
        row.append(ButtonSpec(_("Accept draft"), Action(ACCEPT_DRAFT, (rid,))))
    row.append(ButtonSpec(_("Decline"), Action(DECLINE, (rid,))))
    return [row]


async def ask(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    content: Content,
    language: str,
    now: datetime,
) -> int:
    """Asks every translator of ``language`` not asked yet; returns how many were asked.

    Nobody is asked once a translation is accepted. The machine draft, if one was made,
    comes with the request.
    """
    existing = await draft_of(session, content.id, language)
    if existing is not None and existing.reviewed:
        return 0
    draft = list(existing.parts) if existing is not None else None
    branch = await session.get(Branch, content.branch_id) if content.branch_id else None
    asked = 0
    for member_id in await translators_of(session, content.branch_id, content.author_id, language):
        request_id = await session.scalar(
            insert_for(session, TranslationRequest)
            .values(
                content_id=content.id,
                language=language,
                translator_id=member_id,
                status=RequestStatus.ASKED.value,
                written=[],
                asked_at=now,
            )
            .on_conflict_do_nothing(index_elements=["content_id", "language", "translator_id"])
            .returning(TranslationRequest.id)
        )
        if request_id is None:
            continue  # asked before
        found = await reach(session, services, member_id)
        if found is None:
            continue
        account, translator, _zone = found
        text = request_text(services, branch, content, language, draft, translator)
        outbox.direct(
            account.platform,
            account.external_id,
            render_message(
                services.signer, translator, text, request_buttons(request_id, draft is not None)
            ),
            instruction=translator.render(_("Reply with the number of your choice.")),
        )
        asked += 1
    return asked


class AlreadyTranslated(Exception):
    """Another translation was accepted first."""


async def accept(
    session: AsyncSession,
    content: Content,
    language: str,
    member_id: int,
    now: datetime,
    written: Sequence[str] | None,
) -> None:
    """Accepts a translator's answer: their own text, or (``written`` None) the draft.

    The first accepted translation wins, also against a concurrent one in another bot
    process: each write is guarded by "not accepted yet", and only one guard can pass.

    Raises:
        AlreadyTranslated: Someone else's was accepted first.
        LookupError: The draft to accept is gone.
    """
    not_yet = (
        (ContentTranslation.content_id == content.id)
        & (ContentTranslation.language == language)
        & ~ContentTranslation.reviewed
    )
    if written is None:
        done = await session.execute(
            update(ContentTranslation)
            .where(not_yet)
            .values(reviewed=True, reviewer_id=member_id, updated_at=now)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            if (await draft_of(session, content.id, language)) is None:
                raise LookupError("no draft")
            raise AlreadyTranslated()
    else:
        values = {
            "parts": list(written),
            "origin": Origin.PERSON.value,
            "provider": None,
            "translator_id": member_id,
            "reviewed": True,
            "reviewer_id": None,
            "updated_at": now,
        }
        inserted = await session.scalar(
            insert_for(session, ContentTranslation)
            .values(content_id=content.id, language=language, created_at=now, **values)
            .on_conflict_do_nothing(index_elements=["content_id", "language"])
            .returning(ContentTranslation.id)
        )
        if inserted is None:  # a draft (replace it) or an accepted one (too late)
            done = await session.execute(update(ContentTranslation).where(not_yet).values(**values))
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise AlreadyTranslated()
    await session.execute(
        update(TranslationRequest)
        .where(
            TranslationRequest.content_id == content.id,
            TranslationRequest.language == language,
            TranslationRequest.status.in_([RequestStatus.ASKED, RequestStatus.WRITING]),
        )
        .values(
            status=RequestStatus.CLOSED.value,
            answered_at=now,
        )
    )
    await session.execute(
        update(TranslationRequest)
        .where(
            TranslationRequest.content_id == content.id,
            TranslationRequest.language == language,
            TranslationRequest.translator_id == member_id,
        )
        .values(status=RequestStatus.DONE.value, answered_at=now)
    )


def done_text(content: Content, language: str, translator: Translator) -> Msg:
    """The thanks a translator reads once their translation is accepted."""
    return _(
        "Thank you! Your translation into {language} is what members now read.",
        language=language_name(language, translator.language),
    )
