"""What members read about a decision: the live message, ballots, receipts, the outcome.

Pure functions from stored values and a :class:`~core.i18n.translator.Translator` to text
and button specs; the handlers decide who gets which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from core.decisions.ballots import ANSWERS, AVAILABILITY, STANCES, Method, private_ballot
from core.decisions.models import Decision, DecisionStatus
from core.decisions.service import fraction
from core.decisions.tally import Turnout
from core.i18n.message import Msg, _, ngettext
from core.i18n.translator import Translator
from core.messaging.actions import Action
from core.messaging.context import ButtonSpec

# Button codes, one character each, so that a vote fits Telegram's 64-byte callback data.
ANSWER_CODES = {"yes": "y", "no": "n", "abstain": "a"}
STANCE_CODES = {"agree": "a", "stand_aside": "s", "disagree": "d", "block": "b"}
SLOT_CODES = {"yes": "y", "if_need_be": "m", "no": "n"}
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def method_name(decision: Decision) -> Msg:
    """The method, as members call it."""
    method = Method(decision.method)
    names: dict[Method, Msg] = {
        Method.MAJORITY: _("majority vote"),
        Method.PLURALITY: _("one choice (most votes wins)"),
        Method.APPROVAL: _("approval vote (choose all you can accept)"),
        Method.SCORE: _("score vote (0 to 5 for each option)"),
        Method.IRV: _("ranked choice (instant runoff)"),
        Method.SCHULZE: _("ranked choice (Schulze, head-to-head)"),
        Method.CONSENSUS: _("consensus"),
        Method.TIME: _("finding a time"),
    }
    if method is Method.STV and decision.stv_rules == "meek":
        return ngettext(
            "ranked choice (single transferable vote, Meek's method, {count} seat)",
            "ranked choice (single transferable vote, Meek's method, {count} seats)",
            decision.seats,
        )
    if method is Method.STV:
        return ngettext(
            "ranked choice (single transferable vote, {count} seat)",
            "ranked choice (single transferable vote, {count} seats)",
            decision.seats,
        )
    if method is Method.CONSENSUS and decision.consent:
        return _("consent (passes unless someone objects)")
    return names[method]


def threshold_line(decision: Decision) -> Msg | None:
    """The majority needed, for yes/no and consensus decisions."""
    if Method(decision.method) not in (Method.MAJORITY, Method.CONSENSUS) or decision.consent:
        return None
    lines = {
        "simple": _("Passes with more than half of the yes and no votes."),
        "two_thirds": _("Passes with at least two thirds of the yes and no votes."),
        "three_quarters": _("Passes with at least three quarters of the yes and no votes."),
        "unanimity": _("Passes only if nobody votes no."),
    }
    if Method(decision.method) is Method.CONSENSUS:
        lines = {
            "simple": _("Passes without blocks and with more agree than disagree."),
            "two_thirds": _("Passes without blocks and with two thirds agreeing."),
            "three_quarters": _("Passes without blocks and with three quarters agreeing."),
            "unanimity": _("Passes without blocks and with nobody disagreeing."),
        }
    return lines[decision.threshold]


def percent(translator: Translator, share: Fraction) -> str:
    """A share as a whole percentage in the reader's locale."""
    return translator.format_percent(float(share))


@dataclass(frozen=True)
class Live:
    """What the live message shows of the vote so far."""

    voters: int
    electorate: int
    turnout: Turnout
    totals: Mapping[str, Fraction] | None = None  # None while results are hidden


