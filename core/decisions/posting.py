"""Putting a decision in front of people: every linked chat on every platform, and DMs.

Used by the handlers (a decision opened now) and by the jobs (opened on schedule, turnout
refreshed, reminders, the outcome at close) alike; each reader gets their own language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config.organisation import OrganisationConfig
from core.decisions.ballots import Method, private_ballot
from core.decisions.chart import chart_png
from core.decisions.explain import explain
from core.decisions.methods.types import Outcome
from core.decisions.models import Decision, DecisionStatus
from core.decisions.render import Live, decision_text, group_buttons, weights_line
from core.decisions.service import grouped_ballots, options_of, subtree_ids, turnout
from core.decisions.tally import Turnout
from core.federation.models import Branch, Chat
from core.i18n.message import Msg, _
from core.i18n.translator import Translator
from core.members.models import Member, PlatformAccount
from core.members.service import language_of
from core.messaging.context import ButtonSpec, Services, render_message
from core.messaging.inbound import ChatKind
from core.messaging.outbound import Attachment, Button, OutgoingMessage, Poll
from core.messaging.outbox import Outbox, posted_messages
from core.translation import decisions as translated
from core.translation.content import Rendition, note, read_content, show_original


def tag(decision: Decision) -> str:
    """The tag under which a decision's live messages are recorded."""
    return f"decision:{decision.id}"


def branch_name(branch: Branch, organisation: OrganisationConfig, language: str) -> str:
    """A branch's name in ``language``."""
    configured = organisation.branch(branch.slug)
    return configured.display_name(language) if configured else branch.name


def instruction(translator: Translator) -> str:
    """The "reply with a number" line for platforms without buttons."""
    return translator.render(_("Reply with the number of your choice."))


async def linked_chats(
    session: AsyncSession, branch_id: int, include_sub_branches: bool = False
) -> list[tuple[Chat, Branch]]:
    """The group chats of a branch (and of the branches below it, if asked)."""
    ids = await subtree_ids(session, branch_id) if include_sub_branches else {branch_id}
    rows = await session.execute(
        select(Chat, Branch)
        .join(Branch, Chat.branch_id == Branch.id)
        .where(Chat.branch_id.in_(ids), Chat.kind == ChatKind.GROUP.value)
        .order_by(Chat.id)
    )
    return [(chat, branch) for chat, branch in rows.all()]


async def live_state(session: AsyncSession, decision: Decision, options: Sequence[str]) -> Live:
    """Turnout, and the running totals when results are not hidden."""
    voters, size, result = await turnout(session, decision)
    totals = None
    method = Method(decision.method)
    if not decision.secret and method in (
        Method.MAJORITY,
        Method.PLURALITY,
        Method.APPROVAL,
        Method.CONSENSUS,
    ):
        totals = await _running_totals(session, decision, method, options)
    return Live(voters, size, result, totals)


async def _running_totals(
    session: AsyncSession, decision: Decision, method: Method, options: Sequence[str]
) -> dict[str, Fraction]:
    rows = await grouped_ballots(session, decision.id)
    totals: dict[str, Fraction] = {}
    labels: list[str]
    if method is Method.MAJORITY:
        labels = ["yes", "no", "abstain"]
    elif method is Method.CONSENSUS:
        labels = ["agree", "stand_aside", "disagree", "block"]
    else:
        labels = list(options)
    for label in labels:
        totals[label] = Fraction(0)
    for content, w in rows:
        if method is Method.MAJORITY:
            totals[content["answer"]] += w
        elif method is Method.CONSENSUS:
            totals[content["stance"]] += w
        elif method is Method.PLURALITY:
            totals[options[content["choice"]]] += w
        else:
            for index in content["approve"]:
                totals[options[index]] += w
    return totals


def _localise_totals(
    totals: dict[str, Fraction], method: Method, t: Translator
) -> dict[str, Fraction]:
    if method is Method.MAJORITY:
        names: dict[str, Msg] = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
    elif method is Method.CONSENSUS:
        names = {
            "agree": _("Agree"),
            "stand_aside": _("Stand aside"),
            "disagree": _("Disagree"),
            "block": _("Block"),
        }
    else:
        return totals
    return {t.render(names[k]): v for k, v in totals.items()}


def chart_labels(translator: Translator) -> dict[str, str]:
    """The chart's bar labels for answers and stances, in the reader's language."""
    names: dict[str, Msg] = {
        "yes": _("Yes"),
        "no": _("No"),
        "abstain": _("Abstain"),
        "agree": _("Agree"),
        "stand_aside": _("Stand aside"),
        "disagree": _("Disagree"),
        "block": _("Block"),
        "if_need_be": _("if need be"),
    }
    return {key: translator.render(msg) for key, msg in names.items()}


