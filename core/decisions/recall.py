"""Recalling a delegate: a petition, then — once enough of the constituency signed — a vote.

A delegate is a member holding the organiser role for a branch; their constituency is that
branch's members. Any member of the branch may start a petition (``/recall``); when the
signatures reach ``recall_petition_share`` of the constituency, a majority decision opens in
that branch automatically, and if it passes (with its quorum) the role is withdrawn.
"""

from __future__ import annotations

import math
from datetime import timedelta
from fractions import Fraction

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions import posting
from core.decisions.ballots import Method
from core.decisions.handlers import Decisions
from core.decisions.methods.types import MajorityOutcome, Outcome, Threshold
from core.decisions.models import Decision, Petition, Signature
from core.decisions.service import NewDecision, branch_members, create, fraction, subtree_ids
from core.decisions.spec import share
from core.decisions.tally import Turnout
from core.errors import InvalidButton, UserError
from core.federation.models import Branch
from core.federation.service import branch_by_slug
from core.i18n.message import _, ngettext
from core.members import audit
from core.members.models import Member, Role, RoleGrant
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec, Context, render_message
from core.messaging.inbound import CommandReceived
from core.messaging.outbox import Outbox
from core.messaging.router import CommandSpec
from core.scheduling.scheduler import JobContext, JobKind


