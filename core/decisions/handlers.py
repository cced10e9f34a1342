"""Decisions in chat: open them, vote by button, by private ballot or by ``vote …``, close.

Button actions (each fits Telegram's 64 bytes; ``R`` is a secret ballot's receipt or ``-``):

====  ==========================  ==============================================
dv    id, code                    a press on the group message (one-press methods)
dp    id                          "vote privately": start the private ballot
dr    id, ranking, R              ranked ballot: pick the next preference
ds    id, answers, R              score / time ballot: answer the next option
da    id, approved, R             approval ballot in private: toggle an option
dc    id, code, R                 a one-press answer in a private ballot
dq    id, code, R                 review the ballot
dk    id, code, R                 confirm: the ballot is cast
dx    id, R                       change a secret ballot (button on the receipt)
====  ==========================  ==============================================
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions import posting
from core.decisions.ballots import (
    AVAILABILITY,
    ONE_PRESS,
    RANKED,
    Method,
    parse_text,
    private_ballot,
    validate,
)
from core.decisions.batch import cast_presses
from core.decisions.methods.types import Outcome, Threshold
from core.decisions.models import AwaitedReason, Decision, DecisionStatus, Voter
from core.decisions.render import (
    DIGITS,
    SLOT_CODES,
    availability_label,
    ballot_summary,
    decode_content,
    receipt_text,
    stance_label,
    vote_acknowledgement,
)
from core.decisions.service import (
    NewDecision,
    branch_members,
    cast,
    close,
    create,
    ensure_open,
    has_voted,
    non_voters,
    normal_receipt,
    open_ballot_of,
    options_of,
    rules_of,
    show_receipt,
    start,
    subtree_ids,
    voter_weight,
)
from core.decisions.service import cancel as cancel_decision
from core.decisions.service import extend as extend_decision
from core.decisions.spec import DecideRequest, parse_decide, share, when
from core.decisions.tally import Turnout
from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.federation.service import branch_by_slug
from core.i18n.message import Msg, _
from core.members.models import Role
from core.members.service import has_role
from core.messaging.actions import Action
from core.messaging.batching import BatchWork
from core.messaging.context import ButtonSpec, Context, Services, render_message
from core.messaging.inbound import CommandReceived, TextReceived
from core.messaging.outbox import Outbox
from core.messaging.router import CommandSpec, Router
from core.scheduling.scheduler import JobContext, JobKind, Scheduler
from core.translation import decisions as translated
from core.translation.content import note, show_original

log = logging.getLogger(__name__)

AfterClose = Callable[[AsyncSession, Outbox, Decision, Outcome, Turnout], Awaitable[None]]
REFRESH_EVERY = 5  # seconds: live messages are edited at most this often
NO_RECEIPT = "-"


class Decisions:
    """The decisions capability: its commands, buttons, text form and jobs.

    Args:
        router: Where commands and actions are registered.
        scheduler: Where openings, closings, reminders and refreshes are booked.
        services: Configuration, catalogs, signer, clock and the attached platforms.
    """

    def __init__(self, router: Router, scheduler: Scheduler, services: Services) -> None:
        self.router = router
        self.scheduler = scheduler
        self.services = services
        # Follow-ups run in the closing transaction (a recall acts on its outcome).
        self.after_close: list[AfterClose] = []
        # The refresh interval this process last booked for each decision (see
        # _book_refresh_once).
        self._refresh_booked: dict[int, int] = {}

    def register(self) -> None:
        """Adds the commands, actions, text handlers and jobs."""
        commands = [
            ("decide", _("Open a decision (send it alone to see how)"), self.decide),
            ("decisions", _("List the open decisions here"), self.list_open),
            ("vote", _("Vote by text: /vote #12 3 1 2"), self.vote_command),
            ("close", _("Close a decision now: /close 12"), self.close_command),
            ("extend", _("Give a decision more time: /extend 12 24h"), self.extend_command),
            ("cancel", _("Cancel a decision: /cancel 12"), self.cancel_command),
        ]
        for name, description, handler in commands:
            self.router.command(CommandSpec(name, description, handler))
        for kind, action_handler in {
            "dv": self.press,
            "dp": self.private_start,
            "dr": self.step,
            "ds": self.step,
            "da": self.step,
            "dc": self.private_choice,
            "dq": self.review,
            "dk": self.confirm,
            "dx": self.change_secret,
        }.items():
            self.router.action(kind, action_handler)
        # A crowd voting at once: plain vote presses are also decided many per transaction.
        self.router.batch("dv", lambda work: cast_presses(work, self._book_refresh_once))
        self.router.poll("dv", self.poll_answer)
        self.router.text(self.block_reason)
        self.router.text(self.vote_text)
        self.scheduler.register("decision.open", JobKind(self.job_open))
        self.scheduler.register("decision.close", JobKind(self.job_close))
        self.scheduler.register("decision.remind", JobKind(self.job_remind))
        self.scheduler.register("decision.refresh", JobKind(self.job_refresh, max_attempts=2))

    # ----------------------------------------------------------------- opening

    async def decide(self, ctx: Context, command: CommandReceived) -> None:
        """``/decide METHOD "question" [options] [--settings]``."""
        if not command.args.strip():
            ctx.reply(usage())
            return
        request = parse_decide(command.args)
        branch = await self._target_branch(ctx, request)
        await self._check_may_propose(ctx, branch)
        spec = await self._new_decision(ctx, request, branch)
        decision = await create(ctx.session, spec, ctx.now)
        await self.book(ctx.session, decision)
        if decision.opens_at <= ctx.now:
            await self.open_now(ctx.session, ctx.outbox, decision)
            posted = await posting.linked_chats(
                ctx.session, decision.branch_id, decision.include_sub_branches
            )
            if not any(c.platform in self.services.messengers for c, _b in posted):
                ctx.reply(
                    _(
                        "Decision #{id} is open, but no chat is linked to its branch yet; "
                        "members can still vote with /vote {id}.",
                        id=decision.id,
                    )
                )
            elif ctx.in_private or ctx.chat.branch_id != decision.branch_id:
                ctx.reply(_("Decision #{id} is open and posted in its chats.", id=decision.id))
        else:
            ctx.reply(
                _(
                    "Decision #{id} will open {when}.",
                    id=decision.id,
                    when=ctx.translator.format_datetime(decision.opens_at, branch.timezone),
                )
            )

    async def _target_branch(self, ctx: Context, request: DecideRequest) -> Branch:
        if request.branch is not None:
            branch = await branch_by_slug(ctx.session, request.branch)
            if branch is None:
                raise UserError(_("There is no branch “{slug}”.", slug=request.branch[:64]))
            return branch
        if ctx.branch is None:
            raise UserError(
                _(
                    "Which branch decides? Open the decision in a chat linked to the branch, "
                    "or add --branch SLUG."
                )
            )
        return ctx.branch

    async def _check_may_propose(self, ctx: Context, branch: Branch) -> None:
        if await has_role(ctx.session, ctx.member.id, Role.ORGANISER, branch.id):
            return
        if branch.slug in self.services.organisation.decisions.members_may_propose:
            members = await _is_member_of(ctx, branch)
            if members:
                return
        raise UserError(
            _("Only organisers of {branch} can open decisions there.", branch=branch.name)
        )

    async def _new_decision(
        self, ctx: Context, request: DecideRequest, branch: Branch
    ) -> NewDecision:
        defaults = self.services.organisation.decisions
        opens = when(request.opens, ctx.now, branch.timezone) if request.opens else ctx.now
        if opens < ctx.now:
            raise UserError(_("The opening time is in the past."))
        closes = (
            when(request.closes, opens, branch.timezone)
            if request.closes
            else opens + timedelta(hours=defaults.duration_hours)
        )
        affected = None
        if request.affected is not None:
            affected = await branch_by_slug(ctx.session, request.affected)
            if affected is None:
                raise UserError(_("There is no branch “{slug}”.", slug=request.affected[:64]))

            if affected.id not in await subtree_ids(ctx.session, branch.id):
                raise UserError(
                    _("The affected branch must be part of {branch}.", branch=branch.name)
                )
        weights = await self._weights(ctx, request, branch)
        return NewDecision(
            branch=branch,
            proposer=ctx.member,
            question=request.question,
            language=ctx.translator.language,
            method=request.method,
            options=tuple(request.options),
            opens_at=opens,
            closes_at=closes,
            seats=request.seats,
            stv_rules=request.rules,
            threshold=request.threshold or Threshold(defaults.threshold),
            quorum=request.quorum if request.quorum is not None else share(defaults.quorum),
            others_weight=(
                request.others if request.others is not None else share(defaults.others_weight)
            ),
            affected=affected,
            secret=request.secret,
            consent=request.consent,
            min_choices=request.min_choices,
            max_choices=request.max_choices,
            include_sub_branches=request.subbranches,
            reminder_hours=request.remind
            if request.remind is not None
            else defaults.reminder_hours,
            weights=weights,
        )

    async def _weights(
        self, ctx: Context, request: DecideRequest, branch: Branch
    ) -> dict[int, Fraction]:
        if not request.weights:
            return {}

        members = await branch_members(ctx.session, branch.id)
        weights: dict[int, Fraction] = {}
        for name, weight in request.weights.items():
            matches = [m for m in members if m.display_name.casefold() == name.casefold()]
            if len(matches) != 1:
                raise UserError(
                    _(
                        "“{name}” does not name exactly one member of {branch}.",
                        name=name[:40],
                        branch=branch.name,
                    )
                )
            weights[matches[0].id] = weight
        return weights

    async def book(self, session: AsyncSession, decision: Decision) -> None:
        """Books the decision's opening, reminders and closing in the durable scheduler."""
        did = decision.id
        if decision.opens_at > decision.created_at:
            await self.scheduler.schedule(
                session, "decision.open", decision.opens_at, {"decision": did}, f"dopen:{did}"
            )
        await self._book_closing(session, decision)

    async def _book_closing(self, session: AsyncSession, decision: Decision) -> None:

        did, stamp = decision.id, int(decision.closes_at.timestamp())
        # The key carries the closing time: an extension books a new closing, and the old
        # job, when it runs, finds the decision not yet due and does nothing.
        await self.scheduler.schedule(
            session,
            "decision.close",
            decision.closes_at,
            {"decision": did},
            f"dclose:{did}:{stamp}",
        )
        for hours in decision.reminder_hours:
            due = decision.closes_at - timedelta(hours=hours)
            if due > decision.opens_at:
                await self.scheduler.schedule(
                    session,
                    "decision.remind",
                    due,
                    {"decision": did, "hours": hours},
                    f"dremind:{did}:{stamp}:{hours}",
                )

    async def open_now(self, session: AsyncSession, outbox: Outbox, decision: Decision) -> None:
        """Snapshots the electorate and posts the decision everywhere."""
        await start(session, decision)
        await posting.post_decision(session, self.services, outbox, decision)

    # ----------------------------------------------------------------- listing

    async def list_open(self, ctx: Context, command: CommandReceived) -> None:
        """``/decisions``: what is open here (or, privately, what you can vote in)."""
        query = select(Decision).where(Decision.status == DecisionStatus.OPEN.value)
        if ctx.in_private or ctx.branch is None:
            query = query.join(Voter, Voter.decision_id == Decision.id).where(
                Voter.member_id == ctx.member.id
            )
        else:
            query = query.where(Decision.branch_id == ctx.branch.id)
        decisions = list((await ctx.session.scalars(query.order_by(Decision.id))).all())
        if not decisions:
            ctx.reply(_("No decision is open here."))
            return
        zone = ctx.branch.timezone if ctx.branch else "UTC"
        lines = [ctx.render(_("Open decisions:"))]
        for decision in decisions:
            voted = await has_voted(ctx.session, decision.id, ctx.member.id)
            line = _(
                "#{id} {question} — closes {when}",
                id=decision.id,
                question=decision.question[:80],
                when=ctx.translator.format_datetime(decision.closes_at, zone, "short"),
            )
            mark = "✓ " if voted else "• "
            lines.append(mark + ctx.render(line))
        ctx.reply("\n".join(lines))

    # ----------------------------------------------------------------- voting

    async def _decision(self, ctx: Context, raw: str) -> Decision:
        if not raw.lstrip("#").isdecimal() or len(raw) > 12:
            raise InvalidButton()
        decision = await ctx.session.get(Decision, int(raw.lstrip("#")))
        if decision is None:
            raise UserError(_("There is no decision #{id}.", id=raw.lstrip("#")[:12]))
        return decision

    async def _record(
        self,
        ctx: Context,
        decision: Decision,
        content: dict[str, object],
        receipt: str | None = None,
        *,
        privately: bool,
        weight: Fraction | None = None,
        toggling: bool = False,
    ) -> None:
        """Validates and casts a ballot, then confirms it to the voter."""
        options = await options_of(ctx.session, decision)
        rules = rules_of(decision, len(options))
        if toggling:
            rules = replace(rules, min_choices=None)
        ballot = validate(rules, content)
        result = await cast(
            ctx.session, decision, ctx.member.id, ballot, ctx.now, receipt, weight=weight
        )
        # The voter reads the options in their language (the tally keeps their indices).
        _question, labels, _text = await translated.words(
            ctx.session, decision, options, ctx.translator.language
        )
        summary = ballot_summary(decision, labels, ballot, ctx.translator)
        await self._schedule_refresh(ctx.session, decision, ctx.now)
        buttons: list[list[ButtonSpec]] = []
        if decision.secret:
            buttons = [
                [ButtonSpec(_("Change my vote"), Action("dx", (str(decision.id), result.receipt)))]
            ]
        text = receipt_text(decision, show_receipt(result.receipt), summary, result.changed)
        if privately:
            ctx.reply_privately(text, buttons)
            if not ctx.in_private:
                ctx.acknowledge(_("Your vote is recorded."))
        else:
            ctx.acknowledge(vote_acknowledgement(summary, result.changed))

    @staticmethod
    def _refresh_job(decision: Decision, now: datetime) -> tuple[datetime, dict[str, Any], str]:
        """The live message's next refresh: when, its payload, its key (one per interval)."""
        bucket = int(now.timestamp()) // REFRESH_EVERY
        due = now + timedelta(seconds=REFRESH_EVERY)
        return due, {"decision": decision.id}, f"drefresh:{decision.id}:{bucket}"

    async def _schedule_refresh(
        self, session: AsyncSession, decision: Decision, now: datetime
    ) -> None:
        """Books the live message's refresh, in ``session``'s transaction."""
        await self.scheduler.schedule(
            session, "decision.refresh", *self._refresh_job(decision, now)
        )

    async def _book_refresh_once(self, work: BatchWork, decision: Decision, now: datetime) -> None:
        """Books the refresh unless this process already booked it for this interval.

        For batched votes: a crowd's batches would otherwise try to book the same refresh
        a hundred times a second, each an INSERT that the dedup key turns away. The memo
        only spares the statement; the dedup key stays the authority across processes. A
        batch that rolls back goes the ordinary way, whose presses book unconditionally.
        """
        bucket = int(now.timestamp()) // REFRESH_EVERY
        if self._refresh_booked.get(decision.id) == bucket:
            return
        await self.scheduler.book_once(
            work.connection, "decision.refresh", *self._refresh_job(decision, now)
        )
        self._refresh_booked[decision.id] = bucket

    async def press(self, ctx: Context, action: Action) -> None:
        """A vote button on the group message (or a reminder)."""
        if len(action.args) != 2:
            raise InvalidButton()
        decision = await self._decision(ctx, action.args[0])
        method = Method(decision.method)
        if private_ballot(method, decision.secret):
            raise InvalidButton()
        ensure_open(decision, ctx.now)
        weight = await voter_weight(ctx.session, decision, ctx.member.id)
        code = action.args[1]
        if method in ONE_PRESS:
            content = decode_content(method, code)
            if method is Method.CONSENSUS and content.get("stance") == "block":
                await self._ask_reason(ctx, decision, None)
                return
        elif method is Method.APPROVAL:
            existing = await open_ballot_of(ctx.session, decision.id, ctx.member.id)
            chosen = set(existing.content["approve"]) if existing else set()
            index = DIGITS.find(code) if len(code) == 1 else -1
            chosen.symmetric_difference_update({index})
            content = {"approve": sorted(chosen)}
        else:  # time
            options = await options_of(ctx.session, decision)
            existing = await open_ballot_of(ctx.session, decision.id, ctx.member.id)
            slots = list(existing.content["slots"]) if existing else ["no"] * len(options)
            inverse = {v: k for k, v in SLOT_CODES.items()}
            index = DIGITS.find(code[0]) if len(code) == 2 else -1
            if not 0 <= index < len(slots) or code[1] not in inverse:
                raise InvalidButton()
            slots[index] = inverse[code[1]]
            content = {"slots": slots}
        # Toggling one approval at a time passes through selections below the minimum:
        # on the group message only the maximum is enforced.
        await self._record(
            ctx,
            decision,
            content,
            privately=False,
            weight=weight,
            toggling=method is Method.APPROVAL,
        )

    async def poll_answer(self, ctx: Context, actions: list[Action]) -> None:
        """A whole answer to the decision's native poll: one ballot, replacing any earlier.

        Each chosen answer is the action of a group button (``dv``); an approval vote may
        choose several, the other methods exactly one.
        """
        if any(len(a.args) != 2 for a in actions) or len({a.args[0] for a in actions}) != 1:
            raise InvalidButton()
        decision = await self._decision(ctx, actions[0].args[0])
        method = Method(decision.method)
        codes = [a.args[1] for a in actions]
        content: dict[str, object]
        if method is Method.APPROVAL:
            content = {"approve": sorted({DIGITS.find(c) if len(c) == 1 else -1 for c in codes})}
        elif method in (Method.PLURALITY, Method.MAJORITY) and len(codes) == 1:
            content = decode_content(method, codes[0])
        else:
            raise InvalidButton()
        if private_ballot(method, decision.secret):
            raise InvalidButton()
        ensure_open(decision, ctx.now)
        weight = await voter_weight(ctx.session, decision, ctx.member.id)
        await self._record(ctx, decision, content, privately=False, weight=weight)

    async def _ask_reason(self, ctx: Context, decision: Decision, receipt: str | None) -> None:
        existing = await ctx.session.get(AwaitedReason, ctx.member.id)
        if existing is not None:
            await ctx.session.delete(existing)
            await ctx.session.flush()
        ctx.session.add(
            AwaitedReason(
                member_id=ctx.member.id, decision_id=decision.id, receipt=receipt, asked_at=ctx.now
            )
        )
        await ctx.session.flush()
        ctx.reply_privately(
            _(
                "You are blocking decision #{id}. A block needs a reason: reply to me here "
                "with why you block (or /vote {id} with another answer).",
                id=decision.id,
            ),
            asks_for_text=_("Your reason"),
        )
        if not ctx.in_private:
            ctx.acknowledge(_("Tell me your reason in our private chat."))

    async def block_reason(self, ctx: Context, text: TextReceived) -> bool:
        """The reason a member owes for their block, sent privately."""
        if not ctx.in_private:
            return False
        awaited = await ctx.session.get(AwaitedReason, ctx.member.id)
        if awaited is None:
            return False
        decision = await ctx.session.get(Decision, awaited.decision_id)
        await ctx.session.delete(awaited)
        await ctx.session.flush()
        if decision is None:
            return False
        await self._record(
            ctx,
            decision,
            {"stance": "block", "reason": text.text},
            awaited.receipt,
            privately=True,
        )
        return True

    async def private_start(self, ctx: Context, action: Action) -> None:
        """The "vote privately" button: the ballot arrives in the member's DM."""
        if len(action.args) != 1:
            raise InvalidButton()
        decision = await self._decision(ctx, action.args[0])
        await self._begin_private(ctx, decision, None)

    async def change_secret(self, ctx: Context, action: Action) -> None:
        """The "change my vote" button on a secret ballot's receipt."""
        if len(action.args) != 2:
            raise InvalidButton()
        decision = await self._decision(ctx, action.args[0])
        await self._begin_private(ctx, decision, action.args[1])

    async def _begin_private(self, ctx: Context, decision: Decision, receipt: str | None) -> None:
        ensure_open(decision, ctx.now)
        await voter_weight(ctx.session, decision, ctx.member.id)
        if (
            decision.secret
            and receipt is None
            and await has_voted(ctx.session, decision.id, ctx.member.id)
        ):
            raise UserError(
                _(
                    "You have already voted in decision #{id}. To change a secret ballot, use "
                    "“Change my vote” on your receipt.",
                    id=decision.id,
                )
            )
        await self._show_step(ctx, decision, "", receipt or NO_RECEIPT)
        if not ctx.in_private:
            ctx.acknowledge(_("I have sent you a private ballot."))

    async def _show_step(self, ctx: Context, decision: Decision, code: str, receipt: str) -> None:
        """The next screen of a private ballot, from what was answered so far.

        The question and options are the voter's translation when there is one, labelled.
        """
        question, options, text = await translated.words(
            ctx.session, decision, await options_of(ctx.session, decision), ctx.translator.language
        )
        method = Method(decision.method)
        did = str(decision.id)
        header = ctx.render(_("🗳 Decision #{id}: {question}", id=decision.id, question=question))
        label = note(text, ctx.translator) if text is not None else None
        if label:
            header = f"{header}\n{label}"
        if method in RANKED:
            chosen = [DIGITS.find(c) for c in code]
            if any(not 0 <= i < len(options) for i in chosen) or len(set(chosen)) != len(chosen):
                raise InvalidButton()
            left = [i for i in range(len(options)) if i not in chosen]
            lines = [header, ""]
            if chosen:
                lines.append(ctx.render(_("Your ranking so far:")))
                lines += [f"{n}. {options[i]}" for n, i in enumerate(chosen, 1)]
                lines.append("")
            if left:
                lines.append(ctx.render(_("Choose your choice number {n}:", n=len(chosen) + 1)))
            buttons = [
                [ButtonSpec(options[i][:60], Action("dr", (did, code + DIGITS[i], receipt)))]
                for i in left
            ]
            controls = []
            if chosen:
                controls.append(ButtonSpec(_("Done"), Action("dq", (did, code, receipt))))
                controls.append(ButtonSpec(_("Start over"), Action("dr", (did, "", receipt))))
            buttons.append(controls)
            ctx.reply_privately("\n".join(lines), buttons)
            return
        if method in (Method.SCORE, Method.TIME):
            if len(code) > len(options):
                raise InvalidButton()
            if len(code) == len(options):
                await self._show_review(ctx, decision, code, receipt)
                return
            index = len(code)
            if method is Method.SCORE:
                prompt = _(
                    "Your score for “{option}” (0 = not at all, 5 = the best):",
                    option=options[index],
                )
                answers = [(str(s), str(s)) for s in range(6)]
            else:
                prompt = _("Can you make “{option}”?", option=options[index])
                answers = [(ctx.render(availability_label(a)), SLOT_CODES[a]) for a in AVAILABILITY]
            row = [
                ButtonSpec(label, Action("ds", (did, code + c, receipt))) for label, c in answers
            ]
            ctx.reply_privately(f"{header}\n\n{ctx.render(prompt)}", [row])
            return
        if method is Method.APPROVAL:
            chosen_set = {DIGITS.find(c) for c in code}
            rows = [
                [
                    ButtonSpec(
                        ("☑ " if i in chosen_set else "☐ ") + options[i][:56],
                        Action("da", (did, _toggle(code, DIGITS[i]), receipt)),
                    )
                ]
                for i in range(len(options))
            ]
            rows.append([ButtonSpec(_("Done"), Action("dq", (did, code or "-", receipt)))])
            ctx.reply_privately(
                f"{header}\n\n{ctx.render(_('Choose every option you approve of, then Done.'))}",
                rows,
            )
            return
        # Majority, plurality, consensus in secret: one choice, then review.
        buttons = [
            [ButtonSpec(label, Action("dc", (did, c, receipt)))]
            for label, c in _one_press_choices(decision, options)
        ]
        ctx.reply_privately(header, buttons)

    async def step(self, ctx: Context, action: Action) -> None:
        """The next screen of a private ballot: a preference, a score, a slot, a toggle."""
        decision, code, receipt = await self._step_args(ctx, action)
        await self._show_step(ctx, decision, code, receipt)

    async def private_choice(self, ctx: Context, action: Action) -> None:
        """A one-press answer chosen on a private ballot."""
        decision, code, receipt = await self._step_args(ctx, action)
        await self._show_review(ctx, decision, code, receipt)

    async def _step_args(self, ctx: Context, action: Action) -> tuple[Decision, str, str]:
        if len(action.args) != 3:
            raise InvalidButton()
        decision = await self._decision(ctx, action.args[0])
        ensure_open(decision, ctx.now)
        return decision, action.args[1], action.args[2]

    async def review(self, ctx: Context, action: Action) -> None:
        """The whole ballot, to confirm or start over."""
        decision, code, receipt = await self._step_args(ctx, action)
        await self._show_review(ctx, decision, code, receipt)

    async def _show_review(self, ctx: Context, decision: Decision, code: str, receipt: str) -> None:
        options = await options_of(ctx.session, decision)
        _question, labels, _text = await translated.words(
            ctx.session, decision, options, ctx.translator.language
        )
        method = Method(decision.method)
        content = decode_content(
            method, "" if code == "-" and method is not Method.APPROVAL else code
        )
        if method is Method.CONSENSUS and content.get("stance") == "block":
            await self._ask_reason(ctx, decision, None if receipt == NO_RECEIPT else receipt)
            return
        ballot = validate(rules_of(decision, len(options)), content)
        did = str(decision.id)
        restart = (
            Action("dr", (did, "", receipt))
            if method in RANKED
            else Action("ds" if method in (Method.SCORE, Method.TIME) else "da", (did, "", receipt))
        )
        if method in ONE_PRESS:
            restart = (
                Action("dp", (did,)) if receipt == NO_RECEIPT else Action("dx", (did, receipt))
            )
        ctx.reply_privately(
            _(
                "Your ballot for decision #{id}:\n{ballot}\n\nCast it?",
                id=decision.id,
                ballot=ballot_summary(decision, labels, ballot, ctx.translator),
            ),
            [
                [
                    ButtonSpec(_("Confirm"), Action("dk", (did, code, receipt))),
                    ButtonSpec(_("Start over"), restart),
                ]
            ],
        )

    async def confirm(self, ctx: Context, action: Action) -> None:
        """The voter confirmed their private ballot: cast it."""
        decision, code, receipt = await self._step_args(ctx, action)
        method = Method(decision.method)
        content = decode_content(method, code)
        await self._record(
            ctx,
            decision,
            content,
            None if receipt == NO_RECEIPT else receipt,
            privately=True,
        )

    # ----------------------------------------------------------------- text form

    async def vote_command(self, ctx: Context, command: CommandReceived) -> None:
        """``/vote [#id] answers…`` — the text form of every ballot."""
        await self._vote_words(ctx, command.args.split())

    async def vote_text(self, ctx: Context, text: TextReceived) -> bool:
        """``vote 3 1 2`` typed as plain text (on platforms where that is easier)."""
        words = text.text.split()
        if not words or words[0].casefold() != "vote":
            return False
        await self._vote_words(ctx, words[1:])
        return True

    async def _vote_words(self, ctx: Context, words: list[str]) -> None:
        receipt = None
        lowered = [w.casefold() for w in words]
        if "receipt" in lowered:
            at = lowered.index("receipt")
            if at + 1 >= len(words):
                raise UserError(_("Give your receipt after the word “receipt”."))
            receipt = normal_receipt(words[at + 1])
            words = words[:at] + words[at + 2 :]
        decision = await self._which_decision(ctx, words)
        if words and words[0].startswith("#"):
            words = words[1:]
        if decision.secret and not ctx.in_private:
            raise UserError(
                _("Decision #{id} is a secret ballot: send me your vote privately.", id=decision.id)
            )
        options = await options_of(ctx.session, decision)
        local = _local_words(ctx, decision)
        content = parse_text(rules_of(decision, len(options)), words, local)
        await self._record(ctx, decision, content, receipt, privately=True)

    async def _which_decision(self, ctx: Context, words: list[str]) -> Decision:
        first = words[0] if words else ""
        if first.startswith("#"):
            return await self._decision(ctx, first)

        query = (
            select(Decision)
            .join(Voter, Voter.decision_id == Decision.id)
            .where(Decision.status == DecisionStatus.OPEN.value, Voter.member_id == ctx.member.id)
        )
        if not ctx.in_private and ctx.branch is not None:
            query = query.where(Decision.branch_id == ctx.branch.id)
        candidates = list((await ctx.session.scalars(query.order_by(Decision.id))).all())
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise UserError(_("There is no open decision you can vote in here."))
        raise UserError(
            _(
                "Several decisions are open ({ids}): say which, like /vote #{first} …",
                ids=", ".join(f"#{d.id}" for d in candidates),
                first=candidates[0].id,
            )
        )

    # ----------------------------------------------------------------- organisers

    async def _organiser_decision(
        self, ctx: Context, command: CommandReceived
    ) -> tuple[Decision, list[str]]:
        words = command.args.split()
        if not words:
            raise UserError(_("Which decision? Give its number, like #12."))
        decision = await self._decision(ctx, words[0])
        if not await has_role(ctx.session, ctx.member.id, Role.ORGANISER, decision.branch_id):
            raise UserError(_("Only organisers of the decision's branch can do that."))
        return decision, words[1:]

    async def close_command(self, ctx: Context, command: CommandReceived) -> None:
        """``/close 12``: closes a decision early and posts its outcome."""
        decision, _rest = await self._organiser_decision(ctx, command)
        ensure_open(decision, ctx.now)
        await self.close_and_post(ctx.session, ctx.outbox, decision, ctx.now)
        if ctx.in_private:
            ctx.reply(_("Decision #{id} is closed.", id=decision.id))

    async def extend_command(self, ctx: Context, command: CommandReceived) -> None:
        """``/extend 12 24h``: moves the closing time."""
        decision, rest = await self._organiser_decision(ctx, command)
        if not rest:
            raise UserError(_("Until when? Give a duration like 24h or a date and time."))
        branch = await ctx.session.get(Branch, decision.branch_id)
        assert branch is not None
        until = when(rest[0], decision.closes_at, branch.timezone)
        await extend_decision(decision, until, ctx.now)
        await self._book_closing(ctx.session, decision)
        await posting.refresh(ctx.session, self.services, ctx.outbox, decision)
        ctx.reply(
            _(
                "Decision #{id} now closes {when}.",
                id=decision.id,
                when=ctx.translator.format_datetime(until, branch.timezone),
            )
        )

    async def cancel_command(self, ctx: Context, command: CommandReceived) -> None:
        """``/cancel 12``: the decision stops; no outcome."""
        decision, _rest = await self._organiser_decision(ctx, command)
        cancel_decision(decision)
        await ctx.session.flush()
        await posting.refresh(ctx.session, self.services, ctx.outbox, decision)
        ctx.reply(_("Decision #{id} is cancelled.", id=decision.id))

    async def close_and_post(
        self, session: AsyncSession, outbox: Outbox, decision: Decision, now: datetime
    ) -> None:
        """Closes, counts, posts the outcome everywhere and updates the live messages."""
        outcome, result = await close(session, decision, now)
        await posting.refresh(session, self.services, outbox, decision, (outcome, result))
        await posting.post_outcome(session, self.services, outbox, decision, outcome, result)
        for hook in self.after_close:
            await hook(session, outbox, decision, outcome, result)

    # ----------------------------------------------------------------- jobs

    async def _job_decision(self, job: JobContext) -> Decision | None:
        decision_id = job.job.payload.get("decision")
        if not isinstance(decision_id, int):
            return None
        return await job.session.get(Decision, decision_id)

    async def job_open(self, job: JobContext) -> None:
        """A scheduled decision's opening time has come."""
        decision = await self._job_decision(job)
        if decision is None or decision.status != DecisionStatus.SCHEDULED.value:
            return
        await self.open_now(job.session, job.outbox, decision)

    async def job_close(self, job: JobContext) -> None:
        """The deadline: close and post the outcome (also when it passed during downtime)."""
        decision = await self._job_decision(job)
        if decision is None or decision.status != DecisionStatus.OPEN.value:
            return
        if decision.closes_at > job.now:
            return  # extended since this job was booked; a later one closes it
        await self.close_and_post(job.session, job.outbox, decision, job.now)

    async def job_remind(self, job: JobContext) -> None:
        """Reminds members who have not voted, each in their language and time zone."""
        decision = await self._job_decision(job)
        if decision is None or decision.status != DecisionStatus.OPEN.value:
            return
        if job.now >= decision.closes_at:
            return
        options = await options_of(job.session, decision)
        branch = await job.session.get(Branch, decision.branch_id)
        assert branch is not None
        for member_id in await non_voters(job.session, decision.id):
            reached = await posting.reach(job.session, self.services, member_id)
            if reached is None:
                continue
            account, translator, zone = reached
            question, labels, shown = await translated.words(
                job.session, decision, options, translator.language
            )
            text = _(
                "Reminder: you have not voted yet in decision #{id} of {branch}, which closes "
                "{when} ({zone}):\n{question}",
                id=decision.id,
                branch=posting.branch_name(branch, self.services.organisation, translator.language),
                when=translator.format_datetime(decision.closes_at, zone),
                zone=zone,
                question=question,
            )
            body = translator.render(text)
            if shown is not None and (label := note(shown, translator)):
                body = f"{body}\n{label}"
            buttons = posting.vote_buttons_for_dm(decision, labels)
            if shown is not None:
                buttons.append(show_original(shown))
            job.outbox.direct(
                account.platform,
                account.external_id,
                render_message(self.services.signer, translator, body, buttons),
                instruction=posting.instruction(translator),
            )

    async def job_refresh(self, job: JobContext) -> None:
        """Edits the live messages with the current turnout (at most every few seconds)."""
        decision = await self._job_decision(job)
        if decision is None:
            return
        await posting.refresh(job.session, self.services, job.outbox, decision)


