"""Ballot contents per method: validation, the ``vote …`` text form, and reading them back.

A ballot is stored as a small JSON object whose shape depends on the method (options are
referred to by their 0-based position):

=============  =========================================================
majority       ``{"answer": "yes" | "no" | "abstain"}``
plurality      ``{"choice": 2}``
approval       ``{"approve": [0, 3]}``
score          ``{"scores": [5, 0, 3]}`` (one per option, 0–5)
irv/stv/       ``{"ranking": [2, 0, 1]}`` (most preferred first, may stop early)
schulze
consensus      ``{"stance": "block", "reason": "…"}`` (reason only with block)
time           ``{"slots": ["yes", "if_need_be", "no"]}`` (one per slot)
=============  =========================================================

Everything here is pure; errors are :class:`~core.errors.UserError` with a message the
voter reads in their language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.errors import UserError
from core.i18n.message import _, ngettext

MAX_SCORE = 5
MAX_REASON = 500


class Method(StrEnum):
    """The ways the organisation decides."""

    MAJORITY = "majority"
    PLURALITY = "plurality"
    APPROVAL = "approval"
    SCORE = "score"
    IRV = "irv"
    STV = "stv"
    SCHULZE = "schulze"
    CONSENSUS = "consensus"
    TIME = "time"


RANKED = frozenset({Method.IRV, Method.STV, Method.SCHULZE})
# Methods whose answer is one press on the group message (open decisions only).
ONE_PRESS = frozenset({Method.MAJORITY, Method.PLURALITY, Method.CONSENSUS})
WITHOUT_OPTIONS = frozenset({Method.MAJORITY, Method.CONSENSUS})
ANSWERS = ("yes", "no", "abstain")
STANCES = ("agree", "stand_aside", "disagree", "block")
AVAILABILITY = ("yes", "if_need_be", "no")


def private_ballot(method: Method, secret: bool) -> bool:
    """Whether members vote in a private ballot (DM) rather than on the group message."""
    return secret or method in RANKED or method is Method.SCORE


@dataclass(frozen=True)
class BallotRules:
    """What a valid ballot looks like for one decision."""

    method: Method
    options: int
    min_choices: int | None = None
    max_choices: int | None = None


def _option(rules: BallotRules, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < rules.options:
        shown = value + 1 if isinstance(value, int) and not isinstance(value, bool) else value
        raise UserError(
            _(
                "Option {number} does not exist: choose from 1 to {count}.",
                number=str(shown)[:12],
                count=rules.options,
            )
        )
    return value


def _distinct(rules: BallotRules, values: Sequence[Any]) -> list[int]:
    seen: list[int] = []
    for value in values:
        index = _option(rules, value)
        if index in seen:
            raise UserError(
                _(
                    "You named option {number} twice; each option can be chosen once.",
                    number=index + 1,
                )
            )
        seen.append(index)
    return seen


def validate(rules: BallotRules, content: Mapping[str, Any]) -> dict[str, Any]:
    """Checks a ballot against the decision's rules and returns its normal form.

    Raises:
        UserError: Explaining what is wrong, in words the voter can act on.
    """
    method = rules.method
    if method is Method.MAJORITY:
        answer = content.get("answer")
        if answer not in ANSWERS:
            raise UserError(_("Please answer yes, no or abstain."))
        return {"answer": answer}
    if method is Method.PLURALITY:
        return {"choice": _option(rules, content.get("choice"))}
    if method is Method.APPROVAL:
        chosen = content.get("approve")
        if not isinstance(chosen, list):
            raise UserError(_("Please choose the options you approve of."))
        approved = sorted(_distinct(rules, chosen))
        low, high = rules.min_choices or 0, rules.max_choices
        if len(approved) < low:
            raise UserError(
                ngettext(
                    "Choose at least {count} option.",
                    "Choose at least {count} options.",
                    low,
                )
            )
        if high is not None and len(approved) > high:
            raise UserError(
                ngettext("Choose at most {count} option.", "Choose at most {count} options.", high)
            )
        return {"approve": approved}
    if method is Method.SCORE:
        scores = content.get("scores")
        if not isinstance(scores, list) or len(scores) != rules.options:
            raise UserError(
                ngettext(
                    "Please give one score per option: {count} number.",
                    "Please give one score per option: {count} numbers.",
                    rules.options,
                )
            )
        for score in scores:
            if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 5:
                raise UserError(_("A score must be a whole number from 0 to {max}.", max=MAX_SCORE))
        return {"scores": list(scores)}
    if method in RANKED:
        ranking = content.get("ranking")
        if not isinstance(ranking, list) or not ranking:
            raise UserError(_("Please rank at least one option."))
        return {"ranking": _distinct(rules, ranking)}
    if method is Method.CONSENSUS:
        stance = content.get("stance")
        if stance not in STANCES:
            raise UserError(_("Please answer agree, stand aside, disagree or block."))
        if stance != "block":
            return {"stance": stance}
        reason = content.get("reason")
        reason = " ".join(reason.split())[:MAX_REASON] if isinstance(reason, str) else ""
        if not reason:
            raise UserError(_("A block needs a reason: please say why you block."))
        return {"stance": stance, "reason": reason}
    slots = content.get("slots")
    if (
        not isinstance(slots, list)
        or len(slots) != rules.options
        or any(s not in AVAILABILITY for s in slots)
    ):
        raise UserError(
            ngettext(
                "Please answer yes, maybe or no for the {count} time slot.",
                "Please answer yes, maybe or no for each of the {count} time slots.",
                rules.options,
            )
        )
    return {"slots": list(slots)}


_ANSWER_WORDS = {
    "yes": "yes",
    "y": "yes",
    "no": "no",
    "n": "no",
    "abstain": "abstain",
    "a": "abstain",
}
_SLOT_WORDS = {
    "yes": "yes",
    "y": "yes",
    "2": "yes",
    "maybe": "if_need_be",
    "?": "if_need_be",
    "m": "if_need_be",
    "1": "if_need_be",
    "no": "no",
    "n": "no",
    "0": "no",
}


def _numbers(words: Sequence[str]) -> list[int]:
    numbers: list[int] = []
    for word in words:
        if not word.isdecimal() or len(word) > 3:
            raise UserError(_("“{word}” is not an option number.", word=word[:20]))
        numbers.append(int(word))
    return numbers


def parse_text(
    rules: BallotRules, words: Sequence[str], local_words: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A ballot from the text form (``vote 3 1 2``), numbers being 1-based option numbers.

    Args:
        rules: The decision's ballot rules.
        words: What followed ``vote`` (and the decision number, if given).
        local_words: Extra answer words in the voter's language (``"sí" -> "yes"``).

    Raises:
        UserError: The words don't make a valid ballot.
    """
    method = rules.method
    lowered = [w.casefold() for w in words]
    if not lowered:
        raise UserError(_("Please say how you vote after “vote”."))
    extra = {k.casefold(): v for k, v in (local_words or {}).items()}
    if method is Method.MAJORITY:
        word = lowered[0]
        answer = extra.get(word) or _ANSWER_WORDS.get(word)
        if answer is None and word in ("1", "2", "3"):
            answer = ANSWERS[int(word) - 1]
        return validate(rules, {"answer": answer})
    if method is Method.CONSENSUS:
        word = lowered[0]
        stance = extra.get(word)
        if stance is None and word in ("1", "2", "3", "4"):
            stance = STANCES[int(word) - 1]
        return validate(rules, {"stance": stance, "reason": " ".join(words[1:])})
    if method is Method.TIME:
        slots = [extra.get(w) or _SLOT_WORDS.get(w) for w in lowered]
        return validate(rules, {"slots": slots})
    numbers = _numbers(lowered)
    if method is Method.PLURALITY:
        if len(numbers) != 1:
            raise UserError(_("Please answer with one option number."))
        return validate(rules, {"choice": numbers[0] - 1})
    if method is Method.SCORE:
        return validate(rules, {"scores": numbers})
    key = "approve" if method is Method.APPROVAL else "ranking"
    return validate(rules, {key: [n - 1 for n in numbers]})