def decision_text(
    decision: Decision,
    options: Sequence[str],
    translator: Translator,
    timezone: str,
    live: Live,
    branch_name: str,
    weights: str | None = None,
    *,
    question: str | None = None,
    note: str | None = None,
) -> str:
    """The decision's message in a chat, with turnout (and live totals when visible).

    ``question`` (and ``options``) may be a translation, labelled by ``note``.
    """
    t = translator
    status = DecisionStatus(decision.status)
    lines = [
        t.render(
            _(
                "🗳 Decision #{id} · {branch} · {method}",
                id=decision.id,
                branch=branch_name,
                method=method_name(decision),
            )
        ),
        "",
        question or decision.question,
    ]
    if options:
        lines.append("")
        lines += [f"{i}. {label}" for i, label in enumerate(options, 1)]
    if note:
        lines += ["", note]
    lines.append("")
    threshold = threshold_line(decision)
    if threshold is not None:
        lines.append(t.render(threshold))
    quorum = fraction(decision.quorum)
    if quorum:
        lines.append(
            t.render(
                _(
                    "Quorum: {percent} of the electorate must take part.",
                    percent=percent(t, quorum),
                )
            )
        )
    if weights:
        lines.append(weights)
    if decision.secret:
        lines.append(t.render(_("Secret ballot: nobody can see how anyone voted.")))
    when = t.format_datetime(decision.closes_at, timezone, "medium")
    if status is DecisionStatus.SCHEDULED:
        opens = t.format_datetime(decision.opens_at, timezone, "medium")
        lines.append(t.render(_("Opens {when} ({zone}).", when=opens, zone=timezone)))
    if status is DecisionStatus.CLOSED:
        lines.append(t.render(_("Closed. The outcome is posted below.")))
    elif status is DecisionStatus.CANCELLED:
        lines.append(t.render(_("Cancelled.")))
    else:
        lines.append(t.render(_("Closes {when} ({zone}).", when=when, zone=timezone)))
    lines.append(
        t.render(
            ngettext(
                "Voted: {voters} of {count} member ({percent}).",
                "Voted: {voters} of {count} members ({percent}).",
                live.electorate,
                voters=live.voters,
                percent=percent(t, live.turnout.share),
            )
        )
    )
    if live.totals is not None and status is DecisionStatus.OPEN:
        shown = "  ·  ".join(
            f"{name}: {t.format_number(float(value))}" for name, value in live.totals.items()
        )
        lines.append(t.render(_("So far: {totals}", totals=shown)))
    return "\n".join(lines)


def weights_line(
    decision: Decision, branch_name: str, affected_name: str | None, translator: Translator
) -> str | None:
    """Who weighs what, when not everyone weighs 1 (say in proportion to being affected)."""
    parts: list[str] = []
    if affected_name is not None:
        others = fraction(decision.others_weight)
        parts.append(
            translator.render(
                _(
                    "Weights: members of {affected} count 1, the rest of {branch} {others}.",
                    affected=affected_name,
                    branch=branch_name,
                    others=str(others),
                )
            )
        )
    if decision.weight_overrides:
        parts.append(
            translator.render(
                ngettext(
                    "{count} member has a weight set by the organisers.",
                    "{count} members have a weight set by the organisers.",
                    len(decision.weight_overrides),
                )
            )
        )
    return " ".join(parts) or None


def group_buttons(decision: Decision, options: Sequence[str]) -> list[list[ButtonSpec]]:
    """The buttons under the decision's message in a group."""
    if decision.status != DecisionStatus.OPEN.value:
        return []
    did = str(decision.id)
    method = Method(decision.method)
    if private_ballot(method, decision.secret):
        return [[ButtonSpec(_("🗳 Vote privately"), Action("dp", (did,)))]]
    if method is Method.MAJORITY:
        labels = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
        return [[ButtonSpec(labels[a], Action("dv", (did, ANSWER_CODES[a]))) for a in ANSWERS]]
    if method is Method.CONSENSUS:
        return [
            [ButtonSpec(stance_label(s, decision.consent), Action("dv", (did, STANCE_CODES[s])))]
            for s in STANCES
        ]
    if method in (Method.PLURALITY, Method.APPROVAL):
        return [
            [ButtonSpec(f"{i}. {label}"[:60], Action("dv", (did, DIGITS[i - 1])))]
            for i, label in enumerate(options, 1)
        ]
    # Time: one row per slot, three answers each.
    rows = []
    for i, label in enumerate(options):
        rows.append(
            [
                ButtonSpec(f"{label} ✓"[:60], Action("dv", (did, DIGITS[i] + "y"))),
                ButtonSpec(_("maybe"), Action("dv", (did, DIGITS[i] + "m"))),
                ButtonSpec("✗", Action("dv", (did, DIGITS[i] + "n"))),
            ]
        )
    return rows


def stance_label(stance: str, consent: bool) -> Msg:
    """A consensus answer's button label."""
    labels = {
        "agree": _("Agree"),
        "stand_aside": _("Stand aside"),
        "disagree": _("Object") if consent else _("Disagree"),
        "block": _("Block"),
    }
    return labels[stance]


