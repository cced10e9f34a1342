"""Gatherings in chat: announce, answer, remind, change, list, export to calendars.

Commands: ``/gathering`` (guided in a private chat, or in one line), ``/gathering_edit``,
``/gatherings``, ``/attendees``, ``/calendar``.

Button actions (each fits Telegram's 64 bytes):

====  ========================  ==============================================
gr    id, occurrence, g|m|n     going / maybe / can't, for one occurrence
gc    id                        send me the gathering's ``.ics`` file
gd    step, choice              a button of the guided conversation
====  ========================  ==============================================

Jobs: one reminder kind per distance (see :mod:`.reminders`, each with its grace),
``gathering.advance`` (after an occurrence: the announcement shows the next one, and
reminders are booked as the horizon moves on), ``gathering.refresh`` (the announcement's
counts, edited at most every few seconds) and ``gathering.feeds`` (the calendar feed files,
see :mod:`.feeds`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions.posting import branch_name
from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.federation.service import ancestor_ids, branch_by_slug
from core.gatherings import calendars, feeds, posting, recurrence, reminders, render, service, times
from core.gatherings.conversation import (
    TEXT_STEPS,
    Step,
    choices,
    give_choice,
    give_text,
    request_of,
)
from core.gatherings.conversation import next_step as following
from core.gatherings.models import (
    ONE_OFF,
    Answer,
    Gathering,
    GatheringDraft,
    GatheringStatus,
)
from core.gatherings.recurrence import Occurrence
from core.gatherings.spec import (
    MAX_NOTE,
    Defaults,
    Plan,
    check_capacity,
    check_language,
    check_url,
    length,
    parse_gathering,
    resolve,
    words,
)
from core.i18n.languages import autonym
from core.i18n.message import Msg, _, ngettext
from core.i18n.translator import Translator
from core.members.models import Member, Role
from core.members.service import has_role, language_of
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context, Services, render_message
from core.messaging.inbound import CommandReceived, TextReceived
from core.messaging.outbound import OutgoingMessage
from core.messaging.outbox import Outbox
from core.messaging.router import CommandSpec, Router
from core.scheduling.scheduler import JobContext, JobKind, Scheduler
from core.translation import gatherings as translated
from core.translation.content import Rendition

log = logging.getLogger(__name__)

ADVANCE = "gathering.advance"
REFRESH = "gathering.refresh"
REFRESH_EVERY = 5  # seconds: announcements are edited at most this often
DRAFT_LAPSES = timedelta(days=1)
LIST_LIMIT = 10
WELCOME_LIMIT = 3
LANGUAGES_PER_ROW = 2


def reminder_key(gathering_id: int, key: int, offset: int, start: datetime) -> str:
    """The dedup key of one reminder: the start is in it, so a moved occurrence rebooks."""
    return f"grem:{gathering_id}:{key}:{offset}:{int(start.timestamp())}"


class Gatherings:
    """The gatherings capability: commands, buttons, the guided conversation and jobs.

    Args:
        router: Where commands, actions and the text handler are registered.
        scheduler: Where reminders and follow-ups are booked.
        services: Configuration, catalogs, signer, clock and the attached platforms.
        calendar_feeds: Where the calendar feed files go; None: no feed files.
    """

    def __init__(
        self,
        router: Router,
        scheduler: Scheduler,
        services: Services,
        calendar_feeds: feeds.FeedSettings | None = None,
    ) -> None:
        self.router = router
        self.scheduler = scheduler
        self.services = services
        self.feeds = feeds.Feeds(calendar_feeds, services, scheduler)

    def register(self) -> None:
        """Adds the commands, actions, the guided conversation's text and the jobs."""
        commands: list[tuple[str, Msg, Any, Role | None]] = [
            (
                "gathering",
                _("Announce a gathering (send it alone to be guided)"),
                self.gathering,
                Role.ORGANISER,
            ),
            (
                "gathering_edit",
                _("Change or cancel a gathering: /gathering_edit 12 place …"),
                self.edit,
                Role.ORGANISER,
            ),
            ("gatherings", _("The next gatherings"), self.upcoming, None),
            (
                "attendees",
                _("Who is coming to a gathering: /attendees 12"),
                self.attendees,
                Role.ORGANISER,
            ),
            ("calendar", _("Your gatherings as a calendar file"), self.calendar, None),
        ]
        for name, description, handler, role in commands:
            self.router.command(CommandSpec(name, description, handler, requires=role))
        self.router.action(render.RSVP, self.rsvp)
        self.router.action(render.CALENDAR, self.calendar_file)
        self.router.action(render.DRAFT, self.draft_choice)
        self.router.text(self.draft_text)
        for kind in reminders.KINDS:
            self.scheduler.register(kind.name, JobKind(self.job_remind, grace=kind.grace))
        self.scheduler.register(ADVANCE, JobKind(self.job_advance))
        self.scheduler.register(REFRESH, JobKind(self.job_refresh, max_attempts=2))
        # Registered even with feeds off, so jobs booked while they were on still resolve.
        self.scheduler.register(feeds.FEEDS, JobKind(self.feeds.job))

    # ----------------------------------------------------------------- settings

    def defaults_for(self, branch: Branch) -> Defaults:
        """What a gathering of ``branch`` gets unless its organiser says otherwise."""
        configured = self.services.organisation.gatherings
        return Defaults(
            zone=branch.timezone,
            duration=timedelta(minutes=configured.duration_minutes),
            reminders=reminders.check_offsets(h * 60 for h in configured.reminder_hours),
            horizon=timedelta(days=configured.horizon_days),
            languages=self.services.organisation.organisation.languages,
        )

    def _name(self, branch: Branch, translator: Translator) -> str:
        return branch_name(branch, self.services.organisation, translator.language)

    # ----------------------------------------------------------------- announcing

    async def gathering(self, ctx: Context, command: CommandReceived) -> None:
        """``/gathering`` alone (guided) or ``/gathering "Title" DATE TIME [ZONE] @ PLACE …``."""
        found = words(command.args)
        if not found or (len(found) == 2 and found[0].lower() == "--branch"):
            branch = await self._target_branch(ctx, found[1] if found else None)
            await self._check_organiser(ctx, branch)
            await self._start_draft(ctx, branch)
            return
        request = parse_gathering(command.args)
        branch = await self._target_branch(ctx, request.branch)
        await self._check_organiser(ctx, branch)
        plan = resolve(request, ctx.now, self.defaults_for(branch))
        await self._create(ctx, plan, branch)

    async def _target_branch(self, ctx: Context, slug: str | None) -> Branch:
        if slug is not None:
            branch = await branch_by_slug(ctx.session, slug)
            if branch is None or not branch.active:
                raise UserError(_("There is no branch “{slug}”.", slug=slug[:64]))
            return branch
        if ctx.branch is not None and not ctx.in_private:
            return ctx.branch
        if ctx.member.chapter_id is not None:
            chapter = await ctx.session.get(Branch, ctx.member.chapter_id)
            if chapter is not None and await has_role(
                ctx.session, ctx.member.id, Role.ORGANISER, chapter.id
            ):
                return chapter
        raise UserError(
            _(
                "Which branch holds it? Announce it in a chat linked to the branch, or add "
                "--branch SLUG."
            )
        )

    async def _check_organiser(self, ctx: Context, branch: Branch) -> None:
        if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, branch.id):
            raise UserError(
                _(
                    "Only organisers of {branch} can announce or change its gatherings.",
                    branch=self._name(branch, ctx.translator),
                )
            )

    async def _create(self, ctx: Context, plan: Plan, branch: Branch) -> Gathering:
        gathering = await service.create(
            ctx.session, plan, branch, ctx.member, ctx.translator.language, ctx.now
        )
        await self.book(ctx.session, gathering, ctx.now)
        await self.feeds.changed(ctx.session, branch.id, ctx.now)
        posted = await posting.announce(ctx.session, self.services, ctx.outbox, gathering, ctx.now)
        if posted == 0:
            ctx.reply(
                _(
                    "Gathering #{id} is planned, but no chat is linked to {branch} yet: "
                    "members will see it with /gatherings.",
                    id=gathering.id,
                    branch=self._name(branch, ctx.translator),
                )
            )
        elif ctx.in_private or ctx.chat.branch_id != branch.id:
            ctx.reply(
                ngettext(
                    "Gathering #{id} is announced in {count} chat of {branch}.",
                    "Gathering #{id} is announced in {count} chats of {branch}.",
                    posted,
                    id=gathering.id,
                    branch=self._name(branch, ctx.translator),
                )
            )
        return gathering

    async def book(self, session: AsyncSession, gathering: Gathering, now: datetime) -> None:
        """Books the reminders of the occurrences within the horizon, and the next advance.

        Idempotent: every job has a dedup key, so booking again books only what is new.
        """
        if gathering.status == GatheringStatus.CANCELLED.value:
            return
        horizon = timedelta(days=self.services.organisation.gatherings.horizon_days)
        series = await service.series_of(session, gathering)
        for occurrence in recurrence.occurrences(series, now, now + horizon):
            for offset, due in reminders.due_times(
                occurrence.start, gathering.reminder_minutes, now
            ):
                await self.scheduler.schedule(
                    session,
                    reminders.kind_for(offset).name,
                    due,
                    {
                        "gathering": gathering.id,
                        "occurrence": occurrence.key,
                        "offset": offset,
                        "start": int(occurrence.start.timestamp()),
                    },
                    reminder_key(gathering.id, occurrence.key, offset, occurrence.start),
                )
        upcoming = recurrence.occurrences(series, now, now + service.LOOK_AHEAD, limit=1)
        if not upcoming:
            return
        # After the next occurrence, the announcement moves on; a far-off one is looked at
        # again halfway through the horizon, so its reminders are booked in time.
        due = min(upcoming[0].end, now + horizon / 2)
        await self.scheduler.schedule(
            session,
            ADVANCE,
            due,
            {"gathering": gathering.id},
            f"gadv:{gathering.id}:{int(due.timestamp())}",
        )

    async def rebook(self, session: AsyncSession, gathering: Gathering, now: datetime) -> None:
        """Drops the booked reminders and books them again (the gathering changed)."""
        await self.scheduler.cancel(session, f"grem:{gathering.id}:")
        await self.scheduler.cancel(session, f"gadv:{gathering.id}:")
        await self.book(session, gathering, now)

    # ----------------------------------------------------------------- the guided way

    async def _start_draft(self, ctx: Context, branch: Branch) -> None:
        draft = await ctx.session.get(GatheringDraft, ctx.member.id)
        if draft is not None:
            await ctx.session.delete(draft)
            await ctx.session.flush()
        draft = GatheringDraft(
            member_id=ctx.member.id,
            branch_id=branch.id,
            step=Step.TITLE.value,
            answers={},
            asked_at=ctx.now,
        )
        ctx.session.add(draft)
        await ctx.session.flush()
        if not ctx.in_private:
            ctx.reply(
                _("I have written to you privately to set up the gathering."),
                confirms_private=True,
            )
        await self._ask(ctx, draft, branch)

    async def _draft(self, ctx: Context) -> GatheringDraft | None:
        if not ctx.in_private:
            return None
        draft = await ctx.session.get(GatheringDraft, ctx.member.id)
        if draft is not None and ctx.now - draft.asked_at > DRAFT_LAPSES:
            await ctx.session.delete(draft)
            await ctx.session.flush()
            return None
        return draft

    def _private(self, ctx: Context, message: OutgoingMessage) -> None:
        """Sends ``message`` to the sender's private chat (where a draft goes on)."""
        if ctx.in_private:
            ctx.outbox.post(
                ctx.inbound.platform,
                ctx.chat.external_id,
                message,
                instruction=ctx.instruction(),
            )
        else:
            ctx.outbox.direct(
                ctx.inbound.platform,
                ctx.account.external_id,
                message,
                instruction=ctx.instruction(),
            )

    def _choice_label(self, step: Step, choice: str) -> Msg | str:
        if step is Step.LENGTH:
            hours = int(choice.rstrip("h"))
            return ngettext("{count} hour", "{count} hours", hours)
        if step is Step.LANGUAGE and choice != "skip":
            return autonym(choice)
        labels: dict[str, Msg] = {
            "skip": _("Skip"),
            "none": _("No limit"),
            "yes": _("Yes"),
            "no": _("No"),
            "once": _("Does not repeat"),
            "weekly": _("Every week"),
            "fortnightly": _("Every two weeks"),
            "monthly": _("Every month"),
            "create": _("Announce it"),
        }
        return labels[choice]

    async def _ask(
        self, ctx: Context, draft: GatheringDraft, branch: Branch, note: Msg | None = None
    ) -> None:
        """Asks the draft's current step, with its buttons and a Cancel."""
        step = Step(draft.step)
        t = ctx.translator
        label: Msg | None = None
        if step is Step.TITLE:
            text: Msg | str = _(
                "New gathering of {branch}. What is its title?", branch=self._name(branch, t)
            )
            label = _("Title")
        elif step is Step.DESCRIPTION:
            text = _("Describe it in a few lines (what it is, who it is for), or press Skip.")
            label = _("Description")
        elif step is Step.START:
            example = times.local(ctx.now + timedelta(days=7), branch.timezone).date()
            text = _(
                "When does it start? Send the date and time like {example} 18:30 ({zone} "
                "time); add another time zone's name after them if needed.",
                example=example.isoformat(),
                zone=branch.timezone,
            )
            label = _("Date and time")
        elif step is Step.LENGTH:
            text = _(
                "How long does it last? Press one, or send a length like 90m, or the end "
                "time like 20:00."
            )
            label = _("Length or end time")
        elif step is Step.PLACE:
            text = _("Where? Send the address or the name of the place, or press Skip.")
            label = _("Place")
        elif step is Step.ONLINE:
            text = _("Can people join online? Send the link (https://…), or press Skip.")
            label = _("Online link")
        elif step is Step.CAPACITY:
            text = _("How many places are there? Send a number, or press No limit.")
            label = _("Places")
        elif step is Step.CHILDCARE:
            text = _("Is childcare offered?")
        elif step is Step.ACCESSIBILITY:
            text = _(
                "What should people know about access (step-free entrance, hearing loop, "
                "quiet room…)? Send a note, or press Skip."
            )
            label = _("Accessibility")
        elif step is Step.LANGUAGE:
            text = _("Which language is the meeting held in? Press one, or Skip.")
        elif step is Step.REPEAT:
            text = _(
                "Does it repeat? Press one, or send a rule like FREQ=MONTHLY;BYDAY=1SU (the "
                "first Sunday of every month)."
            )
            label = _("Repeat rule")
        else:
            plan = resolve(request_of(draft.answers), ctx.now, self.defaults_for(branch))
            text = _(
                "{preview}\n\nAnnounce it in the chats of {branch}?",
                preview=self._preview(t, plan, ctx.member, branch),
                branch=self._name(branch, t),
            )
        if note is not None:
            text = f"{t.render(note)}\n\n{t.render(text)}"
        buttons = [
            ButtonSpec(self._choice_label(step, c), Action(render.DRAFT, (step.value, c)))
            for c in choices(step, self.services.organisation.organisation.languages)
        ]
        # Many languages: a few to a row, then Skip on its own row.
        per_row = LANGUAGES_PER_ROW if step is Step.LANGUAGE else len(buttons) or 1
        rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
        rows.append([ButtonSpec(_("Cancel"), Action(render.DRAFT, (step.value, "cancel")))])
        message = ctx.message(text, rows)
        if step in TEXT_STEPS and label is not None:
            message = replace(message, asks_for_text=t.render(label))
        self._private(ctx, message)

    def _preview(self, t: Translator, plan: Plan, member: Member, branch: Branch) -> str:
        end = plan.start + plan.duration
        lines = [f"📅 {plan.title}"]
        if plan.description:
            lines += ["", plan.description]
        lines += ["", render.times_for(t, plan.start, end, plan.zone, member.timezone)]
        if plan.rule:
            lines.append(t.render(_("🔁 Repeats: {rule}", rule=plan.rule)))
        draft = Gathering(
            title=plan.title,
            place=plan.place,
            online_url=plan.online,
            childcare=plan.childcare,
            accessibility=plan.accessibility,
            meeting_language=plan.meeting_language,
        )
        lines += render.notes(t, draft)
        if plan.capacity is not None:
            lines.append(t.render(_("👥 Places: {count}", count=plan.capacity)))
        if plan.reminders:
            spans = ", ".join(render.length_text(t, timedelta(minutes=m)) for m in plan.reminders)
            lines.append(t.render(_("⏰ Reminders: {when} before", when=spans)))
        return "\n".join(lines)

    async def draft_text(self, ctx: Context, event: TextReceived) -> bool:
        """A typed answer to the guided conversation's current step."""
        draft = await self._draft(ctx)
        if draft is None:
            return False
        branch = await ctx.session.get(Branch, draft.branch_id)
        if branch is None:
            return False
        step = Step(draft.step)
        answers = give_text(step, event.text, draft.answers, ctx.now, self.defaults_for(branch))
        await self._next(ctx, draft, branch, answers, step)
        return True

    async def _next(
        self,
        ctx: Context,
        draft: GatheringDraft,
        branch: Branch,
        answers: dict[str, Any],
        step: Step,
    ) -> None:
        draft.answers = answers
        draft.step = following(step).value
        draft.asked_at = ctx.now
        await ctx.session.flush()
        await self._ask(ctx, draft, branch)

    async def draft_choice(self, ctx: Context, action: Action) -> None:
        """A button of the guided conversation."""
        if len(action.args) != 2:
            raise InvalidButton()
        step_value, choice = action.args
        draft = await self._draft(ctx)
        if draft is None:
            raise UserError(
                _("That gathering is no longer being set up. Send /gathering to start again.")
            )
        if choice == "cancel":
            await ctx.session.delete(draft)
            await ctx.session.flush()
            ctx.reply(_("Cancelled: nothing was announced."))
            return
        if draft.step != step_value:
            raise UserError(_("That question was already answered."))
        branch = await ctx.session.get(Branch, draft.branch_id)
        if branch is None:
            raise InvalidButton()
        await self._check_organiser(ctx, branch)
        step = Step(draft.step)
        defaults = self.defaults_for(branch)
        if step is Step.CONFIRM and choice == "create":
            plan = resolve(request_of(draft.answers), ctx.now, defaults)
            await ctx.session.delete(draft)
            await ctx.session.flush()
            await self._create(ctx, plan, branch)
            return
        answers = give_choice(step, choice, draft.answers, ctx.now, defaults)
        await self._next(ctx, draft, branch, answers, step)

    # ----------------------------------------------------------------- answering

    async def _zone_of(self, session: AsyncSession, member: Member, fallback: str) -> str:
        if member.timezone:
            return member.timezone
        if member.chapter_id is not None:
            chapter = await session.get(Branch, member.chapter_id)
            if chapter is not None:
                return chapter.timezone
        return fallback

    async def rsvp(self, ctx: Context, action: Action) -> None:
        """Going / maybe / can't, pressed on an announcement, a reminder or a list."""
        if len(action.args) != 3 or action.args[2] not in render.ANSWER_CODES:
            raise InvalidButton()
        gathering = await service.gathering_by_id(
            ctx.session, action.args[0], lock=True, button=True
        )
        service.ensure_on(gathering)
        key = service.parse_occurrence_arg(action.args[1])
        occurrence = await service.occurrence_of(ctx.session, gathering, key, ctx.now)
        wanted = render.ANSWER_CODES[action.args[2]]
        outcome = await service.respond(ctx.session, gathering, key, ctx.member.id, wanted, ctx.now)
        await self._schedule_refresh(ctx.session, gathering, ctx.now)
        # Reminders and change notices will reach them privately, in their own language.
        await translated.ensure(ctx.session, gathering, {ctx.translator.language}, ctx.now)
        await self.feeds.changed(ctx.session, gathering.branch_id, ctx.now)
        await self._tell_promoted(ctx.session, ctx.outbox, gathering, occurrence, outcome.promoted)
        zone = await self._zone_of(ctx.session, ctx.member, gathering.timezone)
        when = render.moment_text(ctx.translator, occurrence.start, zone)
        note = render.confirmation(gathering, outcome.answer, when, outcome.position)
        if ctx.in_private:
            ctx.reply(note)
        else:
            ctx.acknowledge(note)

    async def _tell_promoted(
        self,
        session: AsyncSession,
        outbox: Outbox,
        gathering: Gathering,
        occurrence: Occurrence,
        promoted: list[int],
    ) -> None:
        for member_id in promoted:

            def promoted_note(t: Translator, zone: str, shown: Rendition | None) -> OutgoingMessage:
                title, _description, label = render.words(t, gathering, shown)
                text = t.render(
                    _(
                        "🎉 A place opened up: you are now going to {title} ({when}).",
                        title=title,
                        when=render.moment_text(t, occurrence.start, zone),
                    )
                )
                return render_message(
                    self.services.signer,
                    t,
                    "\n".join([text, *([label] if label else [])]),
                    render.rsvp_buttons(gathering, occurrence, shown),
                )

            await posting.to_member(
                session, self.services, outbox, gathering, member_id, promoted_note
            )

    async def _schedule_refresh(
        self, session: AsyncSession, gathering: Gathering, now: datetime
    ) -> None:
        bucket = int(now.timestamp()) // REFRESH_EVERY
        await self.scheduler.schedule(
            session,
            REFRESH,
            now + timedelta(seconds=REFRESH_EVERY),
            {"gathering": gathering.id},
            f"gref:{gathering.id}:{bucket}",
        )

    # ----------------------------------------------------------------- calendars

    def _file_message(self, ctx: Context, text: Msg, filename: str, content: bytes) -> None:
        if not ctx.messenger.capabilities.files:
            raise UserError(_("I can't send files here. Ask me from another platform."))
        message = posting.with_file(ctx.message(text), filename, content)
        self._private(ctx, message)

    async def calendar_file(self, ctx: Context, action: Action) -> None:
        """The "add to my calendar" button: the gathering's ``.ics``, privately."""
        if len(action.args) != 1:
            raise InvalidButton()
        gathering = await service.gathering_by_id(ctx.session, action.args[0], button=True)
        content = await calendars.build(
            ctx.session,
            self.services.organisation,
            [gathering],
            gathering.title,
            ctx.translator,
            ctx.now,
        )
        self._file_message(
            ctx,
            _("📆 {title}: open the file to add it to your calendar.", title=gathering.title),
            f"gathering-{gathering.id}.ics",
            content,
        )
        if not ctx.in_private:
            ctx.acknowledge(_("I have sent you the calendar file privately."))

    async def calendar(self, ctx: Context, command: CommandReceived) -> None:
        """``/calendar``: the member's gatherings as one ``.ics`` file, privately.

        With feed files on, the member's feed is written now too (they may be asking
        because it is missing or stale: a new chapter is not a change of any gathering),
        and where the feeds are served, they are told its address to subscribe to.
        """
        builder = calendars.Builder(ctx.session, self.services.organisation, ctx.now)
        organisation = self.services.organisation.organisation
        # The language the feed job writes their file in, so the two agree.
        language = language_of(
            ctx.member.language,
            ctx.account.language_hint,
            None,
            organisation.languages,
            organisation.default_language,
        )
        written = await self.feeds.write_member(builder, ctx.member, language)
        if written is None:
            content = await builder.for_member(ctx.member, ctx.translator)
            url = None
        else:
            path, content = written
            url = self.feeds.url_of(path)
        if url is None:
            self._file_message(
                ctx,
                _(
                    "📆 Your gatherings: those of your chapter and the ones you said you'd "
                    "come to. Import the file into your calendar; send /calendar again after "
                    "changes."
                ),
                "gatherings.ics",
                content,
            )
            return
        text = _(
            "📆 Your gatherings: those of your chapter and the ones you said you'd come to, "
            "with your answers. Subscribe to this address in your calendar program and it "
            "stays up to date (it is yours alone: don't share it):\n{url}",
            url=url,
        )
        if ctx.messenger.capabilities.files:
            self._file_message(ctx, text, "gatherings.ics", content)
        else:
            self._private(ctx, ctx.message(text))

    # ----------------------------------------------------------------- listing

    async def upcoming(self, ctx: Context, command: CommandReceived) -> None:
        """``/gatherings``: what is coming up here (or, privately, for you)."""
        extra: list[int] = []
        if not ctx.in_private and ctx.branch is not None:
            branches = await ancestor_ids(ctx.session, ctx.branch.id)
            zone = ctx.branch.timezone
        else:
            branches = (
                await ancestor_ids(ctx.session, ctx.member.chapter_id)
                if ctx.member.chapter_id
                else []
            )
            zone = await self._zone_of(ctx.session, ctx.member, "UTC")
            extra = await service.answered_by(ctx.session, ctx.member.id)
        found = await service.upcoming(ctx.session, branches, ctx.now, LIST_LIMIT, extra)
        if not found:
            ctx.reply(_("No gathering is planned here yet."))
            return
        lines = [ctx.render(_("Coming up:"))]
        for gathering, occurrence in found:
            mine = await service.answer_of(ctx.session, gathering.id, occurrence.key, ctx.member.id)
            mark = "✓ " if mine is not None and mine.answer == Answer.GOING.value else "• "
            lines.append(
                mark
                + ctx.render(
                    _(
                        "#{id} {title} — {when} ({zone})",
                        id=gathering.id,
                        title=gathering.title[:80],
                        when=render.moment_text(ctx.translator, occurrence.start, zone),
                        zone=zone,
                    )
                )
            )
        ctx.reply("\n".join(lines))

    async def attendees(self, ctx: Context, command: CommandReceived) -> None:
        """``/attendees 12 [DATE]``: who answered, for the gathering's organisers."""
        found = words(command.args)
        if not found:
            raise UserError(_("Which gathering? Give its number, like #12."))
        gathering = await service.gathering_by_id(ctx.session, found[0])
        await self._check_organiser_of(ctx, gathering)
        occurrence = await self._occurrence_named(ctx, gathering, found[1:])
        people = await service.attendees(ctx.session, gathering.id, occurrence.key)
        t = ctx.translator
        groups: dict[Answer, list[str]] = {answer: [] for answer in Answer}
        for member, answer in people:
            groups[answer].append(member.display_name)
        zone = await self._zone_of(ctx.session, ctx.member, gathering.timezone)
        lines = [
            t.render(
                _(
                    "Gathering #{id}, {title} — {when}",
                    id=gathering.id,
                    title=gathering.title,
                    when=render.moment_text(t, occurrence.start, zone),
                )
            )
        ]
        going = len(groups[Answer.GOING])
        lines.append(
            t.render(
                _("Going ({count} of {capacity}):", count=going, capacity=gathering.capacity)
                if gathering.capacity is not None
                else _("Going ({count}):", count=going)
            )
            + " "
            + (", ".join(groups[Answer.GOING]) or "—")
        )
        lines.append(
            t.render(_("Maybe ({count}):", count=len(groups[Answer.MAYBE])))
            + " "
            + (", ".join(groups[Answer.MAYBE]) or "—")
        )
        if groups[Answer.WAITING]:
            waiting = ", ".join(f"{n}. {name}" for n, name in enumerate(groups[Answer.WAITING], 1))
            lines.append(
                t.render(_("Waiting list ({count}):", count=len(groups[Answer.WAITING])))
                + " "
                + waiting
            )
        lines.append(
            t.render(_("Can't come ({count}):", count=len(groups[Answer.NO])))
            + " "
            + (", ".join(groups[Answer.NO]) or "—")
        )
        ctx.reply_privately("\n".join(lines))
        if not ctx.in_private:
            ctx.reply(_("I have sent you the list privately."), confirms_private=True)

    async def _check_organiser_of(self, ctx: Context, gathering: Gathering) -> Branch:
        branch = await posting.home_branch(ctx.session, gathering)
        await self._check_organiser(ctx, branch)
        return branch

    async def _occurrence_named(
        self, ctx: Context, gathering: Gathering, rest: list[str]
    ) -> Occurrence:
        """The occurrence a date names (a repeating gathering), else the next one."""
        if rest:
            day = times.parse_date(rest[0])
            key = ONE_OFF if gathering.rrule is None else recurrence.key_of(day)
            found = recurrence.find(await service.series_of(ctx.session, gathering), key)
            if found is None:
                raise UserError(
                    _("Gathering #{id} does not take place on that date.", id=gathering.id)
                )
            return found
        upcoming = await service.next_occurrence(ctx.session, gathering, ctx.now)
        if upcoming is None:
            raise UserError(_("That gathering is over."))
        return upcoming

    # ----------------------------------------------------------------- changing

    async def edit(self, ctx: Context, command: CommandReceived) -> None:
        """``/gathering_edit 12 WHAT …``: see :func:`edit_usage` for each WHAT."""
        found = words(command.args)
        if len(found) < 2:
            raise UserError(edit_usage())
        gathering = await service.gathering_by_id(ctx.session, found[0], lock=True)
        branch = await self._check_organiser_of(ctx, gathering)
        service.ensure_on(gathering)
        what, rest = found[1].lower(), found[2:]
        defaults = self.defaults_for(branch)
        notice: Msg | None = None
        only: int | None = None  # tell only those who answered this occurrence
        if what == "cancel":
            gathering.status = GatheringStatus.CANCELLED.value
            notice = _("it is cancelled.")
        elif what == "time":
            await self._new_time(ctx, gathering, rest, defaults)
            notice = _("the time has changed.")
        elif what in ("length", "end"):
            value = " ".join(rest)
            span = length(
                value if what == "end" else None,
                value if what == "length" else None,
                gathering.starts_at,
                gathering.timezone,
                defaults.duration,
            )
            if gathering.rrule is not None and span > timedelta(days=1):
                raise UserError(_("A repeating gathering lasts at most a day."))
            gathering.duration_minutes = int(span.total_seconds()) // 60
            notice = _("the end time has changed.")
        elif what == "place":
            gathering.place = _optional(rest, 300)
            notice = _("the place has changed.")
        elif what == "online":
            link = _optional(rest, 500)
            gathering.online_url = None if link is None else check_url(link)
            notice = _("the online link has changed.")
        elif what == "capacity":
            gathering.capacity = check_capacity(" ".join(rest) or "none")
        elif what == "remind":
            gathering.reminder_minutes = list(reminders.parse_offsets(" ".join(rest) or "none"))
        elif what == "childcare":
            gathering.childcare = _yes_or_no(rest)
            notice = (
                _("childcare is offered.")
                if gathering.childcare
                else _("childcare is no longer offered.")
            )
        elif what == "accessibility":
            gathering.accessibility = _optional(rest, MAX_NOTE)
            notice = _("the accessibility note has changed.")
        elif what == "language":
            code = _optional(rest, 64)
            gathering.meeting_language = (
                None if code is None else check_language(code, defaults.languages)
            )
            notice = _("the language of the meeting has changed.")
        elif what in ("skip", "move"):
            only, notice = await self._change_one(ctx, gathering, what, rest)
        else:
            raise UserError(edit_usage())
        service.changed(gathering, ctx.now)
        await ctx.session.flush()
        await self.feeds.changed(ctx.session, gathering.branch_id, ctx.now)
        await self._after_change(ctx, gathering, notice, only)
        ctx.reply(
            _("Gathering #{id} is cancelled.", id=gathering.id)
            if what == "cancel"
            else _("Gathering #{id} is changed.", id=gathering.id)
        )

    async def _new_time(
        self, ctx: Context, gathering: Gathering, rest: list[str], defaults: Defaults
    ) -> None:
        if len(rest) not in (2, 3):
            raise UserError(edit_usage())
        zone = times.zone_named(rest[2]) if len(rest) == 3 else gathering.timezone
        wall, offset = times.parse_time(rest[1])
        start = times.exact(times.parse_date(rest[0]), wall, zone, offset)
        if start <= ctx.now:
            raise UserError(_("That time is in the past. Please give a time that is still ahead."))
        if gathering.rrule is not None:
            series = recurrence.Series(start, zone, service.duration_of(gathering), gathering.rrule)
            recurrence.check(series, ctx.now, defaults.horizon)
        gathering.starts_at, gathering.timezone = start, zone

    async def _change_one(
        self, ctx: Context, gathering: Gathering, what: str, rest: list[str]
    ) -> tuple[int, Msg]:
        """Skips or moves one occurrence of a repeating gathering."""
        if gathering.rrule is None:
            raise UserError(
                _(
                    "Gathering #{id} does not repeat: change its time with “time”, or cancel it.",
                    id=gathering.id,
                )
            )
        if not rest:
            raise UserError(edit_usage())
        day = times.parse_date(rest[0])
        key = recurrence.key_of(day)
        series = await service.series_of(ctx.session, gathering)
        original = recurrence.find_original(series, key)
        if original is None:
            raise UserError(_("Gathering #{id} does not take place on that date.", id=gathering.id))
        current = recurrence.find(series, key)
        if current is not None and current.end <= ctx.now:
            raise UserError(_("That gathering is over."))
        if what == "skip":
            await service.set_exception(ctx.session, gathering, key, None)
            if current is not None:
                await posting.mirror(
                    ctx.session, self.services, ctx.outbox, gathering, ctx.now, current, True
                )
            return key, _("the gathering of {date} is called off.", date=day.isoformat())
        if len(rest) not in (3, 4):
            raise UserError(edit_usage())
        wall, offset = times.parse_time(rest[2])
        zone = gathering.timezone
        moved = times.exact(times.parse_date(rest[1]), wall, zone, offset)
        if moved <= ctx.now:
            raise UserError(_("That time is in the past. Please give a time that is still ahead."))
        await service.set_exception(ctx.session, gathering, key, moved)
        return key, _("the gathering of {date} moves.", date=day.isoformat())

    async def _after_change(
        self, ctx: Context, gathering: Gathering, notice: Msg | None, only: int | None
    ) -> None:
        """Reminders follow the change; announcements, chats, people who answered hear it."""
        session, outbox = ctx.session, ctx.outbox
        await self.rebook(session, gathering, ctx.now)
        for key in await self._open_keys(session, gathering, ctx.now):
            promoted = await service.promote(session, gathering, key, ctx.now)
            occurrence = recurrence.find(await service.series_of(session, gathering), key)
            if promoted and occurrence is not None:
                await self._tell_promoted(session, outbox, gathering, occurrence, promoted)
        await posting.refresh(session, self.services, outbox, gathering, ctx.now)
        await posting.mirror(session, self.services, outbox, gathering, ctx.now)
        if notice is None:
            return
        series = await service.series_of(session, gathering)
        shown = (
            recurrence.find(series, only)
            if only is not None
            else await service.next_occurrence(session, gathering, ctx.now)
        )

        def change(t: Translator, zone: str, words: Rendition | None) -> OutgoingMessage:
            text = render.change_text(t, gathering, notice, shown, zone, words)
            return render_message(
                self.services.signer, t, text, render.rsvp_buttons(gathering, shown, words)
            )

        await posting.to_chats(session, self.services, outbox, gathering, change)
        answered = await service.answered(session, gathering.id, only)
        told = list(dict.fromkeys(member_id for member_id, _key in answered))
        await posting.to_members(session, self.services, outbox, gathering, told, change)

    async def _open_keys(
        self, session: AsyncSession, gathering: Gathering, now: datetime
    ) -> list[int]:
        """The occurrences with a waiting list that are still ahead."""
        keys = {
            key
            for _member, key in await service.answered(
                session, gathering.id, only=(Answer.WAITING.value,)
            )
        }
        series = await service.series_of(session, gathering)
        return [
            key
            for key in sorted(keys)
            if (found := recurrence.find(series, key)) is not None and found.end > now
        ]

    # ----------------------------------------------------------------- jobs

    async def job_remind(self, job: JobContext) -> None:
        """One reminder of one occurrence: to the branch's chats and to those coming."""
        payload = job.job.payload
        gathering = await job.session.get(Gathering, payload.get("gathering"))
        extra = {"job": job.job.id, "gathering": payload.get("gathering")}
        if gathering is None or gathering.status == GatheringStatus.CANCELLED.value:
            log.info("gathering reminder dropped: no such gathering now", extra=extra)
            return
        series = await service.series_of(job.session, gathering)
        occurrence = recurrence.find(series, int(payload.get("occurrence", -1)))
        if occurrence is None or int(occurrence.start.timestamp()) != payload.get("start"):
            log.info("gathering reminder dropped: the occurrence changed", extra=extra)
            return
        if job.now >= occurrence.start:
            log.warning("gathering reminder skipped: the gathering has begun", extra=extra)
            return
        home = await posting.home_branch(job.session, gathering)

        def reminder(t: Translator, zone: str, words: Rendition | None) -> OutgoingMessage:
            text = render.reminder_text(
                t, gathering, occurrence, job.now, self._name(home, t), zone, words
            )
            return render_message(
                self.services.signer, t, text, render.rsvp_buttons(gathering, occurrence, words)
            )

        await posting.to_chats(job.session, self.services, job.outbox, gathering, reminder)
        coming = await service.answered(
            job.session, gathering.id, occurrence.key, service.ATTENDING
        )
        await posting.to_members(
            job.session, self.services, job.outbox, gathering, [m for m, _key in coming], reminder
        )

    async def job_advance(self, job: JobContext) -> None:
        """An occurrence is over (or the horizon moved): book ahead, show the next one."""
        gathering = await job.session.get(Gathering, job.job.payload.get("gathering"))
        if gathering is None or gathering.status == GatheringStatus.CANCELLED.value:
            return
        await self.book(job.session, gathering, job.now)
        await posting.refresh(job.session, self.services, job.outbox, gathering, job.now)
        await posting.mirror(job.session, self.services, job.outbox, gathering, job.now)

    async def job_refresh(self, job: JobContext) -> None:
        """Edits the announcements with the current answers."""
        gathering = await job.session.get(Gathering, job.job.payload.get("gathering"))
        if gathering is not None:
            await posting.refresh(job.session, self.services, job.outbox, gathering, job.now)

    # ----------------------------------------------------------------- welcome

    async def welcome_note(
        self, session: AsyncSession, chapter: Branch, translator: Translator, zone: str
    ) -> str | None:
        """For onboarding's welcome DM: the chapter's next gatherings, in the reader's zone."""
        now = self.services.clock.now()
        found = await service.upcoming(
            session, await ancestor_ids(session, chapter.id), now, WELCOME_LIMIT
        )
        if not found:
            return None
        lines = [
            translator.render(_("Coming up in {chapter}:", chapter=self._name(chapter, translator)))
        ]
        for gathering, occurrence in found:
            lines.append(
                translator.render(
                    _(
                        "• {title} — {when} ({zone})",
                        title=gathering.title,
                        when=render.moment_text(translator, occurrence.start, zone),
                        zone=zone,
                    )
                )
            )
        lines.append(translator.render(_("Answer in the chapter's chats, or see /gatherings.")))
        return "\n".join(lines)


