"""Translators in chat, and "show original" for readers.

Button actions:

====  ===============  ===========================================================
tro   content          show the original privately (on any translated text)
trw   request          Translate: the translator's next private messages are the parts
tra   request          Accept draft: the machine draft, reviewed, becomes the translation
trd   request          Decline
trk   request, part    while writing: keep the machine draft of this part
trx   request          while writing: stop for now (the request stays open)
====  ===============  ===========================================================

A translator who pressed Translate is *writing*: each private message is the next part
(a decision's question, then each option), until every part is done. Writing is a row
state, so it survives a restart; it lapses after :data:`WRITING_LAPSES`, and an answer the
member was asked for later (a profile edit) takes precedence.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidButton, UserError
from core.i18n.message import _
from core.members.models import AwaitedText
from core.messaging.actions import Action
from core.messaging.asking import reply_asking
from core.messaging.context import ButtonSpec, Context
from core.messaging.inbound import TextReceived
from core.messaging.router import Router
from core.translation.content import SHOW_ORIGINAL, TranslatedHook, language_name
from core.translation.models import Content, RequestStatus, TranslationRequest
from core.translation.translators import (
    ACCEPT_DRAFT,
    DECLINE,
    KEEP_PART,
    STOP,
    WRITE,
    AlreadyTranslated,
    accept,
    done_text,
    draft_of,
    numbered,
)

WRITING_LAPSES = timedelta(hours=6)
MAX_PART = 4000
OPEN = (RequestStatus.ASKED.value, RequestStatus.WRITING.value)


class Translations:
    """The translators' buttons and answers, "show original", and the translated hooks.

    Args:
        router: Where actions and the text handler are registered.
    """

    def __init__(self, router: Router) -> None:
        self._router = router
        self._hooks: dict[str, list[TranslatedHook]] = defaultdict(list)

    def register(self) -> None:
        """Registers the actions and the translators' text handler."""
        self._router.action(SHOW_ORIGINAL, self.show_original)
        self._router.action(WRITE, self.write)
        self._router.action(ACCEPT_DRAFT, self.accept_draft)
        self._router.action(DECLINE, self.decline)
        self._router.action(KEEP_PART, self.keep_part)
        self._router.action(STOP, self.stop)
        self._router.text(self.written)

    def on_translated(self, kind: str, hook: TranslatedHook) -> None:
        """Calls ``hook(session, content, language, now)`` on new text for ``kind:…`` content.

        New text is a machine draft or an accepted translation; the hook runs in the same
        transaction, so the capability can re-render what it posted.
        """
        self._hooks[kind].append(hook)

    async def changed(
        self, session: AsyncSession, content: Content, language: str, now: datetime
    ) -> None:
        """Runs the hooks of the content's kind."""
        for hook in self._hooks.get(content.key.split(":", 1)[0], ()):
            await hook(session, content, language, now)

    # ------------------------------------------------------------------ readers

    async def show_original(self, ctx: Context, action: Action) -> None:
        """Sends the reader the text as it was written, privately."""
        if len(action.args) != 1 or not action.args[0].isdecimal():
            raise InvalidButton()
        content = await ctx.session.get(Content, int(action.args[0]))
        if content is None:
            raise InvalidButton()
        language = language_name(content.language, ctx.translator.language)
        heading = ctx.render(_("The original, in {language}:", language=language))
        ctx.reply_privately(f"{heading}\n\n{numbered(content.parts)}")
        if not ctx.in_private:
            ctx.acknowledge(_("I have sent you the original privately."))

    # ------------------------------------------------------------------ translators

    async def _request(self, ctx: Context, action: Action) -> tuple[TranslationRequest, Content]:
        if not action.args or not action.args[0].isdecimal():
            raise InvalidButton()
        request = await ctx.session.get(TranslationRequest, int(action.args[0]))
        if request is None or request.translator_id != ctx.member.id:
            raise InvalidButton()
        content = await ctx.session.get(Content, request.content_id)
        if content is None:
            raise InvalidButton()
        if request.status not in OPEN:
            if request.status == RequestStatus.DECLINED.value:
                raise UserError(_("You declined this translation. Thank you all the same!"))
            raise UserError(_("This text is translated already. Thank you all the same!"))
        return request, content

    async def write(self, ctx: Context, action: Action) -> None:
        """Translate: asks for the first part."""
        request, content = await self._request(ctx, action)
        # One translation at a time: any other one being written goes back to waiting.
        await ctx.session.execute(
            update(TranslationRequest)
            .where(
                TranslationRequest.translator_id == ctx.member.id,
                TranslationRequest.status == RequestStatus.WRITING.value,
                TranslationRequest.id != request.id,
            )
            .values(status=RequestStatus.ASKED.value)
        )
        request.status = RequestStatus.WRITING.value
        request.written = []
        request.answered_at = ctx.now
        await ctx.session.flush()
        await self._ask_part(ctx, request, content)

    async def _ask_part(self, ctx: Context, request: TranslationRequest, content: Content) -> None:
        index = len(request.written)
        count = len(content.parts)
        target = language_name(request.language, ctx.translator.language)
        draft = await draft_of(ctx.session, content.id, request.language)
        lines: list[str] = []
        if count == 1:
            lines.append(
                ctx.render(
                    _(
                        "Send me your translation into {language} as your next message.",
                        language=target,
                    )
                )
            )
        else:
            lines.append(
                ctx.render(
                    _(
                        "Part {number} of {count}: send me its translation into {language}.",
                        number=index + 1,
                        count=count,
                        language=target,
                    )
                )
            )
        lines += ["", ctx.render(_("Original:")), content.parts[index]]
        buttons: list[ButtonSpec] = []
        if draft is not None and not draft.reviewed and len(draft.parts) == count:
            lines += ["", ctx.render(_("Machine draft:")), draft.parts[index]]
            buttons.append(
                ButtonSpec(_("Keep the draft"), Action(KEEP_PART, (str(request.id), str(index))))
            )
        buttons.append(ButtonSpec(_("Stop for now"), Action(STOP, (str(request.id),))))
        reply_asking(ctx, "\n".join(lines), _("Translation"), [buttons])

    async def _take(
        self, ctx: Context, request: TranslationRequest, content: Content, part: str
    ) -> None:
        """One more part written; the translation is accepted once all are."""
        request.written = [*request.written, part]
        request.answered_at = ctx.now
        await ctx.session.flush()
        if len(request.written) < len(content.parts):
            await self._ask_part(ctx, request, content)
            return
        await self._accept(ctx, request, content, list(request.written))

    async def _accept(
        self,
        ctx: Context,
        request: TranslationRequest,
        content: Content,
        written: list[str] | None,
    ) -> None:
        try:
            await accept(ctx.session, content, request.language, ctx.member.id, ctx.now, written)
        except AlreadyTranslated:
            request.status = RequestStatus.CLOSED.value
            request.answered_at = ctx.now
            ctx.reply(
                _(
                    "Someone else's translation was accepted a moment earlier, so yours is "
                    "not needed this time. Thank you all the same!"
                )
            )
            return
        except LookupError:
            raise UserError(
                _("There is no machine draft to accept. Please translate it.")
            ) from None
        await self.changed(ctx.session, content, request.language, ctx.now)
        ctx.reply(done_text(content, request.language, ctx.translator))

    async def accept_draft(self, ctx: Context, action: Action) -> None:
        """Accept draft: the machine translation, reviewed, is what members read."""
        request, content = await self._request(ctx, action)
        await self._accept(ctx, request, content, None)

    async def decline(self, ctx: Context, action: Action) -> None:
        """Decline: this translator is not asked about this text again."""
        request, _content = await self._request(ctx, action)
        request.status = RequestStatus.DECLINED.value
        request.answered_at = ctx.now
        ctx.reply(_("All right, I won't ask you about this one again. Thank you for saying so."))

    async def keep_part(self, ctx: Context, action: Action) -> None:
        """Keeps the machine draft of the part being asked."""
        request, content = await self._request(ctx, action)
        if (
            len(action.args) != 2
            or request.status != RequestStatus.WRITING.value
            or action.args[1] != str(len(request.written))
        ):
            raise UserError(_("That step is over. Please answer the latest question."))
        draft = await draft_of(ctx.session, content.id, request.language)
        if draft is None or len(draft.parts) != len(content.parts):
            raise UserError(_("There is no machine draft to accept. Please translate it."))
        await self._take(ctx, request, content, draft.parts[len(request.written)])

    async def stop(self, ctx: Context, action: Action) -> None:
        """Stops writing for now; the request stays open."""
        request, _content = await self._request(ctx, action)
        request.status = RequestStatus.ASKED.value
        request.written = []
        ctx.reply(_("Stopped. Press Translate on the request whenever you are ready."))

    async def written(self, ctx: Context, text: TextReceived) -> bool:
        """A private message from a translator who is writing: the next part."""
        if not ctx.in_private:
            return False
        request = await ctx.session.scalar(
            select(TranslationRequest)
            .where(
                TranslationRequest.translator_id == ctx.member.id,
                TranslationRequest.status == RequestStatus.WRITING.value,
            )
            .order_by(TranslationRequest.answered_at.desc())
            .limit(1)
        )
        if request is None or request.answered_at is None:
            return False
        if ctx.now - request.answered_at > WRITING_LAPSES:
            request.status = RequestStatus.ASKED.value
            return False
        awaited = await ctx.session.get(AwaitedText, ctx.member.id)
        if awaited is not None and awaited.asked_at > request.answered_at:
            return False  # they asked to edit their profile since: that answer comes first
        content = await ctx.session.get(Content, request.content_id)
        if content is None:
            return False
        part = text.text.strip()
        if not part:
            raise UserError(_("Please send the translation as text."))
        if len(part) > MAX_PART:
            raise UserError(
                _("That is too long: at most {count} characters, please.", count=MAX_PART)
            )
        await self._take(ctx, request, content, part)
        return True
