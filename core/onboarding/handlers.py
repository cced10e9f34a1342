"""Onboarding in a private conversation: the capability's commands, buttons, texts and jobs.

A newcomer starts with ``/start`` or ``/join`` in a private chat, a chapter's invite link
(``/start join-<slug>``), or by joining (or asking to join) a chat of the organisation. They
answer the steps of :mod:`core.onboarding.flow` one at a time; every answer is stored on the
application row at once, so they can leave and come back on any linked platform. The
summary goes to the organisers nearest to the chapter, who approve, ask a question or
decline; a week without an answer brings in the branch above. See :mod:`.render` for the
buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import Level
from core.decisions.posting import instruction, linked_chats, reach
from core.errors import InvalidButton
from core.federation.models import Branch
from core.federation.service import ancestor_ids, branch_by_slug
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.members.models import PlatformAccount
from core.members.service import set_language
from core.messaging.actions import Action
from core.messaging.context import Context, Services, render_message
from core.messaging.inbound import (
    CommandReceived,
    JoinRequested,
    MemberJoined,
    PhotoReceived,
    TextReceived,
)
from core.messaging.outbound import Attachment, OutgoingMessage
from core.messaging.outbox import ChatAction, Outbox, posted_messages
from core.messaging.router import CommandSpec, Router
from core.onboarding import flow
from core.onboarding.flow import TEXT_STEPS, State, Step
from core.onboarding.models import Application, ApplicationStatus, PromptKind
from core.onboarding.render import (
    ANSWER,
    APPROVE,
    ASK,
    BACK,
    CANCEL,
    DECLINE,
    KEEP,
    NEVER_MIND,
    NEW_CHAPTER,
    NO,
    SKIP,
    UNLISTED,
    USE_PLATFORM_NAME,
    WITHDRAW,
    YES,
    Facts,
    branch_label,
    card,
    decision_buttons,
    never_mind_button,
    proposed_timezone,
    render_step,
    withdraw_button,
)
from core.onboarding.service import (
    ApplicationClosed,
    Approval,
    NotTheirs,
    Tree,
    application_by_id,
    approve,
    close,
    deciders,
    deciding_branch_id,
    decline,
    may_decide,
    open_application,
    prompt_of,
    record_join_request,
    set_prompt,
    start_application,
    state_of,
    store,
    tree,
)
from core.scheduling.scheduler import JobContext, JobKind, Scheduler

log = logging.getLogger(__name__)

REMIND = "onboarding.remind"
ESCALATE = "onboarding.escalate"
REMIND_AFTER = timedelta(hours=48)
ESCALATE_AFTER = timedelta(days=7)
PROMPT_FOR = timedelta(hours=1)  # how long an organiser's next message counts as asked for
INVITE_PREFIX = "join-"

WelcomeNote = Callable[[AsyncSession, Branch, Translator, str], Awaitable[str | None]]
"""Adds a paragraph to a new member's welcome (session, chapter, reader, their time zone).