def _optional(rest: list[str], longest: int) -> str | None:
    value = " ".join(rest).strip()
    if not value or value.lower() == "none":
        return None
    if len(value) > longest:
        raise UserError(_("That is too long: at most {count} characters.", count=longest))
    return value


def _yes_or_no(rest: list[str]) -> bool:
    value = " ".join(rest).strip().lower()
    if value not in ("yes", "no"):
        raise UserError(edit_usage())
    return value == "yes"


def edit_usage() -> Msg:
    """How to change a gathering."""
    return _(
        "Change a gathering with one line:\n"
        "/gathering_edit 12 time 2026-12-06 18:30 [zone]\n"
        "/gathering_edit 12 length 2h   (or: end 20:30)\n"
        '/gathering_edit 12 place "Library, 2nd floor"   (or: place none)\n'
        "/gathering_edit 12 online https://…   (or: online none)\n"
        "/gathering_edit 12 capacity 40   (or: capacity none)\n"
        "/gathering_edit 12 remind 1d,2h   (or: remind none)\n"
        "/gathering_edit 12 childcare yes   (or: childcare no)\n"
        '/gathering_edit 12 accessibility "Step-free entrance"   (or: accessibility none)\n'
        "/gathering_edit 12 language es   (or: language none)\n"
        "/gathering_edit 12 skip 2026-12-13   (one date of a repeating gathering)\n"
        "/gathering_edit 12 move 2026-12-13 2026-12-14 19:00\n"
        "/gathering_edit 12 cancel"
    )
