"""Reading ``/decide`` lines: the method, the question, the options and the settings.

``/decide METHOD "Question?" ["Option" …] [--closes 48h] [--secret] …`` — quoted with
straight or typographic quotes. Times are a duration (``90m``, ``48h``, ``3d``, ``2w``)
from now, or a local date and time (``2026-12-01T18:00``) in the branch's time zone.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from core.decisions.ballots import Method
from core.decisions.methods.stv import StvRules
from core.decisions.methods.types import Threshold
from core.errors import UserError
from core.i18n.message import _

MAX_LINE = 4000
_DURATION = re.compile(r"^(\d{1,4})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_FLAGS_WITH_VALUE = frozenset(
    {
        "closes",
        "opens",
        "quorum",
        "threshold",
        "seats",
        "rules",
        "min",
        "max",
        "affected",
        "others",
        "remind",
        "branch",
        "weight",
    }
)
_SWITCHES = frozenset({"secret", "consent", "subbranches"})


@dataclass
class DecideRequest:
    """A parsed ``/decide`` line (values still to be checked against the branch)."""

    method: Method
    question: str
    options: list[str]
    closes: str | None = None
    opens: str | None = None
    quorum: Fraction | None = None
    threshold: Threshold | None = None
    seats: int = 1
    rules: StvRules = StvRules.SCOTTISH
    min_choices: int | None = None
    max_choices: int | None = None
    affected: str | None = None
    others: Fraction | None = None
    remind: tuple[int, ...] | None = None
    branch: str | None = None
    weights: dict[str, Fraction] = field(default_factory=dict)
    secret: bool = False
    consent: bool = False
    subbranches: bool = False


def _words(text: str) -> list[str]:
    normal = text.replace("“", '"').replace("”", '"').replace("„", '"').replace("«", '"')
    normal = normal.replace("»", '"')
    try:
        return shlex.split(normal)
    except ValueError:
        raise UserError(_("A quotation mark is not closed.")) from None


def share(text: str) -> Fraction:
    """A share written as ``1/2``, ``0.5`` or ``50%``.

    Raises:
        UserError: Not a number between 0 and 1.
    """
    try:
        value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise UserError(
            _("“{value}” is not a share like 1/2, 0.5 or 50%.", value=text[:20])
        ) from None
    if not 0 <= value <= 1:
        raise UserError(_("“{value}” is not a share like 1/2, 0.5 or 50%.", value=text[:20]))
    return value


def _whole(text: str, low: int, high: int) -> int:
    if not text.isdecimal() or not low <= int(text) <= high:
        raise UserError(
            _(
                "“{value}” should be a whole number from {low} to {high}.",
                value=text[:20],
                low=low,
                high=high,
            )
        )
    return int(text)


def parse_decide(text: str) -> DecideRequest:
    """Parses the arguments of ``/decide``.

    Raises:
        UserError: Saying what is wrong with the line.
    """
    if len(text) > MAX_LINE:
        raise UserError(_("That is too long for one decision."))
    words = _words(text)
    if not words:
        raise UserError(_("Which method? Send /decide alone to see how to open a decision."))
    try:
        method = Method(words[0].lower())
    except ValueError:
        raise UserError(
            _(
                "“{method}” is not a method I know. Use one of: {methods}.",
                method=words[0][:20],
                methods=", ".join(m.value for m in Method),
            )
        ) from None
    positional: list[str] = []
    request = DecideRequest(method, "", [])
    i = 1
    while i < len(words):
        word = words[i]
        if word.startswith("--"):
            name = word[2:].lower()
            if name in _SWITCHES:
                setattr(request, name, True)
                i += 1
                continue
            if name not in _FLAGS_WITH_VALUE:
                raise UserError(_("I don't know the setting “{flag}”.", flag=word[:30]))
            if i + 1 >= len(words):
                raise UserError(_("The setting “{flag}” needs a value.", flag=word[:30]))
            _apply(request, name, words[i + 1])
            i += 2
            continue
        positional.append(word)
        i += 1
    if not positional:
        raise UserError(_("The question is missing."))
    request.question, request.options = positional[0], positional[1:]
    return request


def _apply(request: DecideRequest, name: str, value: str) -> None:
    if name == "quorum":
        request.quorum = share(value)
    elif name == "others":
        request.others = share(value)
    elif name == "threshold":
        try:
            request.threshold = Threshold(value.lower())
        except ValueError:
            raise UserError(
                _(
                    "The threshold is one of: {values}.",
                    values=", ".join(t.value for t in Threshold),
                )
            ) from None
    elif name == "rules":
        try:
            request.rules = StvRules(value.lower())
        except ValueError:
            raise UserError(_("The STV rules are scottish or meek.")) from None
    elif name == "seats":
        request.seats = _whole(value, 1, 50)
    elif name == "min":
        request.min_choices = _whole(value, 0, 20)
    elif name == "max":
        request.max_choices = _whole(value, 1, 20)
    elif name == "remind":
        hours = [_whole(part, 1, 24 * 366) for part in value.split(",") if part]
        request.remind = tuple(sorted(set(hours), reverse=True))
    elif name == "weight":
        who, sep, amount = value.rpartition("=")
        if not sep or not who.strip():
            raise UserError(_("Give a weight as NAME=WEIGHT, for example “Alice=2”."))
        try:
            weight = Fraction(amount)
        except (ValueError, ZeroDivisionError):
            raise UserError(_("Give a weight as NAME=WEIGHT, for example “Alice=2”.")) from None
        if not 0 <= weight <= 100:
            raise UserError(_("A weight is between 0 and 100."))
        request.weights[who.strip()] = weight
    else:
        setattr(request, name, value)


def when(text: str, now: datetime, timezone: str) -> datetime:
    """A moment from a duration (``48h``) or a local date and time in ``timezone``.

    Raises:
        UserError: Neither.
    """
    match = _DURATION.match(text.strip().lower())
    if match:
        amount, unit = int(match.group(1)), _UNITS[match.group(2)]
        return now + timedelta(**{unit: amount})
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            _(
                "“{value}” is not a time I understand: use a duration like 48h or 3d, or a "
                "date and time like 2026-12-01T18:00.",
                value=text[:30],
            )
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=ZoneInfo(timezone))
    return local
