"""``/export``: a decision's anonymised ballots as JSON, CSV and (ranked) ``.blt`` files.

Anyone in the decision's branch may export once it has closed (that is the published list
in which voters find their receipts); organisers may export an open, non-secret decision
before it closes. Secret results stay hidden until close, for everyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from core.decisions.ballots import RANKED, Method
from core.decisions.files.blt import write_blt
from core.decisions.files.exchange import Ballot as ExportBallot
from core.decisions.files.exchange import BallotFile, write_csv, write_json
from core.decisions.models import Decision, DecisionStatus
from core.decisions.service import ballots_of, options_of, subtree_ids
from core.decisions.tally import ranked_profile
from core.errors import UserError
from core.i18n.message import _
from core.members.models import Role
from core.members.service import has_role
from core.messaging.context import Context
from core.messaging.inbound import CommandReceived
from core.messaging.outbound import Attachment, OutgoingMessage
from core.messaging.router import CommandSpec, Router


def export_ballot(
    method: Method, options: Sequence[str], content: dict[str, Any], weight: Fraction, receipt: str
) -> ExportBallot:
    """A stored ballot in the exchange format, options by name."""
    if method is Method.MAJORITY:
        return ExportBallot(weight, answer=content["answer"], receipt=receipt)
    if method is Method.CONSENSUS:
        return ExportBallot(
            weight, stance=content["stance"], reason=content.get("reason"), receipt=receipt
        )
    if method is Method.PLURALITY:
        return ExportBallot(weight, choice=options[content["choice"]], receipt=receipt)
    if method is Method.APPROVAL:
        return ExportBallot(
            weight, approve=tuple(options[i] for i in content["approve"]), receipt=receipt
        )
    if method is Method.SCORE:
        return ExportBallot(
            weight,
            scores={options[i]: s for i, s in enumerate(content["scores"])},
            receipt=receipt,
        )
    if method is Method.TIME:
        return ExportBallot(
            weight,
            slots={options[i]: a for i, a in enumerate(content["slots"])},
            receipt=receipt,
        )
    return ExportBallot(
        weight, ranking=tuple(options[i] for i in content["ranking"]), receipt=receipt
    )


def export_files(
    decision: Decision,
    options: Sequence[str],
    stored: Sequence[tuple[dict[str, Any], Fraction, str]],
) -> list[Attachment]:
    """The export files of a decision."""
    method = Method(decision.method)
    names = tuple(options) if options else _implicit_options(method)
    bundle = BallotFile(
        options=names,
        ballots=tuple(export_ballot(method, options, c, w, r) for c, w, r in stored),
        seats=decision.seats,
        title=decision.question,
        method=method.value,
    )
    stem = f"decision-{decision.id}"
    files = [
        Attachment(f"{stem}.json", write_json(bundle).encode(), "application/json"),
        Attachment(f"{stem}.csv", write_csv(bundle).encode(), "text/csv"),
    ]
    if method in RANKED:
        profile = ranked_profile(options, ((c["ranking"], w) for c, w, _r in stored))
        text = write_blt(profile, decision.seats, decision.question)
        files.append(Attachment(f"{stem}.blt", text.encode(), "text/plain"))
    return files


def _implicit_options(method: Method) -> tuple[str, ...]:
    if method is Method.MAJORITY:
        return ("yes", "no", "abstain")
    return ("agree", "stand_aside", "disagree", "block")


class Export:
    """The /export command."""

    def __init__(self, router: Router) -> None:
        self.router = router

    def register(self) -> None:
        """Adds /export."""
        self.router.command(
            CommandSpec(
                "export",
                _("Get a decision's anonymised ballots as files: /export 12"),
                self.export,
            )
        )

    async def export(self, ctx: Context, command: CommandReceived) -> None:
        """Sends the files privately to whoever asked, if they may have them."""
        words = command.args.split()
        if not words:
            raise UserError(_("Which decision? Give its number, like #12."))
        raw = words[0].lstrip("#")
        if not raw.isdecimal() or len(raw) > 12:
            raise UserError(_("Which decision? Give its number, like #12."))
        decision = await ctx.session.get(Decision, int(raw))
        if decision is None:
            raise UserError(_("There is no decision #{id}.", id=raw))
        organiser = await has_role(ctx.session, ctx.member.id, Role.ORGANISER, decision.branch_id)
        closed = decision.status == DecisionStatus.CLOSED.value
        in_branch = ctx.member.chapter_id is not None and ctx.member.chapter_id in (
            await subtree_ids(ctx.session, decision.branch_id)
        )
        if not closed:
            if decision.secret or not organiser:
                raise UserError(
                    _("The ballots of decision #{id} are published when it closes.", id=decision.id)
                )
        elif not (organiser or in_branch):
            raise UserError(_("Only members of the decision's branch can export its ballots."))
        options = await options_of(ctx.session, decision)
        stored = await ballots_of(ctx.session, decision.id)
        files = export_files(decision, options, stored)
        ctx.reply_privately(
            _(
                "The anonymised ballots of decision #{id}, in {count} files. Each ballot "
                "carries its receipt code.",
                id=decision.id,
                count=len(files),
            )
        )
        for attachment in files:
            message = OutgoingMessage(attachment.filename, file=attachment, rtl=ctx.translator.rtl)
            ctx.outbox.direct(
                ctx.inbound.platform,
                ctx.account.external_id,
                message,
                instruction=ctx.instruction(),
            )
        if not ctx.in_private:
            ctx.reply(_("I have sent you the files privately."), confirms_private=True)
