"""``/broadcast``: an organiser writes one announcement for a branch and everything below it.

The conversation, in the organiser's private chat (each answer a button or their next
message; the draft is a row, so it survives a restart):

1. which branch (the branches they organise; ``/broadcast SLUG`` for one below them);
2. the message;
3. when: now, at a time, or when the translations are ready (with a deadline);
4. where: the branch chats, members' private messages, or both;
5. a preview in their language with the recipients per language and platform — Send.

Button actions (``D`` is the draft's id):

====  =============  =============================================
bcb   D, branch      the branch
bcw   D, timing      now / at / ready
bch   D, hours       a preset time (at) or deadline (ready)
bcc   D, channels    chats / dms / both
bcs   D              send (confirm)
bcx   D              cancel the draft
====  =============  =============================================
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.broadcasts import release
from core.broadcasts.models import Broadcast, BroadcastStatus, Channels, Step, Timing
from core.broadcasts.recipients import plan
from core.broadcasts.render import PreviewFacts, announcement, preview
from core.decisions.posting import branch_name
from core.decisions.spec import when as parse_when
from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.federation.service import branch_by_slug
from core.i18n.message import Msg, _, ngettext
from core.members.models import AwaitedText, Role, RoleGrant
from core.members.service import has_role
from core.messaging.actions import Action
from core.messaging.asking import reply_asking
from core.messaging.context import ButtonSpec, Context, Services
from core.messaging.inbound import CommandReceived, TextReceived
from core.messaging.router import CommandSpec, Router, Where
from core.scheduling.scheduler import JobContext, JobKind, Scheduler
from core.translation import content as contents
from core.translation.models import Content
from core.translation.translators import translators_of

BRANCH, TIMING, HOURS, CHANNELS, SEND, CANCEL = "bcb", "bcw", "bch", "bcc", "bcs", "bcx"
MAX_TEXT = 3000
MAX_BRANCH_BUTTONS = 20
DRAFT_LAPSES = timedelta(days=1)
LATEST = timedelta(days=60)
AT_PRESETS = (1, 3, 24)
DEADLINE_PRESETS = (6, 24, 48)


def content_key(broadcast_id: int) -> str:
    """The content key of a broadcast's text."""
    return f"broadcast:{broadcast_id}"