def _toggle(code: str, digit: str) -> str:
    chosen = set(code.replace("-", ""))
    chosen.symmetric_difference_update({digit})
    return "".join(sorted(chosen, key=DIGITS.find))


def _one_press_choices(decision: Decision, options: list[str]) -> list[tuple[Msg | str, str]]:
    method = Method(decision.method)
    if method is Method.MAJORITY:
        return [(_("Yes"), "y"), (_("No"), "n"), (_("Abstain"), "a")]
    if method is Method.CONSENSUS:
        return [
            (stance_label(s, decision.consent), c)
            for s, c in (("agree", "a"), ("stand_aside", "s"), ("disagree", "d"), ("block", "b"))
        ]
    return [(f"{i}. {label}"[:60], DIGITS[i - 1]) for i, label in enumerate(options, 1)]


def _local_words(ctx: Context, decision: Decision) -> dict[str, str]:
    """Answer words in the voter's language, so ``vote sí`` works as well as ``vote yes``."""
    t = ctx.translator
    method = Method(decision.method)
    words: dict[str, str] = {}
    if method is Method.MAJORITY:
        for answer, label in (("yes", _("Yes")), ("no", _("No")), ("abstain", _("Abstain"))):
            words[t.render(label).casefold()] = answer
    elif method is Method.CONSENSUS:
        for stance in ("agree", "stand_aside", "disagree", "block"):
            words[t.render(stance_label(stance, decision.consent)).casefold()] = stance
    elif method is Method.TIME:
        for answer in AVAILABILITY:
            words[t.render(availability_label(answer)).casefold()] = answer
    return words