class Recall:
    """The recall capability, built on :class:`~core.decisions.handlers.Decisions`."""

    def __init__(self, decisions: Decisions) -> None:
        self.decisions = decisions
        self.services = decisions.services

    def register(self) -> None:
        """Adds /recall, its buttons, the petition's expiry and the follow-up of the vote."""
        self.decisions.router.command(
            CommandSpec("recall", _("Start a petition to recall a delegate"), self.recall)
        )
        self.decisions.router.action("rc", self.choose)
        self.decisions.router.action("ps", self.sign)
        self.decisions.scheduler.register("petition.expire", JobKind(self.expire))
        self.decisions.after_close.append(self.after_vote)

    async def _branch(self, ctx: Context, command: CommandReceived) -> Branch:
        slug = command.args.strip()
        if slug:
            branch = await branch_by_slug(ctx.session, slug[:64])
            if branch is None:
                raise UserError(_("There is no branch “{slug}”.", slug=slug[:64]))
            return branch
        if ctx.branch is None:
            raise UserError(_("Which branch? Use /recall in its chat, or /recall SLUG."))
        return ctx.branch

    async def _constituent(self, ctx: Context, branch: Branch) -> None:
        if ctx.member.chapter_id is None or ctx.member.chapter_id not in await subtree_ids(
            ctx.session, branch.id
        ):
            raise UserError(
                _(
                    "Only members of {branch} can petition to recall its delegates.",
                    branch=branch.name,
                )
            )

    async def recall(self, ctx: Context, command: CommandReceived) -> None:
        """``/recall``: choose the delegate to petition against."""
        branch = await self._branch(ctx, command)
        await self._constituent(ctx, branch)
        rows = await ctx.session.execute(
            select(Member.id, Member.display_name)
            .join(RoleGrant, RoleGrant.member_id == Member.id)
            .where(RoleGrant.branch_id == branch.id, RoleGrant.role == Role.ORGANISER.value)
            .order_by(Member.display_name)
        )
        delegates = rows.all()
        if not delegates:
            raise UserError(_("{branch} has no delegates to recall.", branch=branch.name))
        ctx.reply(
            _("Whose recall do you petition for, as organiser of {branch}?", branch=branch.name),
            [
                [ButtonSpec(name[:60], Action("rc", (str(branch.id), str(member_id))))]
                for member_id, name in delegates
            ],
        )

    async def choose(self, ctx: Context, action: Action) -> None:
        """A delegate chosen: open the petition (or join the open one) with a first signature."""
        if len(action.args) != 2 or not all(a.isdecimal() for a in action.args):
            raise InvalidButton()
        branch = await ctx.session.get(Branch, int(action.args[0]))
        delegate = await ctx.session.get(Member, int(action.args[1]))
        if branch is None or delegate is None:
            raise InvalidButton()
        await self._constituent(ctx, branch)
        petition = await ctx.session.scalar(
            select(Petition).where(
                Petition.branch_id == branch.id,
                Petition.delegate_id == delegate.id,
                Petition.status == "open",
            )
        )
        if petition is None:
            size = len(await branch_members(ctx.session, branch.id))
            quota = share(self.services.organisation.decisions.recall_petition_share)
            petition = Petition(
                branch_id=branch.id,
                delegate_id=delegate.id,
                role=Role.ORGANISER.value,
                opened_by=ctx.member.id,
                status="open",
                needed=str(max(1, math.ceil(quota * size))),
                closes_at=ctx.now
                + timedelta(hours=self.services.organisation.decisions.petition_hours),
                created_at=ctx.now,
            )
            ctx.session.add(petition)
            await ctx.session.flush()
            await self.decisions.scheduler.schedule(
                ctx.session,
                "petition.expire",
                petition.closes_at,
                {"petition": petition.id},
                f"petition:{petition.id}",
            )
            await self._announce(ctx.session, ctx.outbox, petition, branch, delegate)
        await self._add_signature(ctx, petition, branch, delegate)

    async def sign(self, ctx: Context, action: Action) -> None:
        """A member signs an open petition."""
        if len(action.args) != 1 or not action.args[0].isdecimal():
            raise InvalidButton()
        petition = await ctx.session.get(Petition, int(action.args[0]))
        if petition is None:
            raise InvalidButton()
        branch = await ctx.session.get(Branch, petition.branch_id)
        delegate = await ctx.session.get(Member, petition.delegate_id)
        assert branch is not None and delegate is not None
        if petition.status != "open":
            raise UserError(_("This petition is no longer collecting signatures."))
        await self._constituent(ctx, branch)
        await self._add_signature(ctx, petition, branch, delegate)

    async def _add_signature(
        self, ctx: Context, petition: Petition, branch: Branch, delegate: Member
    ) -> None:
        try:
            async with ctx.session.begin_nested():
                ctx.session.add(Signature(petition_id=petition.id, member_id=ctx.member.id))
                await ctx.session.flush()
        except IntegrityError:
            raise UserError(_("You have already signed this petition.")) from None
        count = await ctx.session.scalar(
            select(func.count()).select_from(Signature).where(Signature.petition_id == petition.id)
        )
        signed, needed = int(count or 0), int(fraction(petition.needed))
        ctx.acknowledge(
            ngettext(
                "Signed: {signed} of the {count} signature needed.",
                "Signed: {signed} of the {count} signatures needed.",
                needed,
                signed=signed,
            )
        )
        if signed >= needed:
            await self._open_vote(ctx, petition, branch, delegate)

    async def _announce(
        self,
        session: AsyncSession,
        outbox: Outbox,
        petition: Petition,
        branch: Branch,
        delegate: Member,
    ) -> None:
        for chat, chat_branch in await posting.linked_chats(session, branch.id):
            if chat.platform not in self.services.messengers:
                continue
            t = self.services.catalogs.get(chat_branch.language)
            text = _(
                "A petition asks for a vote to recall {name} as organiser of {branch}. "
                "{count} signatures open the vote.",
                name=delegate.display_name,
                branch=posting.branch_name(branch, self.services.organisation, t.language),
                count=int(fraction(petition.needed)),
            )
            outbox.post(
                chat.platform,
                chat.external_id,
                render_message(
                    self.services.signer,
                    t,
                    text,
                    [[ButtonSpec(_("Sign the petition"), Action("ps", (str(petition.id),)))]],
                ),
                instruction=posting.instruction(t),
            )

    async def _open_vote(
        self, ctx: Context, petition: Petition, branch: Branch, delegate: Member
    ) -> None:
        defaults = self.services.organisation.decisions
        petition.status = "succeeded"
        question = ctx.services.catalogs.get(branch.language).render(
            _(
                "Recall {name} as organiser of {branch}?",
                name=delegate.display_name,
                branch=branch.name,
            )
        )
        decision = await create(
            ctx.session,
            NewDecision(
                branch=branch,
                proposer=ctx.member,
                question=question,
                language=branch.language,
                method=Method.MAJORITY,
                options=(),
                opens_at=ctx.now,
                closes_at=ctx.now + timedelta(hours=defaults.recall_hours),
                threshold=Threshold(defaults.recall_threshold),
                quorum=share(defaults.quorum),
                others_weight=Fraction(1),
                reminder_hours=defaults.reminder_hours,
                recall_member_id=delegate.id,
            ),
            ctx.now,
        )
        petition.decision_id = decision.id
        await self.decisions.book(ctx.session, decision)
        await self.decisions.open_now(ctx.session, ctx.outbox, decision)

    async def after_vote(
        self,
        session: AsyncSession,
        outbox: Outbox,
        decision: Decision,
        outcome: Outcome,
        result: Turnout,
    ) -> None:
        """Withdraws the role when a recall vote passed with its quorum."""
        if decision.recall_member_id is None:
            return
        passed = isinstance(outcome, MajorityOutcome) and outcome.passed and result.met
        if not passed:
            return
        removed = await session.execute(
            delete(RoleGrant).where(
                RoleGrant.member_id == decision.recall_member_id,
                RoleGrant.branch_id == decision.branch_id,
                RoleGrant.role == Role.ORGANISER.value,
            )
        )
        if removed.rowcount:  # type: ignore[attr-defined]
            await audit.record(
                session,
                action=audit.RoleAction.REVOKE,
                actor_id=None,  # the vote did it
                subject_id=decision.recall_member_id,
                role=Role.ORGANISER,
                branch_id=decision.branch_id,
                language=None,
                now=decision.closed_at or decision.closes_at,
            )
        delegate = await session.get(Member, decision.recall_member_id)
        branch = await session.get(Branch, decision.branch_id)
        assert branch is not None
        for chat, chat_branch in await posting.linked_chats(session, decision.branch_id):
            if chat.platform not in self.services.messengers:
                continue
            t = self.services.catalogs.get(chat_branch.language)
            outbox.post(
                chat.platform,
                chat.external_id,
                render_message(
                    self.services.signer,
                    t,
                    _(
                        "{name} is recalled and no longer an organiser of {branch}.",
                        name=delegate.display_name if delegate else "?",
                        branch=posting.branch_name(branch, self.services.organisation, t.language),
                    ),
                ),
                instruction=posting.instruction(t),
            )

    async def expire(self, job: JobContext) -> None:
        """A petition that did not gather enough signatures in time lapses."""
        petition_id = job.job.payload.get("petition")
        petition = (
            await job.session.get(Petition, petition_id) if isinstance(petition_id, int) else None
        )
        if petition is not None and petition.status == "open":
            petition.status = "expired"