class Broadcasts:
    """The /broadcast conversation, the release job and the translation hook.

    Args:
        router: Where the command, actions and text handler are registered.
        scheduler: Where releases are booked.
        services: Configuration, catalogs, signer and the attached platforms.
        machine: Whether a machine translation provider is configured (for the preview).
    """

    def __init__(
        self, router: Router, scheduler: Scheduler, services: Services, machine: bool = False
    ) -> None:
        self.router = router
        self.scheduler = scheduler
        self.services = services
        self.machine = machine

    def register(self) -> None:
        """Adds /broadcast, its buttons, the draft's text answers and the release job."""
        self.router.command(
            CommandSpec(
                "broadcast",
                _("Send an announcement to a branch and every branch below it"),
                self.start,
                requires=Role.ORGANISER,
                where=Where.PRIVATE,
            )
        )
        for kind, handler in {
            BRANCH: self.branch_chosen,
            TIMING: self.timing_chosen,
            HOURS: self.hours_chosen,
            CHANNELS: self.channels_chosen,
            SEND: self.send,
            CANCEL: self.cancel,
        }.items():
            self.router.action(kind, handler)
        self.router.text(self.answer)
        self.scheduler.register(release.RELEASE_JOB, JobKind(self.job_release))

    # ------------------------------------------------------------------ helpers

    def _name(self, ctx: Context, branch: Branch) -> str:
        return branch_name(branch, self.services.organisation, ctx.translator.language)

    async def _draft(self, ctx: Context, action: Action) -> Broadcast:
        if not action.args or not action.args[0].isdecimal():
            raise InvalidButton()
        broadcast = await ctx.session.get(Broadcast, int(action.args[0]))
        if broadcast is None or broadcast.author_id != ctx.member.id:
            raise InvalidButton()
        if broadcast.status != BroadcastStatus.DRAFT.value:
            raise UserError(_("That broadcast is no longer a draft."))
        return broadcast

    async def _branch(self, ctx: Context, broadcast: Broadcast) -> Branch:
        branch = await ctx.session.get(Branch, broadcast.branch_id) if broadcast.branch_id else None
        if branch is None:
            raise InvalidButton()
        await self._check_organiser(ctx, branch)
        return branch

    async def _check_organiser(self, ctx: Context, branch: Branch) -> None:
        if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, branch.id):
            raise UserError(
                _(
                    "Only organisers of {branch} (or of a branch above it) can broadcast to it.",
                    branch=self._name(ctx, branch),
                )
            )

    def _cancel_button(self, broadcast: Broadcast) -> ButtonSpec:
        return ButtonSpec(_("Cancel"), Action(CANCEL, (str(broadcast.id),)))

    def _step(self, broadcast: Broadcast, step: Step, now: datetime) -> None:
        broadcast.step = step.value
        broadcast.updated_at = now

    # ------------------------------------------------------------------ steps

    async def start(self, ctx: Context, command: CommandReceived) -> None:
        """``/broadcast [SLUG]``: a new draft (any older draft of theirs is dropped)."""
        await ctx.session.execute(
            update(Broadcast)
            .where(
                Broadcast.author_id == ctx.member.id,
                Broadcast.status == BroadcastStatus.DRAFT.value,
            )
            .values(status=BroadcastStatus.CANCELLED.value)
        )
        slug = command.args.strip().split()[0].lower()[:64] if command.args.strip() else None
        chosen: Branch | None = None
        organised: list[Branch] = []
        if slug is not None:
            chosen = await branch_by_slug(ctx.session, slug)
            if chosen is None:
                raise UserError(_("There is no branch “{slug}”.", slug=slug))
            await self._check_organiser(ctx, chosen)
        else:
            organised = await self._organised(ctx)
            if not organised:
                raise UserError(_("You organise no branch, so you cannot broadcast."))
            if len(organised) == 1:
                chosen = organised[0]
        broadcast = Broadcast(
            branch_id=chosen.id if chosen else None,
            author_id=ctx.member.id,
            status=BroadcastStatus.DRAFT.value,
            step=Step.BRANCH.value,
            language=ctx.translator.language,
            languages=[],
            total=0,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        ctx.session.add(broadcast)
        await ctx.session.flush()
        if chosen is not None:
            await self._ask_text(ctx, broadcast, chosen)
            return
        bid = str(broadcast.id)
        buttons = [
            [ButtonSpec(self._name(ctx, b), Action(BRANCH, (bid, str(b.id))))]
            for b in organised[:MAX_BRANCH_BUTTONS]
        ]
        buttons.append([self._cancel_button(broadcast)])
        ctx.reply(
            _(
                "To which branch? It reaches every branch below it too. For a branch further "
                "down, send /broadcast SLUG."
            ),
            buttons,
        )

    async def _organised(self, ctx: Context) -> list[Branch]:
        rows = await ctx.session.scalars(
            select(Branch)
            .join(RoleGrant, RoleGrant.branch_id == Branch.id)
            .where(
                RoleGrant.member_id == ctx.member.id,
                RoleGrant.role.in_({Role.ORGANISER.value, Role.ADMIN.value}),
                Branch.active,
            )
            .distinct()
            .order_by(Branch.id)
        )
        return list(rows.all())

    async def branch_chosen(self, ctx: Context, action: Action) -> None:
        """The branch button."""
        broadcast = await self._draft(ctx, action)
        if len(action.args) != 2 or not action.args[1].isdecimal():
            raise InvalidButton()
        branch = await ctx.session.get(Branch, int(action.args[1]))
        if branch is None or not branch.active:
            raise InvalidButton()
        await self._check_organiser(ctx, branch)
        broadcast.branch_id = branch.id
        await self._ask_text(ctx, broadcast, branch)

    async def _ask_text(self, ctx: Context, broadcast: Broadcast, branch: Branch) -> None:
        self._step(broadcast, Step.TEXT, ctx.now)
        reach = await plan(ctx.session, self.services, branch.id, Channels.CHATS)
        reply_asking(
            ctx,
            _(
                "Write the announcement to {branch} and every branch below it ({count} "
                "members). Send it as your next message, in your own language: members who "
                "read another one get a translation.",
                branch=self._name(ctx, branch),
                count=reach.members,
            ),
            _("Announcement"),
            [[self._cancel_button(broadcast)]],
        )

    def _ask_when(self, ctx: Context, broadcast: Broadcast) -> None:
        self._step(broadcast, Step.WHEN, ctx.now)
        bid = str(broadcast.id)
        ctx.reply(
            _("When should it go out?"),
            [
                [ButtonSpec(_("Now"), Action(TIMING, (bid, Timing.NOW.value)))],
                [ButtonSpec(_("At a time"), Action(TIMING, (bid, Timing.AT.value)))],
                [
                    ButtonSpec(
                        _("When the translations are ready"),
                        Action(TIMING, (bid, Timing.READY.value)),
                    )
                ],
                [self._cancel_button(broadcast)],
            ],
        )

    async def timing_chosen(self, ctx: Context, action: Action) -> None:
        """Now / at a time / when the translations are ready."""
        broadcast = await self._draft(ctx, action)
        if len(action.args) != 2 or action.args[1] not in {t.value for t in Timing}:
            raise InvalidButton()
        if broadcast.text is None:
            raise UserError(_("That step is over. Please answer the latest question."))
        branch = await self._branch(ctx, broadcast)
        timing = Timing(action.args[1])
        broadcast.timing = timing.value
        if timing is Timing.NOW:
            await self._ask_channels(ctx, broadcast)
            return
        bid = str(broadcast.id)
        presets = AT_PRESETS if timing is Timing.AT else DEADLINE_PRESETS
        buttons = [
            [
                ButtonSpec(
                    ngettext("In {count} hour", "In {count} hours", h),
                    Action(HOURS, (bid, str(h))),
                )
                for h in presets
            ],
            [self._cancel_button(broadcast)],
        ]
        zone = ctx.member.timezone or branch.timezone
        if timing is Timing.AT:
            self._step(broadcast, Step.TIME, ctx.now)
            question: Msg = _(
                "When should it go out? Choose, or send a date and time like "
                "2026-12-01T18:00 (time zone {zone}) or a delay like 2h.",
                zone=zone,
            )
        else:
            self._step(broadcast, Step.DEADLINE, ctx.now)
            question = _(
                "It goes out as soon as every language has a translation a translator "
                "accepted. At the latest when? Choose, or send a date and time like "
                "2026-12-01T18:00 (time zone {zone}) or a delay like 24h.",
                zone=zone,
            )
        reply_asking(ctx, question, _("Time"), buttons)

    async def hours_chosen(self, ctx: Context, action: Action) -> None:
        """A preset time or deadline."""
        broadcast = await self._draft(ctx, action)
        if len(action.args) != 2 or not action.args[1].isdecimal():
            raise InvalidButton()
        if broadcast.step not in (Step.TIME.value, Step.DEADLINE.value):
            raise UserError(_("That step is over. Please answer the latest question."))
        await self._set_time(ctx, broadcast, ctx.now + timedelta(hours=int(action.args[1])))

    async def _set_time(self, ctx: Context, broadcast: Broadcast, moment: datetime) -> None:
        if moment <= ctx.now:
            raise UserError(_("That time is in the past. Please choose a later one."))
        if moment > ctx.now + LATEST:
            raise UserError(_("That is too far ahead: at most 60 days, please."))
        if broadcast.step == Step.TIME.value:
            broadcast.send_at = moment
        else:
            broadcast.deadline = moment
        await self._ask_channels(ctx, broadcast)

    async def _ask_channels(self, ctx: Context, broadcast: Broadcast) -> None:
        self._step(broadcast, Step.CHANNELS, ctx.now)
        bid = str(broadcast.id)
        ctx.reply(
            _("Where should it go?"),
            [
                [ButtonSpec(_("Branch chats"), Action(CHANNELS, (bid, Channels.CHATS.value)))],
                [
                    ButtonSpec(
                        _("Members' private messages"), Action(CHANNELS, (bid, Channels.DMS.value))
                    )
                ],
                [ButtonSpec(_("Both"), Action(CHANNELS, (bid, Channels.BOTH.value)))],
                [self._cancel_button(broadcast)],
            ],
        )

    async def channels_chosen(self, ctx: Context, action: Action) -> None:
        """Chats / DMs / both: the preview follows."""
        broadcast = await self._draft(ctx, action)
        if len(action.args) != 2 or action.args[1] not in {c.value for c in Channels}:
            raise InvalidButton()
        if broadcast.step != Step.CHANNELS.value:
            raise UserError(_("That step is over. Please answer the latest question."))
        branch = await self._branch(ctx, broadcast)
        broadcast.channels = action.args[1]
        self._step(broadcast, Step.CONFIRM, ctx.now)
        await self._preview(ctx, broadcast, branch)

    def _moment(self, ctx: Context, branch: Branch, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        zone = ctx.member.timezone or branch.timezone
        return f"{ctx.translator.format_datetime(moment, zone, 'medium')} ({zone})"

    async def _preview(self, ctx: Context, broadcast: Broadcast, branch: Branch) -> None:
        reach = await plan(
            ctx.session, self.services, branch.id, Channels(broadcast.channels or Channels.BOTH)
        )
        others = sorted(reach.languages - {broadcast.language})
        without = [
            language
            for language in others
            if not await translators_of(ctx.session, branch.id, ctx.member.id, language)
        ]
        facts = PreviewFacts(
            broadcast_id=broadcast.id,
            branch=self._name(ctx, branch),
            channels=Channels(broadcast.channels or Channels.BOTH),
            timing=Timing(broadcast.timing or Timing.NOW),
            when=self._moment(ctx, branch, broadcast.send_at),
            deadline=self._moment(ctx, branch, broadcast.deadline),
            without_translator=without,
            machine=self.machine,
        )
        sample = ctx.render(
            announcement(
                self._name(ctx, branch), ctx.member.display_name, broadcast.text or "", None
            )
        )
        bid = str(broadcast.id)
        ctx.reply(
            preview(facts, sample, reach, ctx.translator),
            [
                [ButtonSpec(_("Send"), Action(SEND, (bid,)))],
                [self._cancel_button(broadcast)],
            ],
        )

    async def send(self, ctx: Context, action: Action) -> None:
        """Confirmed: the text becomes content, translations are asked, the release booked."""
        broadcast = await self._draft(ctx, action)
        if broadcast.step != Step.CONFIRM.value or broadcast.text is None:
            raise UserError(_("That step is over. Please answer the latest question."))
        branch = await self._branch(ctx, broadcast)
        reach = await plan(
            ctx.session, self.services, branch.id, Channels(broadcast.channels or Channels.BOTH)
        )
        content = await contents.save(
            ctx.session,
            content_key(broadcast.id),
            [broadcast.text],
            broadcast.language,
            branch_id=branch.id,
            author_id=ctx.member.id,
            now=ctx.now,
        )
        await contents.request(ctx.session, content, reach.languages, ctx.now)
        broadcast.content_id = content.id
        broadcast.languages = sorted(reach.languages)
        broadcast.status = BroadcastStatus.SCHEDULED.value
        broadcast.confirmed_at = ctx.now
        broadcast.report_platform = ctx.inbound.platform
        broadcast.report_to = ctx.account.external_id
        timing = Timing(broadcast.timing or Timing.NOW)
        due = ctx.now
        if timing is Timing.AT and broadcast.send_at is not None:
            due = broadcast.send_at
        elif timing is Timing.READY and broadcast.deadline is not None:
            # The deadline is booked; translations landing book earlier attempts.
            await release.book(
                self.scheduler, ctx.session, broadcast.id, broadcast.deadline, "deadline"
            )
        await release.book(self.scheduler, ctx.session, broadcast.id, due, "confirmed")
        if timing is Timing.AT:
            text: Msg = _(
                "📣 Broadcast #{id} will go out {when}.",
                id=broadcast.id,
                when=self._moment(ctx, branch, broadcast.send_at) or "",
            )
        elif timing is Timing.READY:
            text = _(
                "📣 Broadcast #{id} will go out when the translations are ready, at the "
                "latest {when}.",
                id=broadcast.id,
                when=self._moment(ctx, branch, broadcast.deadline) or "",
            )
        else:
            text = _("📣 Broadcast #{id} is on its way.", id=broadcast.id)
        ctx.outbox.post(
            ctx.inbound.platform,
            ctx.chat.external_id,
            ctx.message(text),
            instruction=ctx.instruction(),
            tag=release.tag(broadcast.id),
            language=ctx.translator.language,
        )

    async def cancel(self, ctx: Context, action: Action) -> None:
        """Drops the draft."""
        broadcast = await self._draft(ctx, action)
        broadcast.status = BroadcastStatus.CANCELLED.value
        ctx.reply(_("Cancelled: nothing was sent."))

    # ------------------------------------------------------------------ typed answers

    async def answer(self, ctx: Context, text: TextReceived) -> bool:
        """The organiser's message (step 2), or a time they typed."""
        if not ctx.in_private:
            return False
        broadcast = await ctx.session.scalar(
            select(Broadcast)
            .where(
                Broadcast.author_id == ctx.member.id,
                Broadcast.status == BroadcastStatus.DRAFT.value,
                Broadcast.step.in_([Step.TEXT.value, Step.TIME.value, Step.DEADLINE.value]),
            )
            .order_by(Broadcast.id.desc())
            .limit(1)
        )
        if broadcast is None or ctx.now - broadcast.updated_at > DRAFT_LAPSES:
            return False
        awaited = await ctx.session.get(AwaitedText, ctx.member.id)
        if awaited is not None and awaited.asked_at > broadcast.updated_at:
            return False  # a profile answer asked for since comes first
        branch = await self._branch(ctx, broadcast)
        answer = text.text.strip()
        if broadcast.step == Step.TEXT.value:
            if not answer:
                raise UserError(_("Please send the announcement as text, or press Cancel."))
            if len(answer) > MAX_TEXT:
                raise UserError(
                    _(
                        "That is {count} characters long; the most is {most}. Please send a "
                        "shorter announcement.",
                        count=len(answer),
                        most=MAX_TEXT,
                    )
                )
            broadcast.text = answer
            self._ask_when(ctx, broadcast)
            return True
        zone = ctx.member.timezone or branch.timezone
        await self._set_time(ctx, broadcast, parse_when(answer[:40], ctx.now, zone))
        return True

    # ------------------------------------------------------------------ jobs and hooks

    async def job_release(self, job: JobContext) -> None:
        """The durable release (see :func:`core.broadcasts.release.release`)."""
        await release.release(job, self.services)

    async def translated(
        self, session: AsyncSession, content: Content, language: str, now: datetime
    ) -> None:
        """A translation landed: a broadcast waiting for it may go now."""
        broadcast = await session.scalar(
            select(Broadcast).where(
                Broadcast.content_id == content.id,
                Broadcast.status == BroadcastStatus.SCHEDULED.value,
            )
        )
        if broadcast is None or broadcast.timing == Timing.AT.value:
            return
        if broadcast.timing == Timing.READY.value and await release.missing_translations(
            session, broadcast, content
        ):
            return
        await release.book(self.scheduler, session, broadcast.id, now, f"tr{language}")