async def _is_member_of(ctx: Context, branch: Branch) -> bool:

    if ctx.member.chapter_id is None:
        return False
    return ctx.member.chapter_id in await subtree_ids(ctx.session, branch.id)


def usage() -> Msg:
    """How to open a decision, with an example per method."""
    return _(
        "Open a decision with one line:\n"
        '/decide METHOD "Question?" "Option 1" "Option 2" … [settings]\n\n'
        "Methods:\n"
        '• majority — /decide majority "Adopt the new charter?" --threshold two_thirds\n'
        '• plurality — /decide plurality "Where do we meet?" "Library" "Café"\n'
        '• approval — /decide approval "Which topics?" "Housing" "Climate" "Work" --max 2\n'
        '• score — /decide score "Rate the proposals" "A" "B" "C"\n'
        '• irv — /decide irv "Who coordinates?" "Ana" "Ben" "Chloé" --secret\n'
        '• stv — /decide stv "Elect the committee" "Ana" "Ben" "Chloé" "Dev" --seats 2\n'
        '• schulze — /decide schulze "Which logo?" "Red" "Green" "Blue"\n'
        '• consensus — /decide consensus "Adopt the code of conduct?" (add --consent for consent)\n'
        '• time — /decide time "When do we meet?" "Sat 10:00" "Sun 16:00"\n\n'
        "Settings: --closes 48h or 2026-12-01T18:00 · --opens … · --secret · --quorum 1/2 · "
        "--threshold simple|two_thirds|three_quarters|unanimity · --seats N · --min N · "
        "--max N · --affected SLUG --others 1/2 · --weight NAME=2 · --remind 24,2 · "
        "--subbranches · --branch SLUG (when writing to me privately)"
    )