def availability_label(answer: str) -> Msg:
    """A time-slot answer as words."""
    labels = {"yes": _("yes"), "if_need_be": _("if need be"), "no": _("no")}
    return labels[answer]


def ballot_summary(
    decision: Decision, options: Sequence[str], content: Mapping[str, Any], translator: Translator
) -> str:
    """A ballot in words, for the voter's review and confirmation."""
    t = translator
    method = Method(decision.method)
    if method is Method.MAJORITY:
        labels = {"yes": _("Yes"), "no": _("No"), "abstain": _("Abstain")}
        return t.render(labels[content["answer"]])
    if method is Method.CONSENSUS:
        text = t.render(stance_label(content["stance"], decision.consent))
        if content.get("reason"):
            text += f" — {content['reason']}"
        return text
    if method is Method.PLURALITY:
        return str(options[content["choice"]])
    if method is Method.APPROVAL:
        if not content["approve"]:
            return t.render(_("(none)"))
        return ", ".join(options[i] for i in content["approve"])
    if method is Method.SCORE:
        return "\n".join(f"{options[i]}: {s}" for i, s in enumerate(content["scores"]))
    if method is Method.TIME:
        return "\n".join(
            f"{options[i]}: {t.render(availability_label(a))}"
            for i, a in enumerate(content["slots"])
        )
    return "\n".join(f"{n}. {options[i]}" for n, i in enumerate(content["ranking"], 1))


def encode_content(method: Method, content: Mapping[str, Any]) -> str:
    """A ballot in a few characters, for button data (the inverse of :func:`decode_content`)."""
    if method is Method.MAJORITY:
        return ANSWER_CODES[content["answer"]]
    if method is Method.CONSENSUS:
        return STANCE_CODES[content["stance"]]
    if method is Method.PLURALITY:
        return DIGITS[content["choice"]]
    if method is Method.APPROVAL:
        return "".join(DIGITS[i] for i in content["approve"]) or "-"
    if method is Method.SCORE:
        return "".join(str(s) for s in content["scores"])
    if method is Method.TIME:
        return "".join(SLOT_CODES[a] for a in content["slots"])
    return "".join(DIGITS[i] for i in content["ranking"])


def decode_content(method: Method, code: str) -> dict[str, Any]:
    """Button data back into a ballot (validated afterwards like any other ballot).

    Unknown characters become values the validation rejects, never exceptions here.
    """
    if method is Method.MAJORITY:
        inverse = {v: k for k, v in ANSWER_CODES.items()}
        return {"answer": inverse.get(code)}
    if method is Method.CONSENSUS:
        inverse = {v: k for k, v in STANCE_CODES.items()}
        return {"stance": inverse.get(code)}
    if method is Method.PLURALITY:
        return {"choice": DIGITS.find(code) if len(code) == 1 else -1}
    if method is Method.APPROVAL:
        return {"approve": [] if code == "-" else [DIGITS.find(c) for c in code]}
    if method is Method.SCORE:
        return {"scores": [int(c) if c.isdigit() else -1 for c in code]}
    if method is Method.TIME:
        inverse = {v: k for k, v in SLOT_CODES.items()}
        return {"slots": [inverse.get(c) for c in code]}
    return {"ranking": [DIGITS.find(c) for c in code]}


def receipt_text(decision: Decision, receipt: str, summary: str, changed: bool) -> Msg:
    """The private confirmation of a vote."""
    if changed:
        return _(
            "Your vote in decision #{id} is changed to:\n{ballot}\n\nReceipt: {receipt}",
            id=decision.id,
            ballot=summary,
            receipt=receipt,
        )
    return _(
        "Your vote in decision #{id} is recorded:\n{ballot}\n\nReceipt: {receipt} — keep it to "
        "find your ballot in the published list after the vote closes.",
        id=decision.id,
        ballot=summary,
        receipt=receipt,
    )


def availability_codes() -> tuple[str, ...]:
    """The time-slot answers in button order."""
    return AVAILABILITY


def vote_acknowledgement(summary: str, changed: bool) -> Msg:
    """The private note confirming a vote pressed on the group message."""
    if changed:
        return _("Your vote is changed: {ballot}", ballot=summary)
    return _("Your vote is recorded: {ballot}", ballot=summary)
