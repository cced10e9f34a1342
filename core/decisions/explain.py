"""The human explanation a chat member reads under a result, in their language.

It says who won (or whether the proposal passed) and *why*: the rounds and transfers of a
runoff, the head-to-head table of a Schulze count, the blocks and their reasons, the
majority against its threshold, the time slots' answers, every tie and how it was broken
(with the lot's seed, so anyone can redraw it), and whether the quorum was met.

Every line is one whole translatable sentence with named placeholders, so that each
language keeps its own word order; names and numbers are data filled in, numbers in the
reader's locale. The text stays chat-sized: long lists of rounds or pairs are cut with a
"… N more" line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from core.decisions.methods.types import (
    ConsensusOutcome,
    MajorityOutcome,
    Outcome,
    Round,
    SchulzeOutcome,
    Threshold,
    TieBreak,
    TieRule,
    TimeOutcome,
)
from core.i18n.message import Msg, _, ngettext, pgettext
from core.i18n.translator import Translator

#: The most characters an explanation aims for (Telegram allows 4,096 per message).
LIMIT = 3500
#: The most recipients a transfer lists (the largest); the next round's tallies show all.
MAX_MOVED = 4

# Unicode isolates keep a left-to-right name from reordering the Arabic sentence around it.
_FSI, _PDI = "\u2068", "\u2069"

_SEP = " · "


def _method_name(outcome: Outcome) -> Msg | str:
    if isinstance(outcome, ConsensusOutcome) and outcome.consent:
        return pgettext("voting method", "consent")
    names = {
        "majority": pgettext("voting method", "majority vote"),
        "plurality": pgettext("voting method", "plurality (most votes wins)"),
        "approval": pgettext("voting method", "approval voting"),
        "score": pgettext("voting method", "score voting (0 to 5)"),
        "irv": pgettext("voting method", "instant-runoff voting"),
        "stv": pgettext("voting method", "single transferable vote"),
        "schulze": pgettext("voting method", "Schulze method"),
        "consensus": pgettext("voting method", "consensus"),
        "time": pgettext("voting method", "time poll"),
    }
    return names.get(outcome.method, outcome.method)


class _Writer:
    """Formats names and numbers for one reader."""

    def __init__(self, translator: Translator) -> None:
        self.t = translator

    def __call__(self, message: Msg) -> str:
        return self.t.render(message)

    def name(self, name: str) -> str:
        return f"{_FSI}{name}{_PDI}" if self.t.rtl else name

    def names(self, names: Iterable[str]) -> str:
        # The locale's own list ("A, B and C", "A, B und C", "A وB"), not a joined fragment.
        return format_list([self.name(name) for name in names], locale=self.t.locale)

    def number(self, value: int | Fraction) -> str:
        fraction = Fraction(value)
        if fraction.denominator == 1:
            return self.t.format_number(fraction.numerator)
        # Five places: the precision STV counts in; trailing zeros dropped.
        exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
        shown = exact.quantize(Decimal("0.00001"), rounding=ROUND_HALF_EVEN).normalize()
        return format_decimal(shown, locale=self.t.locale, decimal_quantization=False)

    def percent(self, part: Fraction, whole: Fraction) -> str:
        share = Decimal(part.numerator * whole.denominator) / Decimal(
            part.denominator * whole.numerator
        )
        shown = share.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN).normalize()
        return format_percent(shown, locale=self.t.locale, decimal_quantization=False)

    def tallies(
        self, tallies: Mapping[str, Fraction], *, signed: bool = False, most: int = 15
    ) -> str:
        """``A 12 · B 10 · C 3``, best first, at most ``most`` of them then "…".

        The cut keeps a hundred-option count from making one line longer than a message.
        """
        # Best first: the reader scans for who leads. Stable for equal values.
        ordered = sorted(tallies.items(), key=lambda item: -item[1])
        sign = "+" if signed else ""
        shown = [f"{self.name(name)} {sign}{self.number(value)}" for name, value in ordered]
        if len(shown) > most:
            shown = [*shown[:most], "…"]
        return _SEP.join(shown)


def _headline(outcome: Outcome, w: _Writer) -> str:
    if isinstance(outcome, MajorityOutcome | ConsensusOutcome):
        return w(_("The proposal passed.") if outcome.passed else _("The proposal did not pass."))
    if isinstance(outcome, TimeOutcome):
        if outcome.elected:
            return w(_("Chosen time: {slot}", slot=w.name(outcome.elected[0])))
        return w(_("No time was chosen: nobody can make any of the proposed times."))
    if not outcome.elected:
        return w(_("Nobody was elected: no option received any support."))
    if outcome.seats > 1:
        return w(_("Elected: {names}", names=w.names(outcome.elected)))
    return w(_("Winner: {name}", name=w.name(outcome.elected[0])))


def _ballots_line(outcome: Outcome, w: _Writer) -> str:
    total = outcome.ballots
    if total.denominator == 1:
        n = total.numerator
        return w(ngettext("{count} ballot counted.", "{count} ballots counted.", n))
    return w(_("Ballots counted, by weight: {weight}.", weight=w.number(total)))


def _threshold_line(
    in_favour: Fraction, against: Fraction, threshold: Threshold, w: _Writer
) -> str:
    if threshold is Threshold.UNANIMITY:
        return w(_("Needed: nobody against and at least one vote for."))
    if in_favour + against == 0:
        return w(_("Nobody voted for or against."))
    percent = w.percent(in_favour, in_favour + against)
    messages = {
        Threshold.SIMPLE: _(
            "Needed: more than half of the votes for and against; {percent} were for.",
            percent=percent,
        ),
        Threshold.TWO_THIRDS: _(
            "Needed: at least two thirds of the votes for and against; {percent} were for.",
            percent=percent,
        ),
        Threshold.THREE_QUARTERS: _(
            "Needed: at least three quarters of the votes for and against; {percent} were for.",
            percent=percent,
        ),
    }
    return w(messages[threshold])


def _majority(outcome: MajorityOutcome, w: _Writer) -> list[str]:
    counts = _(
        "Yes: {yes} · No: {no} · Abstain: {abstain}",
        yes=w.number(outcome.yes),
        no=w.number(outcome.no),
        abstain=w.number(outcome.abstain),
    )
    return [w(counts), _threshold_line(outcome.yes, outcome.no, outcome.threshold, w)]


def _consensus(outcome: ConsensusOutcome, w: _Writer) -> list[str]:
    block = sum((b.weight for b in outcome.blocks), Fraction(0))
    lines = [
        w(
            _(
                "Agree: {agree} · Stand aside: {stand_aside} · Disagree: {disagree} · "
                "Block: {block}",
                agree=w.number(outcome.agree),
                stand_aside=w.number(outcome.stand_aside),
                disagree=w.number(outcome.disagree),
                block=w.number(block),
            )
        )
    ]
    if outcome.blocks:
        n = len(outcome.blocks)
        lines.append(
            w(ngettext("Blocked, for this reason:", "Blocked, for these {count} reasons:", n))
        )
        for item in outcome.blocks:
            # The member's own words: content, shown as written (not translated here).
            weight = "" if item.weight == 1 else f" (×{w.number(item.weight)})"
            lines.append(f"• “{item.reason}”{weight}")
    elif outcome.consent:
        if outcome.ballots == 0:
            lines.append(w(_("Nobody answered.")))
        elif outcome.disagree:
            lines.append(
                w(
                    _(
                        "Consent needs that nobody objects; {disagree} disagreed.",
                        disagree=w.number(outcome.disagree),
                    )
                )
            )
        else:
            lines.append(w(_("Nobody objected.")))
    else:
        lines.append(_threshold_line(outcome.agree, outcome.disagree, outcome.threshold, w))
    return lines


def _time(outcome: TimeOutcome, w: _Writer) -> list[str]:
    chosen = outcome.elected[0] if outcome.elected else None
    lines = []
    for slot, tally in outcome.slots.items():
        line = w(
            _(
                "{slot}: {yes} yes, {if_need_be} if need be, {no} no",
                slot=w.name(slot),
                yes=w.number(tally.yes),
                if_need_be=w.number(tally.if_need_be),
                no=w.number(tally.no),
            )
        )
        lines.append(("✓ " if slot == chosen else "• ") + line)
    return lines


def _totals(outcome: Outcome, w: _Writer) -> list[str]:
    if not outcome.totals:
        return []
    tallies = w.tallies(outcome.totals)
    if outcome.method == "approval":
        return [w(_("Approvals: {tallies}", tallies=tallies))]
    if outcome.method == "score":
        return [w(_("Points: {tallies}", tallies=tallies))]
    return [w(_("Votes: {tallies}", tallies=tallies))]


def _schulze(outcome: SchulzeOutcome, w: _Writer, budget: int) -> list[str]:
    lines = []
    if outcome.condorcet_winner is not None:
        name = w.name(outcome.condorcet_winner)
        lines.append(
            w(_("Condorcet winner: {name} beats every other option head to head.", name=name))
        )
    else:
        lines.append(w(_("No option beats every other head to head; the strongest paths decide.")))
    if outcome.ranking:
        lines.append(w(_("Order: {ranking}", ranking=" > ".join(map(w.name, outcome.ranking)))))
    order = list(outcome.ranking) or list(outcome.pairwise)
    pairs = [
        f"{w.name(a)} {w.number(outcome.pairwise[a].get(b, Fraction(0)))} – "
        f"{w.number(outcome.pairwise[b].get(a, Fraction(0)))} {w.name(b)}"
        for i, a in enumerate(order)
        for b in order[i + 1 :]
        if a in outcome.pairwise and b in outcome.pairwise
    ]
    if pairs:
        lines.append(w(_("Head to head (ballots preferring one over the other):")))
        shown, _indices = _fit(
            pairs,
            budget - _size(lines),
            lambda n: ngettext("… {count} more pair", "… {count} more pairs", n),
            w,
            keep_last=False,
        )
        lines.extend(shown)
    return lines


def _transfer_sentence(round_: Round, w: _Writer) -> str | None:
    transfer = round_.transfer
    if transfer is None:
        return None
    moved = {name: value for name, value in transfer.moved.items() if value > 0}
    if not moved:
        return None
    tallies = w.tallies(moved, signed=True, most=MAX_MOVED)
    if transfer.kind == "surplus":
        return w(
            _(
                "{name}'s surplus moves on at a value of {value}: {moved}.",
                name=w.name(transfer.source),
                value=w.number(transfer.value),
                moved=tallies,
            )
        )
    return w(_("{name}'s votes move on: {moved}.", name=w.name(transfer.source), moved=tallies))


def _round_line(round_: Round, w: _Writer) -> str:
    tallies = w.tallies(round_.tallies)
    if round_.exhausted:
        head = _(
            "Round {number}: {tallies}; exhausted {exhausted}.",
            number=round_.number,
            tallies=tallies,
            exhausted=w.number(round_.exhausted),
        )
    else:
        head = _("Round {number}: {tallies}.", number=round_.number, tallies=tallies)
    parts = [w(head)]
    if round_.tie_break is not None:
        parts.append(_tie_sentence(round_.tie_break, w) or "")
    if round_.elected:
        n = len(round_.elected)
        parts.append(
            w(
                ngettext(
                    "{names} is elected.", "{names} are elected.", n, names=w.names(round_.elected)
                )
            )
        )
    if round_.eliminated:
        n = len(round_.eliminated)
        parts.append(
            w(
                ngettext(
                    "{names} is eliminated.",
                    "{names} are eliminated.",
                    n,
                    names=w.names(round_.eliminated),
                )
            )
        )
    transfer = _transfer_sentence(round_, w)
    if transfer:
        parts.append(transfer)
    return " ".join(part for part in parts if part)


def _quota_line(rounds: Sequence[Round], w: _Writer) -> str | None:
    quotas = [r.quota for r in rounds if r.quota is not None]
    if not quotas:
        return None
    if len(set(quotas)) == 1:
        return w(_("Quota to be elected: {quota}.", quota=w.number(quotas[0])))
    return w(
        _(
            "Quota to be elected: from {first} down to {last}.",
            first=w.number(quotas[0]),
            last=w.number(quotas[-1]),
        )
    )


def _rounds(outcome: Outcome, w: _Writer, budget: int) -> tuple[list[str], set[TieBreak]]:
    """The quota and round lines, and the tie-breaks those lines already tell."""
    lines = []
    quota = _quota_line(outcome.rounds, w)
    if quota:
        lines.append(quota)
    rounds, shown = _fit(
        [_round_line(r, w) for r in outcome.rounds],
        budget - _size(lines),
        lambda n: ngettext("… {count} more round", "… {count} more rounds", n),
        w,
        keep_last=True,
    )
    lines.extend(rounds)
    told = {tie for index in shown if (tie := outcome.rounds[index].tie_break) is not None}
    return lines, told


def _tie_sentence(tie: TieBreak, w: _Writer) -> str | None:
    names = w.names(tie.among)
    name = w.name(tie.chosen)
    eliminate = tie.purpose == "eliminate"
    if tie.purpose not in ("elect", "eliminate", "surplus"):
        return None  # ties that only ordered the losers decide nothing a reader needs
    if tie.purpose == "surplus":
        if tie.rule is TieRule.LOT:
            return w(
                _(
                    "Tie between {names} for whose surplus moves first: a lot drawn with "
                    "seed “{seed}” chose {name}.",
                    names=names,
                    seed=tie.seed or "",
                    name=name,
                )
            )
        return w(
            _(
                "Tie between {names} for whose surplus moves first: {name} had more votes in "
                "an earlier round.",
                names=names,
                name=name,
            )
        )
    if tie.rule is TieRule.LOT:
        seed = tie.seed or ""
        if eliminate:
            return w(
                _(
                    "Tie between {names} for elimination: a lot drawn with seed “{seed}” "
                    "eliminated {name}.",
                    names=names,
                    seed=seed,
                    name=name,
                )
            )
        return w(
            _(
                "Tie between {names}: a lot drawn with seed “{seed}” chose {name}.",
                names=names,
                seed=seed,
                name=name,
            )
        )
    if tie.rule is TieRule.EARLIER_ROUNDS:
        if eliminate:
            return w(
                _(
                    "Tie between {names} for elimination: {name} had fewer votes in an "
                    "earlier round.",
                    names=names,
                    name=name,
                )
            )
        return w(
            _(
                "Tie between {names}: {name} had more votes in an earlier round.",
                names=names,
                name=name,
            )
        )
    if tie.rule is TieRule.MORE_TOP_SCORES:
        return w(
            _(
                "Tie between {names}: {name} was given the top score more often.",
                names=names,
                name=name,
            )
        )
    return w(
        _("Tie between {names}: more people said a plain yes to {name}.", names=names, name=name)
    )


def _size(lines: Sequence[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _fit(
    items: Sequence[str],
    budget: int,
    more: Callable[[int], Msg],
    w: _Writer,
    *,
    keep_last: bool,
) -> tuple[list[str], list[int]]:
    """As many of ``items`` as fit in ``budget`` characters, then a "… N more" line.

    With ``keep_last`` the last item is always shown (a count's final round is the one that
    decides), after the "… N more" line.

    Returns:
        The lines to show and the indices of the items among them.
    """
    if _size(items) <= budget:
        return list(items), list(range(len(items)))
    last = [len(items) - 1] if keep_last and items else []
    # Room for the "… N more" line (rendered with the largest count it could show).
    reserve = sum(len(items[i]) + 1 for i in last) + len(w(more(len(items)))) + 1
    shown: list[int] = []
    used = 0
    for index in range(len(items) - len(last)):
        if used + len(items[index]) + 1 > budget - reserve:
            break
        shown.append(index)
        used += len(items[index]) + 1
    hidden = len(items) - len(shown) - len(last)
    lines = [items[i] for i in shown] + [w(more(hidden))] + [items[i] for i in last]
    return lines, shown + last


def explain(outcome: Outcome, translator: Translator, *, quorum_met: bool | None = None) -> str:
    """The explanation of ``outcome`` in the translator's language.

    Args:
        outcome: Any counting method's outcome.
        translator: The reader's translator (language and number formats).
        quorum_met: Whether the decision reached its quorum; None when it has none.

    Returns:
        Plain text, one fact per line, aiming for at most :data:`LIMIT` characters.
    """
    w = _Writer(translator)
    lines = [_headline(outcome, w)]
    if quorum_met is False:
        # First, because it overrides what the count says.
        lines.insert(0, w(_("Quorum not met, so the result does not stand.")))
    elif quorum_met:
        lines.append(w(_("Quorum met.")))
    lines.append(w(_("Method: {method}", method=_method_name(outcome))))
    if not isinstance(outcome, MajorityOutcome | ConsensusOutcome):
        lines.append(_ballots_line(outcome, w))

    shown_ties: set[TieBreak] = set()
    if isinstance(outcome, MajorityOutcome):
        lines.extend(_majority(outcome, w))
    elif isinstance(outcome, ConsensusOutcome):
        lines.extend(_consensus(outcome, w))
    elif isinstance(outcome, TimeOutcome):
        lines.extend(_time(outcome, w))
    elif isinstance(outcome, SchulzeOutcome):
        lines.extend(_schulze(outcome, w, LIMIT - _size(lines) - 300))
    elif outcome.rounds:
        body, shown_ties = _rounds(outcome, w, LIMIT - _size(lines) - 300)
        lines.extend(body)
    else:
        lines.extend(_totals(outcome, w))

    for tie in outcome.tie_breaks:
        if tie in shown_ties:
            continue
        sentence = _tie_sentence(tie, w)
        if sentence and sentence not in lines:
            lines.append(sentence)
    return _clip(lines)


def _clip(lines: list[str]) -> str:
    """The text, cut at a line boundary if it still runs over :data:`LIMIT` (huge ballots)."""
    text = "\n".join(lines)
    if len(text) <= LIMIT:
        return text
    kept: list[str] = []
    for line in lines:
        if _size(kept) + len(line) > LIMIT - 2:
            break
        kept.append(line)
    return "\n".join([*kept, "…"])