def weights_of(
    services: Services,
    decision: Decision,
    branch: Branch,
    affected: Branch | None,
    translator: Translator,
) -> str | None:
    """The weights line in one language, if anyone weighs other than 1."""
    language = translator.language
    return weights_line(
        decision,
        branch_name(branch, services.organisation, language),
        branch_name(affected, services.organisation, language) if affected else None,
        translator,
    )


async def affected_branch(session: AsyncSession, decision: Decision) -> Branch | None:
    """The sub-branch a decision mainly affects, if one was named."""
    if decision.affected_branch_id is None:
        return None
    return await session.get(Branch, decision.affected_branch_id)


def decision_message(
    services: Services,
    decision: Decision,
    options: Sequence[str],
    live: Live,
    branch: Branch,
    translator: Translator,
    timezone: str,
    affected: Branch | None = None,
    outcome: str | None = None,
    text: Rendition | None = None,
) -> OutgoingMessage:
    """The decision's group message for one language.

    ``outcome`` is set once it is closed (platforms that show it as their own poll end
    the poll with it); ``text`` is its question and options in that language, when they
    are translated.
    """
    label = None
    if text is not None and text.translated:
        options, label = list(text.parts[1:]), note(text, translator)
    shown = live
    if live.totals is not None:
        shown = Live(
            live.voters,
            live.electorate,
            live.turnout,
            _localise_totals(dict(live.totals), Method(decision.method), translator),
        )
    body = decision_text(
        decision,
        options,
        translator,
        timezone,
        shown,
        branch_name(branch, services.organisation, translator.language),
        weights_of(services, decision, branch, affected, translator),
        question=text.parts[0] if text is not None and label else None,
        note=label,
    )
    votes = group_buttons(decision, options)
    buttons = list(votes)
    if text is not None:
        buttons.append(show_original(text))
    message = render_message(services.signer, translator, body, buttons)
    # The poll's answers are the vote buttons only ("Show original" is no answer).
    answers = render_message(services.signer, translator, body, votes).all_buttons()
    question = text.parts[0] if text is not None and label else decision.question
    return replace(message, poll=native_poll(decision, len(options), answers, outcome, question))


def native_poll(
    decision: Decision,
    option_count: int,
    answers: Sequence[Button],
    outcome: str | None,
    question: str,
) -> Poll | None:
    """The decision as a platform's own poll, for the methods a poll can carry.

    Its answers are the vote buttons, so a poll answer is the same signed action as a
    press (or a numbered reply) and lands in the same tally.
    """
    method = Method(decision.method)
    if method not in (Method.PLURALITY, Method.APPROVAL, Method.MAJORITY):
        return None
    if private_ballot(method, decision.secret):
        return None
    status = DecisionStatus(decision.status)
    closed = status in (DecisionStatus.CLOSED, DecisionStatus.CANCELLED)
    most = (decision.max_choices or option_count) if method is Method.APPROVAL else 1
    return Poll(
        question=question,
        answers=tuple(answers),
        max_selections=most,
        disclosed=not decision.secret,
        closed=closed,
        outcome=outcome if closed else None,
    )


async def post_decision(
    session: AsyncSession, services: Services, outbox: Outbox, decision: Decision
) -> int:
    """Posts the decision in every linked chat on every attached platform; returns how many."""
    options = await options_of(session, decision)
    live = await live_state(session, decision, options)
    home = await session.get(Branch, decision.branch_id)
    assert home is not None
    affected = await affected_branch(session, decision)
    posted = 0
    chats = await linked_chats(session, decision.branch_id, decision.include_sub_branches)
    chats = [(chat, branch) for chat, branch in chats if chat.platform in services.messengers]
    content = await translated.ensure(
        session, decision, options, {b.language for _c, b in chats}, services.clock.now()
    )
    for chat, branch in chats:
        translator = services.catalogs.get(branch.language)
        text = await read_content(session, content, branch.language)
        message = decision_message(
            services,
            decision,
            options,
            live,
            home,
            translator,
            branch.timezone,
            affected,
            text=text,
        )
        outbox.post(
            chat.platform,
            chat.external_id,
            message,
            instruction=instruction(translator),
            tag=tag(decision),
            language=branch.language,
        )
        posted += 1
    return posted