The hook for the gatherings capability: it appends one that lists the chapter's next
gatherings. Until one does, the welcome says in one neutral sentence where they will be
announced.
"""


def tag(application: Application) -> str:
    """The tag of the messages organisers got about an application (edited once decided)."""
    return f"onboarding:{application.id}"


def _id(raw: str) -> int:
    if not raw.isdecimal() or len(raw) > 12:
        raise InvalidButton()
    return int(raw)


class Onboarding:
    """The onboarding capability.

    Args:
        router: Where its command, buttons, text, photo and join handlers are registered.
        scheduler: Where reminders to organisers are booked.
        services: Configuration, catalogs, signer, clock and the attached platforms.
    """

    def __init__(self, router: Router, scheduler: Scheduler, services: Services) -> None:
        self.router = router
        self.scheduler = scheduler
        self.services = services
        self.welcome_notes: list[WelcomeNote] = []

    def register(self) -> None:
        """Adds /join, the buttons, the text and photo handlers, joins and the jobs."""
        self.router.command(
            CommandSpec("join", _("Join the organisation, or carry on joining"), self.join)
        )
        for kind, handler in {
            ANSWER: self.answer,
            BACK: self.back,
            SKIP: self.skip,
            CANCEL: self.cancel,
            WITHDRAW: self.withdraw,
            APPROVE: self.approve_pressed,
            ASK: self.ask_pressed,
            DECLINE: self.decline_pressed,
            NEVER_MIND: self.never_mind,
        }.items():
            self.router.action(kind, handler)
        self.router.text(self.text)
        self.router.photo(self.photo)
        self.router.event(MemberJoined, self.member_joined)
        self.router.event(JoinRequested, self.join_requested)
        self.scheduler.register(REMIND, JobKind(self.job_remind))
        self.scheduler.register(ESCALATE, JobKind(self.job_escalate))

    # ----------------------------------------------------------------- ways in

    async def newcomer_start(self, ctx: Context, command: CommandReceived) -> bool:
        """A private /start: starts or resumes onboarding for someone not yet a member.

        Returns:
            False for members (the greeting answers them as before).
        """
        if ctx.member.chapter_id is not None:
            return False
        preset, note = await self._invited_to(ctx, command.args, bare_slug=False)
        await self._begin(ctx, preset, note)
        return True

    async def join(self, ctx: Context, command: CommandReceived) -> None:
        """``/join [chapter]``: in private, onboarding; in a chapter's chat, onboarding for it."""
        if ctx.member.chapter_id is not None:
            chapter = await ctx.session.get(Branch, ctx.member.chapter_id)
            name = "—"
            if chapter is not None:
                name = branch_label(chapter, ctx.services.organisation, ctx.translator.language)
            ctx.reply(_("You are already a member of {chapter}.", chapter=name))
            return
        preset, note = await self._invited_to(ctx, command.args, bare_slug=True)
        if preset is None and not ctx.in_private:
            preset = ctx.branch
        if not ctx.in_private:
            ctx.reply(_("I have sent you a private message to continue."), confirms_private=True)
        await self._begin(ctx, preset, note)

    async def member_joined(self, ctx: Context, event: MemberJoined | JoinRequested) -> None:
        """Someone joined a chat of the organisation: a short welcome there, the rest in DM."""
        if ctx.branch is None or ctx.member.chapter_id is not None:
            return
        ctx.reply(
            _(
                "Welcome, {name}! I have sent you a private message to help you join.",
                name=ctx.account.display_name,
            ),
            confirms_private=True,
        )
        await self._begin(ctx, ctx.branch, None)

    async def join_requested(self, ctx: Context, event: MemberJoined | JoinRequested) -> None:
        """Someone asked to join a chat of the organisation: nothing in the chat, a DM.

        A member is let in at once when the chat belongs to their chapter or a branch above
        it; a newcomer's request waits for their application.
        """
        if ctx.branch is None:
            return
        platform, chat_id = ctx.inbound.platform, ctx.inbound.chat.external_id
        if ctx.member.chapter_id is not None:
            if ctx.branch.id in await ancestor_ids(ctx.session, ctx.member.chapter_id):
                ctx.outbox.act(platform, ChatAction.APPROVE_JOIN, chat_id, ctx.account.external_id)
            return
        await record_join_request(
            ctx.session,
            ctx.member.id,
            platform,
            chat_id,
            ctx.account.external_id,
            ctx.branch.id,
            ctx.now,
        )
        await self._begin(ctx, ctx.branch, None)

    async def _invited_to(
        self, ctx: Context, args: str, *, bare_slug: bool
    ) -> tuple[Branch | None, Msg | None]:
        """The branch named by an invite link's payload (``join-<slug>``), if any."""
        words = args.split()
        if not words:
            return None, None
        word = words[0]
        if word.startswith(INVITE_PREFIX):
            slug = word[len(INVITE_PREFIX) :]
        elif bare_slug:
            slug = word
        else:
            return None, None  # another /start payload: not ours
        branch = await branch_by_slug(ctx.session, slug[:64].lower())
        if branch is not None:
            return branch, None
        if word.startswith(INVITE_PREFIX):
            return None, _(
                "That invite link is not valid any more (its chapter may have been removed). "
                "You can choose your chapter on the way."
            )
        return None, _("There is no branch “{slug}”.", slug=slug[:64])

    async def _begin(self, ctx: Context, preset: Branch | None, note: Msg | None) -> None:
        """Starts (or resumes) the member's application and shows where they are."""
        application, created = await start_application(ctx.session, ctx.member, ctx.now)
        if application.status == ApplicationStatus.SUBMITTED.value:
            await self._show_waiting(ctx, application)
            return
        branches = await tree(ctx.session)
        state = state_of(application)
        if preset is not None and preset.id in branches.branches:
            country = branches.countries.get(preset.id)
            if preset.level == Level.LOCAL.value:
                state = flow.preset_chapter(state, preset.id, country)
            elif country is not None:
                state = flow.preset_country(state, country)
        store(application, state, ctx.now)
        leads = [note] if note else []
        if not created:
            leads.insert(0, _("Welcome back! Let's carry on where you left off."))
        self._show(ctx, application, state, branches, *leads)

    # ----------------------------------------------------------------- showing

    def _facts(self, ctx: Context, application: Application, branches: Tree) -> Facts:
        return Facts(
            application_id=application.id,
            organisation=ctx.services.organisation,
            tree=branches,
            translator=ctx.translator,
            platform_name=ctx.account.display_name,
            photos=ctx.messenger.capabilities.photos,
            now=ctx.now,
        )

    def _show(
        self,
        ctx: Context,
        application: Application,
        state: State,
        branches: Tree,
        *leads: Msg | str,
    ) -> None:
        """Sends the step ``state`` is at, privately, after any leading notes."""
        text, rows = render_step(self._facts(ctx, application, branches), state)
        if leads:
            text = "\n\n".join([*(ctx.render(lead) for lead in leads), text])
        typed = _("Your answer") if state.step in TEXT_STEPS else None
        ctx.reply_privately(text, rows, asks_for_text=typed)

    async def _show_waiting(self, ctx: Context, application: Application) -> None:
        branches = await tree(ctx.session)
        where = self._deciding_name(application, branches, ctx.translator.language)
        text = _(
            "Your application is waiting for the organisers of {branch}. I will write to you "
            "here as soon as they have answered.",
            branch=where,
        )
        ctx.reply_privately(text, withdraw_button(application.id))

    def _deciding_name(self, application: Application, branches: Tree, language: str) -> str:
        branch_id = deciding_branch_id(application)
        branch = branches.branches.get(branch_id) if branch_id else None
        if branch is None:
            return "—"
        return branch_label(branch, self.services.organisation, language)

    async def _closed_note(self, ctx: Context, application: Application) -> None:
        """A button of an application that is no longer a draft."""
        if application.status == ApplicationStatus.SUBMITTED.value:
            await self._show_waiting(ctx, application)
        elif application.status == ApplicationStatus.APPROVED.value:
            ctx.reply_privately(_("Your application was approved: you are already a member."))
        else:
            ctx.reply_privately(_("That application is closed. Send /join to start a new one."))

    # ----------------------------------------------------------------- the newcomer's buttons

    async def _draft(
        self, ctx: Context, action: Action, arity: int
    ) -> tuple[Application, State, Tree] | None:
        """The draft a step button belongs to, locked.

        Returns:
            None when the press is already answered (a stale step, a closed application).
        """
        if len(action.args) != arity:
            raise InvalidButton()
        application_id = _id(action.args[0])
        try:
            step = Step(action.args[1])
        except ValueError:
            raise InvalidButton() from None
        application = await application_by_id(ctx.session, application_id, lock=True)
        if application is None or application.member_id != ctx.member.id:
            raise InvalidButton()
        if application.status != ApplicationStatus.DRAFT.value:
            await self._closed_note(ctx, application)
            return None
        branches = await tree(ctx.session)
        state = state_of(application)
        if state.step is not step:
            self._show(
                ctx,
                application,
                state,
                branches,
                _("That step is over. Here is where you are now:"),
            )
            return None
        return application, state, branches

    async def answer(self, ctx: Context, action: Action) -> None:
        """A step's answer button."""
        found = await self._draft(ctx, action, 3)
        if found is None:
            return
        application, state, branches = found
        value = action.args[2]
        step = state.step
        a = state.answers
        organisation = ctx.services.organisation
        if step is Step.LANGUAGE:
            new = flow.choose_language(state, value, organisation.organisation.languages)
            await set_language(ctx.session, ctx.member, value)
            ctx.translator = ctx.translator_for(value)  # the next step speaks it already
        elif step is Step.ABOUT and value == YES:
            new = flow.agree(state)
        elif step is Step.COUNTRY:
            if value == UNLISTED:
                new = flow.country_unlisted(state)
            else:
                new = flow.choose_country(state, value, branches.country_codes())
        elif step is Step.CHAPTER and value == NEW_CHAPTER:
            new = flow.propose_chapter(state)
        elif step is Step.CHAPTER:
            chapters = {b.id for b in branches.chapters_in(a.country)} if a.country else set()
            new = flow.choose_chapter(state, _id(value), chapters)
        elif step is Step.PROPOSE_REGION:
            parents = {b.id for b in branches.regions_in(a.country)} if a.country else set()
            national = branches.national(a.country) if a.country else None
            if national is not None:
                parents.add(national.id)
            new = flow.choose_region(state, _id(value), parents)
        elif step is Step.NAME and value == USE_PLATFORM_NAME:
            new = flow.use_name(state, ctx.account.display_name)
        elif value == KEEP:
            new = flow.keep(state)
        elif step is Step.TIMEZONE and value == YES:
            zone = proposed_timezone(state, branches, organisation)
            new = flow.confirm_timezone(state, zone)
        elif step is Step.CONSENT and value == YES:
            new = flow.consent(state)
        elif step is Step.ANNOUNCE and value in (YES, NO):
            new = flow.choose_announce(state, value == YES)
        elif step is Step.SUMMARY and value == YES:
            await self._submit(ctx, application, flow.submit(state), branches)
            return
        else:
            raise InvalidButton()
        store(application, new, ctx.now)
        self._show(ctx, application, new, branches)

    async def back(self, ctx: Context, action: Action) -> None:
        """Back: the previous step of the path, with its answer shown."""
        await self._move(ctx, action, flow.back)

    async def skip(self, ctx: Context, action: Action) -> None:
        """Skip an optional step."""
        await self._move(ctx, action, flow.skip)

    async def _move(
        self, ctx: Context, action: Action, move: Callable[[flow.State], flow.State]
    ) -> None:
        found = await self._draft(ctx, action, 2)
        if found is None:
            return
        application, state, branches = found
        new = move(state)
        store(application, new, ctx.now)
        self._show(ctx, application, new, branches)

    async def cancel(self, ctx: Context, action: Action) -> None:
        """Cancel: the draft is closed (a new /join starts afresh)."""
        found = await self._draft(ctx, action, 2)
        if found is None:
            return
        application, _state, _branches = found
        await close(ctx.session, application, ApplicationStatus.CANCELLED, ctx.now)
        ctx.reply_privately(
            _("Your application is cancelled. Send /join whenever you want to start again.")
        )

    async def withdraw(self, ctx: Context, action: Action) -> None:
        """Withdraw a submitted application (the organisers' cards say so)."""
        if len(action.args) != 1:
            raise InvalidButton()
        application = await application_by_id(ctx.session, _id(action.args[0]), lock=True)
        if application is None or application.member_id != ctx.member.id:
            raise InvalidButton()
        if application.status != ApplicationStatus.SUBMITTED.value:
            await self._closed_note(ctx, application)
            return
        await close(ctx.session, application, ApplicationStatus.CANCELLED, ctx.now)
        await self._mark_cards(
            ctx.session,
            ctx.outbox,
            application,
            _("Application #{id}: withdrawn by the applicant.", id=application.id),
        )
        ctx.reply_privately(
            _("Your application is withdrawn. Send /join whenever you want to start again.")
        )

    # ----------------------------------------------------------------- typed answers, photos

    async def text(self, ctx: Context, event: TextReceived) -> bool:
        """Private text: a question, a reason, a step's answer, or an answer to a question.

        Returns:
            True when it was one of those.
        """
        if not ctx.in_private:
            return False
        prompt = await prompt_of(ctx.session, ctx.member.id)
        if prompt is not None and ctx.now - prompt.asked_at > PROMPT_FOR:
            # Long forgotten: the text is surely not the question or reason asked for.
            await ctx.session.delete(prompt)
            await ctx.session.flush()
        elif prompt is not None:
            await self._organiser_text(ctx, prompt.application_id, prompt.kind, event.text)
            return True
        if ctx.member.chapter_id is not None:
            return False
        application = await open_application(ctx.session, ctx.member.id, lock=True)
        if application is None:
            return False
        if application.status == ApplicationStatus.SUBMITTED.value:
            if application.question_from_id is not None:
                await self._relay_answer(ctx, application, event.text)
            else:
                await self._show_waiting(ctx, application)
            return True
        branches = await tree(ctx.session)
        state = state_of(application)
        if state.step not in TEXT_STEPS:
            self._show(
                ctx,
                application,
                state,
                branches,
                _("Please answer this step with one of the buttons."),
            )
            return True
        new = flow.give_text(state, event.text)
        store(application, new, ctx.now)
        self._show(ctx, application, new, branches)
        return True

    async def photo(self, ctx: Context, event: PhotoReceived) -> bool:
        """A picture: the newcomer's photo, at the photo step."""
        if not ctx.in_private or ctx.member.chapter_id is not None:
            return False
        application = await open_application(ctx.session, ctx.member.id, lock=True)
        if application is None or application.status != ApplicationStatus.DRAFT.value:
            return False
        branches = await tree(ctx.session)
        state = state_of(application)
        if state.step is not Step.PHOTO:
            self._show(ctx, application, state, branches, _("I wasn't expecting a photo now."))
            return True
        photo = flow.check_photo(event.platform, event.file_id, event.mime_type, event.data)
        new = flow.give_photo(state, photo)
        store(application, new, ctx.now)
        self._show(ctx, application, new, branches)
        return True

    # ----------------------------------------------------------------- submitting

    async def _submit(
        self, ctx: Context, application: Application, state: State, branches: Tree
    ) -> None:
        a = state.answers
        if a.proposing:
            parent_id = a.proposed_parent_id
            if a.unlisted:
                root = branches.root()
                parent_id = root.id if root else None
            if parent_id is None or parent_id not in branches.branches:
                # The region went away while they were typing: choose again.
                back_to = Step.COUNTRY if a.unlisted else Step.PROPOSE_REGION
                fixed = State(back_to, replace(a, proposed_parent_id=None))
                store(application, fixed, ctx.now)
                self._show(ctx, application, fixed, branches, flow.ChapterGone().message)
                return
            application.proposed_parent_id = parent_id
            chapter = None
        else:
            chapter = branches.branches.get(a.chapter_id) if a.chapter_id else None
            if chapter is None or chapter.level != Level.LOCAL.value:
                fixed = State(Step.CHAPTER, replace(a, chapter_id=None, invited=False))
                store(application, fixed, ctx.now)
                self._show(ctx, application, fixed, branches, flow.ChapterGone().message)
                return
        application.status = ApplicationStatus.SUBMITTED.value
        application.submitted_at = ctx.now
        configured = ctx.services.organisation.branch(chapter.slug) if chapter else None
        if configured is not None and configured.auto_approve:
            approval = await approve(ctx.session, application, None, ctx.now)
            await self._welcome(ctx.session, ctx.outbox, application, approval)
            return
        await self._to_deciders(ctx.session, ctx.outbox, application, branches, None)
        due = ctx.now + REMIND_AFTER
        payload = {"application": application.id}
        await self.scheduler.schedule(
            ctx.session, REMIND, due, payload, f"onb-remind:{application.id}"
        )
        await self.scheduler.schedule(
            ctx.session,
            ESCALATE,
            ctx.now + ESCALATE_AFTER,
            payload,
            f"onb-escalate:{application.id}",
        )
        where = self._deciding_name(application, branches, ctx.translator.language)
        if a.proposing:
            thanks = _(
                "Thank you! Your proposal for a new chapter is now with the organisers of "
                "{branch}. I will write to you here as soon as they have looked at it.",
                branch=where,
            )
        else:
            thanks = _(
                "Thank you! Your application is now with the organisers of {branch}. I will "
                "write to you here as soon as they have looked at it.",
                branch=where,
            )
        ctx.reply_privately(thanks, withdraw_button(application.id))

    async def _to_deciders(
        self,
        session: AsyncSession,
        outbox: Outbox,
        application: Application,
        branches: Tree,
        intro: Msg | None,
        *,
        above: bool = False,
        extra: str | None = None,
    ) -> int:
        """Sends the application's card to the organisers nearest to its branch.

        With ``above``, to those of the branch above them instead (an escalation).

        Returns:
            How many organisers were reached.
        """
        branch_id = deciding_branch_id(application)
        if branch_id is None:
            return 0
        _level, members = await deciders(session, branch_id, above=above)
        if not members:
            log.warning(
                "no organiser to decide an application",
                extra={"application": application.id, "escalation": above},
            )
        reached = 0
        for member_id in members:
            if member_id == application.member_id:
                continue
            found = await reach(session, self.services, member_id)
            if found is None:
                continue
            account, translator, _zone = found
            outbox.direct(
                account.platform,
                account.external_id,
                self._card_message(application, branches, translator, intro, extra),
                instruction=instruction(translator),
                tag=tag(application),
                language=translator.language,
            )
            reached += 1
        return reached

    def _card_message(
        self,
        application: Application,
        branches: Tree,
        translator: Translator,
        intro: Msg | None,
        extra: str | None,
    ) -> OutgoingMessage:
        facts = Facts(
            application_id=application.id,
            organisation=self.services.organisation,
            tree=branches,
            translator=translator,
            platform_name="",
            photos=False,
            now=self.services.clock.now(),
        )
        answers = state_of(application).answers
        parent_id = application.proposed_parent_id
        parent = branches.branches.get(parent_id) if parent_id else None
        parts = [card(application, answers, facts, parent)]
        if intro is not None:
            parts.insert(0, translator.render(intro))
        if extra:
            parts.append(extra)
        message = render_message(
            self.services.signer,
            translator,
            "\n\n".join(parts),
            decision_buttons(application.id),
        )
        if application.photo_data and application.photo_mime:
            # Stored bytes can go anywhere; a platform's file reference only works there,
            # so organisers on that platform see the photo in the applicant's profile instead.
            extension = application.photo_mime.split("/")[-1]
            image = Attachment(
                f"applicant-{application.id}.{extension}",
                application.photo_data,
                application.photo_mime,
            )
            message = replace(message, image=image)
        return message

    # ----------------------------------------------------------------- organisers

    async def _decidable(self, ctx: Context, action: Action) -> Application:
        if len(action.args) != 1:
            raise InvalidButton()
        application = await application_by_id(ctx.session, _id(action.args[0]), lock=True)
        if application is None:
            raise InvalidButton()
        if not await may_decide(ctx.session, ctx.member.id, application):
            raise NotTheirs()
        if application.status != ApplicationStatus.SUBMITTED.value:
            raise ApplicationClosed()
        return application

    async def approve_pressed(self, ctx: Context, action: Action) -> None:
        """Approve: the applicant becomes an interim member (of a new chapter, if proposed)."""
        application = await self._decidable(ctx, action)
        approval = await approve(ctx.session, application, ctx.member.id, ctx.now)
        await self._welcome(ctx.session, ctx.outbox, application, approval)
        name = approval.member.display_name
        await self._mark_cards(
            ctx.session,
            ctx.outbox,
            application,
            _(
                "Application #{id} from {name}: approved by {organiser}.",
                id=application.id,
                name=name,
                organiser=ctx.member.display_name,
            ),
        )
        chapter = branch_label(approval.chapter, ctx.services.organisation, ctx.translator.language)
        if approval.created:
            ctx.reply_privately(
                _(
                    "Done: the chapter {chapter} is created, and {name} is its first member "
                    "and organiser.",
                    chapter=chapter,
                    name=name,
                )
            )
        else:
            ctx.reply_privately(
                _("Done: {name} is now a member of {chapter}.", name=name, chapter=chapter)
            )

    async def ask_pressed(self, ctx: Context, action: Action) -> None:
        """Ask a question: the organiser's next private message goes to the applicant."""
        application = await self._decidable(ctx, action)
        await set_prompt(
            ctx.session, ctx.member.id, application.id, PromptKind.QUESTION.value, ctx.now
        )
        ctx.reply_privately(
            _(
                "What would you like to ask {name}? Send me your question here, in one message.",
                name=application.display_name or "—",
            ),
            never_mind_button(application.id),
            asks_for_text=_("Your question"),
        )

    async def decline_pressed(self, ctx: Context, action: Action) -> None:
        """Decline: the organiser's next private message is the reason."""
        application = await self._decidable(ctx, action)
        await set_prompt(
            ctx.session, ctx.member.id, application.id, PromptKind.REASON.value, ctx.now
        )
        ctx.reply_privately(
            _(
                "Why do you decline {name}'s application? Send me the reason here, in one "
                "message; I will pass it on to them kindly.",
                name=application.display_name or "—",
            ),
            never_mind_button(application.id),
            asks_for_text=_("Your reason"),
        )

    async def never_mind(self, ctx: Context, action: Action) -> None:
        """Cancel while the bot waits for an organiser's question or reason."""
        if len(action.args) != 1:
            raise InvalidButton()
        application_id = _id(action.args[0])
        prompt = await prompt_of(ctx.session, ctx.member.id)
        if prompt is not None and prompt.application_id == application_id:
            await ctx.session.delete(prompt)
            await ctx.session.flush()
        ctx.reply_privately(_("All right: nothing was sent."))

    async def _organiser_text(self, ctx: Context, application_id: int, kind: str, raw: str) -> None:
        """The question or reason an organiser was asked for."""
        message = flow.clean_message(raw)  # a bad one changes nothing: they can send it again
        prompt = await prompt_of(ctx.session, ctx.member.id)
        if prompt is not None:
            await ctx.session.delete(prompt)
            await ctx.session.flush()
        application = await application_by_id(ctx.session, application_id, lock=True)
        if application is None or application.status != ApplicationStatus.SUBMITTED.value:
            ctx.reply(ApplicationClosed().message)
            return
        if not await may_decide(ctx.session, ctx.member.id, application):
            ctx.reply(NotTheirs().message)
            return
        branches = await tree(ctx.session)
        if kind == PromptKind.QUESTION.value:
            await self._ask(ctx, application, branches, message)
        else:
            await self._decline(ctx, application, branches, message)

    async def _ask(
        self, ctx: Context, application: Application, branches: Tree, question: str
    ) -> None:
        found = await reach(ctx.session, self.services, application.member_id)
        name = application.display_name or "—"
        if found is None:
            ctx.reply(_("I can't reach {name} on any platform right now.", name=name))
            return
        application.question_from_id = ctx.member.id
        account, translator, _zone = found
        where = self._deciding_name(application, branches, translator.language)
        text = "\n\n".join(
            [
                translator.render(
                    _(
                        "{organiser}, an organiser of {branch}, has a question about your "
                        "application:",
                        organiser=ctx.member.display_name,
                        branch=where,
                    )
                ),
                question,
                translator.render(_("Reply to me here with your answer.")),
            ]
        )
        ctx.outbox.direct(
            account.platform,
            account.external_id,
            OutgoingMessage(text, rtl=translator.rtl),
            instruction=instruction(translator),
        )
        ctx.reply(
            _(
                "I have sent your question to {name}. Their answer will come to you here.",
                name=name,
            )
        )

    async def _decline(
        self, ctx: Context, application: Application, branches: Tree, reason: str
    ) -> None:
        joins = await decline(ctx.session, application, ctx.member.id, reason, ctx.now)
        for join in joins:
            ctx.outbox.act(join.platform, ChatAction.DECLINE_JOIN, join.chat_id, join.user_id)
        name = application.display_name or "—"
        found = await reach(ctx.session, self.services, application.member_id)
        if found is not None:
            account, translator, _zone = found
            where = self._deciding_name(application, branches, translator.language)
            organisation = self.services.organisation.organisation.display_name(translator.language)
            if application.proposing:
                opening = _(
                    "Thank you for proposing a new chapter. The organisers of {branch} could "
                    "not accept your proposal this time. This is what they said:",
                    branch=where,
                )
            else:
                opening = _(
                    "Thank you for your interest in {organisation}. The organisers of {branch} "
                    "could not accept your application this time. This is what they said:",
                    organisation=organisation,
                    branch=where,
                )
            text = "\n\n".join(
                [
                    translator.render(opening),
                    reason,
                    translator.render(_("You are welcome to apply again at any time with /join.")),
                ]
            )
            ctx.outbox.direct(
                account.platform,
                account.external_id,
                OutgoingMessage(text, rtl=translator.rtl),
                instruction=instruction(translator),
            )
        await self._mark_cards(
            ctx.session,
            ctx.outbox,
            application,
            _(
                "Application #{id} from {name}: declined by {organiser}.",
                id=application.id,
                name=name,
                organiser=ctx.member.display_name,
            ),
        )
        ctx.reply(
            _(
                "Application #{id} is declined. I have told {name}, with your reason.",
                id=application.id,
                name=name,
            )
        )

    async def _relay_answer(self, ctx: Context, application: Application, raw: str) -> None:
        """An applicant's answer to an organiser's question goes back to that organiser."""
        answer = flow.clean_message(raw)
        organiser_id = application.question_from_id
        assert organiser_id is not None
        found = await reach(ctx.session, self.services, organiser_id)
        if found is None:
            ctx.reply(
                _("Sorry, I can't reach the organiser who asked right now. Please try again later.")
            )
            return
        application.question_from_id = None
        account, translator, _zone = found
        branches = await tree(ctx.session)
        heading = translator.render(
            _(
                "{name} answers your question about application #{id}:",
                name=application.display_name or "—",
                id=application.id,
            )
        )
        ctx.outbox.direct(
            account.platform,
            account.external_id,
            self._card_message(application, branches, translator, None, f"{heading}\n\n{answer}"),
            instruction=instruction(translator),
            tag=tag(application),
            language=translator.language,
        )
        ctx.reply(_("Thank you! I have passed your answer on."))

    # ----------------------------------------------------------------- after the decision

    async def _welcome(
        self, session: AsyncSession, outbox: Outbox, application: Application, approval: Approval
    ) -> None:
        """Everything approval sets off: the welcome DM, the chats, the join requests."""
        member, chapter = approval.member, approval.chapter
        organisation = self.services.organisation
        found = await reach(session, self.services, member.id)
        if found is not None:
            account, translator, zone = found
            name = branch_label(chapter, organisation, translator.language)
            parts = [
                translator.render(
                    _(
                        "Welcome to {chapter}! Your application is approved: you are now an "
                        "interim member of {organisation}.",
                        chapter=name,
                        organisation=organisation.organisation.display_name(translator.language),
                    )
                )
            ]
            if approval.created:
                parts.append(
                    translator.render(
                        _(
                            "Your new chapter is created, and you are its first organiser. Its "
                            "short name is {slug}: open a group chat for it and link it with "
                            "/link_chat.",
                            slug=chapter.slug,
                        )
                    )
                )
            notes = [
                note
                for hook in self.welcome_notes
                if (note := await hook(session, chapter, translator, zone))
            ]
            parts += notes or [
                translator.render(
                    _("The gatherings of {chapter} will be announced in its chats.", chapter=name)
                )
            ]
            outbox.direct(
                account.platform,
                account.external_id,
                OutgoingMessage("\n\n".join(parts), rtl=translator.rtl),
                instruction=instruction(translator),
            )
        for join in approval.approve_joins:
            outbox.act(join.platform, ChatAction.APPROVE_JOIN, join.chat_id, join.user_id)
        accounts = await session.scalars(
            select(PlatformAccount)
            .where(PlatformAccount.member_id == member.id)
            .order_by(PlatformAccount.last_seen_at)
        )
        # The most recently seen account on each platform is the one to invite.
        on = {account.platform: account.external_id for account in accounts.all()}
        let_in = {(join.platform, join.chat_id) for join in approval.approve_joins}
        for chat, branch in await linked_chats(session, chapter.id):
            if chat.platform not in self.services.messengers:
                continue
            if chat.platform in on and (chat.platform, chat.external_id) not in let_in:
                # Where an invitation is a link, these words lead it, in the invitee's language.
                reader = found[1] if found else self.services.catalogs.get(chapter.language)
                chapter_name = branch_label(chapter, organisation, reader.language)
                note = reader.render(
                    _(
                        "Your personal link to join “{chat}”, a chat of {chapter}:",
                        chat=chat.title or chapter_name,
                        chapter=chapter_name,
                    )
                )
                outbox.act(
                    chat.platform,
                    ChatAction.INVITE,
                    chat.external_id,
                    on[chat.platform],
                    OutgoingMessage(note, rtl=reader.rtl),
                )
            if application.announce:
                translator = self.services.catalogs.get(branch.language)
                text = translator.render(
                    _(
                        "Please welcome {name}, who has just joined {chapter}! 👋",
                        name=member.display_name,
                        chapter=branch_label(chapter, organisation, translator.language),
                    )
                )
                outbox.post(
                    chat.platform,
                    chat.external_id,
                    OutgoingMessage(text, rtl=translator.rtl),
                    instruction=instruction(translator),
                )

    async def _mark_cards(
        self, session: AsyncSession, outbox: Outbox, application: Application, verdict: Msg
    ) -> None:
        """Replaces the organisers' cards (and their buttons) with how it was decided."""
        for posted in await posted_messages(session, tag(application)):
            translator = self.services.catalogs.get(posted.language or None)
            outbox.edit(posted, OutgoingMessage(translator.render(verdict), rtl=translator.rtl))

    # ----------------------------------------------------------------- jobs

    async def _job_application(self, job: JobContext) -> Application | None:
        application_id = job.job.payload.get("application")
        if not isinstance(application_id, int):
            return None
        application = await application_by_id(job.session, application_id, lock=True)
        if application is None or application.status != ApplicationStatus.SUBMITTED.value:
            return None  # decided or withdrawn meanwhile: nothing to remind of
        return application

    async def job_remind(self, job: JobContext) -> None:
        """48 hours without an answer: the organisers are reminded."""
        application = await self._job_application(job)
        if application is None:
            return
        await self._to_deciders(
            job.session,
            job.outbox,
            application,
            await tree(job.session),
            _("Reminder: this application has been waiting two days for an answer."),
        )

    async def job_escalate(self, job: JobContext) -> None:
        """A week without an answer: the organisers of the branch above are asked."""
        application = await self._job_application(job)
        if application is None:
            return
        await self._to_deciders(
            job.session,
            job.outbox,
            application,
            await tree(job.session),
            _(
                "This application has been waiting a week, and the organisers nearest to it "
                "have not answered. As an organiser of a branch above, could you look at it?"
            ),
            above=True,
        )