async def refresh(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    decision: Decision,
    ended: tuple[Outcome, Turnout] | None = None,
) -> None:
    """Edits every posted copy of the decision to show the current state.

    ``ended`` is the outcome when the decision has just closed: platforms that show the
    decision as their own poll end it with that text.
    """
    messages = await posted_messages(session, tag(decision))
    if not messages:
        return
    options = await options_of(session, decision)
    live = await live_state(session, decision, options)
    home = await session.get(Branch, decision.branch_id)
    assert home is not None
    affected = await affected_branch(session, decision)
    for posted in messages:
        translator = services.catalogs.get(posted.language or None)
        chat = await session.scalar(
            select(Chat).where(Chat.platform == posted.platform, Chat.external_id == posted.chat_id)
        )
        zone = home.timezone
        if chat is not None and chat.branch_id is not None:
            chat_branch = await session.get(Branch, chat.branch_id)
            zone = chat_branch.timezone if chat_branch else zone
        outcome = None
        if ended is not None:
            weights = weights_of(services, decision, home, affected, translator)
            outcome = outcome_text(
                decision, *ended, live.voters, live.electorate, translator, weights
            )
        text = await translated.shown(session, decision, translator.language)
        outbox.edit(
            posted,
            decision_message(
                services,
                decision,
                options,
                live,
                home,
                translator,
                zone,
                affected,
                outcome=outcome,
                text=text,
            ),
        )


async def reach(
    session: AsyncSession, services: Services, member_id: int
) -> tuple[PlatformAccount, Translator, str] | None:
    """How to write to a member: account, translator and time zone.

    The account is the most recently seen one on an attached platform; None when the member
    cannot be reached on any.
    """
    member = await session.get(Member, member_id)
    if member is None:
        return None
    accounts = await session.scalars(
        select(PlatformAccount)
        .where(PlatformAccount.member_id == member_id)
        .order_by(PlatformAccount.last_seen_at.desc())
    )
    for account in accounts.all():
        if account.platform not in services.messengers:
            continue
        language = language_of(
            member.language,
            account.language_hint,
            None,
            services.organisation.organisation.languages,
            services.organisation.organisation.default_language,
        )
        zone = member.timezone
        if zone is None and member.chapter_id is not None:
            chapter = await session.get(Branch, member.chapter_id)
            zone = chapter.timezone if chapter else None
        return account, services.catalogs.get(language), zone or "UTC"
    return None


def outcome_text(
    decision: Decision,
    outcome: Outcome,
    result: Turnout,
    voters: int,
    electorate: int,
    translator: Translator,
    weights: str | None = None,
) -> str:
    """The outcome as members read it: what was decided, why, and the turnout."""
    t = translator
    lines = [
        t.render(_("🗳 Outcome of decision #{id}", id=decision.id)),
        decision.question,
        "",
        explain(outcome, t, quorum_met=result.met if result.quorum else None),
        "",
        t.render(
            _(
                "Turnout: {voters} of {count} ({percent} of the electorate's weight).",
                voters=voters,
                count=electorate,
                percent=t.format_percent(float(result.share)),
            )
        ),
        t.render(_("Seed for any lot: {seed}", seed=decision.seed)),
    ]
    if weights:
        lines.insert(-1, weights)
    if decision.secret:
        lines.append(
            t.render(
                _("Check your ballot by its receipt in the list: /export {id}", id=decision.id)
            )
        )
    return "\n".join(lines)


async def post_outcome(
    session: AsyncSession,
    services: Services,
    outbox: Outbox,
    decision: Decision,
    outcome: Outcome,
    result: Turnout,
) -> None:
    """Posts the outcome, with its chart, in every linked chat, in each chat's language."""
    voters, size, _turnout = await turnout(session, decision)
    home = await session.get(Branch, decision.branch_id)
    assert home is not None
    affected = await affected_branch(session, decision)
    for chat, branch in await linked_chats(
        session, decision.branch_id, decision.include_sub_branches
    ):
        messenger = services.messengers.get(chat.platform)
        if messenger is None:
            continue
        translator = services.catalogs.get(branch.language)
        weights = weights_of(services, decision, home, affected, translator)
        text = outcome_text(decision, outcome, result, voters, size, translator, weights)
        image = None
        if messenger.capabilities.images:
            png = chart_png(
                outcome,
                decision.question[:80],
                chart_labels(translator),
                rtl=translator.rtl,
                number_format=translator.format_number,
            )
            if png is not None:
                image = Attachment(f"decision-{decision.id}.png", png, "image/png")
        message = OutgoingMessage(text, image=image, rtl=translator.rtl)
        outbox.post(chat.platform, chat.external_id, message, instruction=instruction(translator))


def vote_buttons_for_dm(decision: Decision, options: Sequence[str]) -> list[list[ButtonSpec]]:
    """The decision's voting buttons, usable from a private message too."""
    return group_buttons(decision, options)
