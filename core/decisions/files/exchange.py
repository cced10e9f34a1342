"""iopsbot's own ballot exchange files: the JSON export of a decision's ballots, and CSV.

The JSON export holds a decision's anonymised ballots so that anyone can recount them
(``iopsbot tally``) or load them into another counter::

    {
      "format": "iopsbot-ballots",
      "version": 1,
      "title": "Delegate to the national assembly",
      "method": "stv",
      "seats": 2,
      "options": ["Ana", "Ben", "Chloé"],
      "ballots": [
        {"weight": "1", "ranking": ["Ben", "Ana"]},
        {"weight": "1/2", "ranking": ["Chloé"], "receipt": "7KQ2-M4"}
      ]
    }

Each ballot has a ``weight`` (an exact rational as a string: ``"1"``, ``"1/2"``; a JSON
integer is accepted too) and exactly one answer, all ballots of a file the same kind:

==========  ==================================  ==========================================
key         value                               for
==========  ==================================  ==========================================
ranking     option names, most preferred first  IRV, STV, Schulze (may be empty)
choice      one option name                     plurality
approve     option names                        approval (may be empty)
scores      ``{option: 0..5}``; missing = 0     score
answer      ``yes`` / ``no`` / ``abstain``      majority
stance      ``agree`` / ``stand_aside`` /       consensus, with ``reason`` (required for
            ``disagree`` / ``block``            ``block``, optional otherwise)
slots       ``{slot: yes / if_need_be / no}``;  time polls (``options`` are the slots)
            missing = no
==========  ==================================  ==========================================

and optionally a ``receipt`` (the code a voter was given to find their ballot). ``title``,
``method`` and ``seats`` may be left out. Anything else is an error: a reader that guessed
would recount something other than what was exported.

Errors say where: ``file:line: message`` for JSON that does not parse, ``file: message``
with a path into the document (``ballots[3].ranking: unknown option "Zed"``) for a document
that parses but is not a valid ballot file.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from core.decisions.files.errors import BallotFileError
from core.decisions.methods.types import RankedProfile

FORMAT = "iopsbot-ballots"
VERSION = 1

#: The answer keys, one of which every ballot has.
KINDS = ("ranking", "choice", "approve", "scores", "answer", "stance", "slots")
ANSWERS = ("yes", "no", "abstain")
STANCES = ("agree", "stand_aside", "disagree", "block")
AVAILABILITIES = ("yes", "if_need_be", "no")
MAX_SCORE = 5

_WEIGHT = re.compile(r"^\s*(\d+)\s*(?:/\s*(\d+)\s*)?$")


class BallotKindError(ValueError):
    """The file's ballots are of a kind the requested count cannot use (e.g. no scores)."""


@dataclass(frozen=True)
class Ballot:
    """One anonymised ballot, options referred to by name.

    Exactly one of the answer fields is set (see the module docstring); ``reason`` goes with
    ``stance``, ``receipt`` with any.
    """

    weight: Fraction = Fraction(1)
    ranking: tuple[str, ...] | None = None
    choice: str | None = None
    approve: tuple[str, ...] | None = None
    scores: Mapping[str, int] | None = None
    answer: str | None = None
    stance: str | None = None
    reason: str | None = None
    slots: Mapping[str, str] | None = None
    receipt: str | None = None

    @property
    def kind(self) -> str:
        """Which answer the ballot holds (``ranking``, ``choice``, … ``slots``)."""
        for kind in KINDS:
            if getattr(self, kind) is not None:
                return kind
        raise ValueError("a ballot needs an answer")


@dataclass(frozen=True)
class BallotFile:
    """A ballot file's content, whatever its format.

    Attributes:
        options: The option (candidate, slot) names, in the file's order.
        ballots: The ballots; ranked formats give one per distinct ranking, with its weight.
        seats: Seats to fill, when the file says (a ``.blt`` header, an export).
        title: The election's or decision's title, when the file has one.
        method: The counting method, when the file says (exports).
        source: Where it was read from, for messages.
    """

    options: tuple[str, ...]
    ballots: tuple[Ballot, ...]
    seats: int | None = None
    title: str | None = None
    method: str | None = None
    source: str = field(default="", compare=False)

    @property
    def kind(self) -> str | None:
        """The kind of every ballot in the file, None when it has none."""
        return self.ballots[0].kind if self.ballots else None

    @classmethod
    def from_profile(
        cls,
        profile: RankedProfile,
        *,
        seats: int | None = None,
        title: str | None = None,
        method: str | None = None,
        source: str = "",
    ) -> BallotFile:
        """Ranked ballots (a parsed ``.blt`` or PrefLib file) as a ballot file."""
        names = profile.candidates
        ballots = tuple(
            Ballot(weight=weight, ranking=tuple(names[i] for i in ranking))
            for ranking, weight in zip(profile.rankings, profile.weights, strict=True)
        )
        return cls(names, ballots, seats, title, method, source)

    def _index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.options)}

    def _need(self, *kinds: str, purpose: str) -> None:
        if self.kind is not None and self.kind not in kinds:
            wanted = " or ".join(f'"{k}"' for k in kinds)
            raise BallotKindError(
                f'{purpose} needs {wanted} ballots; this file has "{self.kind}" ballots'
            )

    def profile(self) -> RankedProfile:
        """The ballots as rankings (a single choice is a one-name ranking).

        Raises:
            BallotKindError: The ballots are neither rankings nor single choices.
        """
        self._need("ranking", "choice", purpose="a ranked count")
        index = self._index()
        return RankedProfile.from_ballots(
            self.options,
            (
                (
                    [index[n] for n in ballot.ranking]
                    if ballot.ranking is not None
                    else [index[ballot.choice]]
                    if ballot.choice is not None
                    else [],
                    ballot.weight,
                )
                for ballot in self.ballots
            ),
        )

    def choices(self) -> list[tuple[int, Fraction]]:
        """One choice per ballot: the choice, or a ranking's first preference.

        Blank ballots (empty rankings) have no choice and are left out.

        Raises:
            BallotKindError: The ballots are neither rankings nor single choices.
        """
        self._need("ranking", "choice", purpose="plurality")
        index = self._index()
        result = []
        for ballot in self.ballots:
            first = ballot.choice if ballot.choice is not None else (ballot.ranking or (None,))[0]
            if first is not None:
                result.append((index[first], ballot.weight))
        return result

    def approvals(self) -> list[tuple[frozenset[int], Fraction]]:
        """The approved options per ballot: approvals, every ranked option, or the choice.

        Raises:
            BallotKindError: The ballots carry no approvals, rankings or choices.
        """
        self._need("approve", "ranking", "choice", purpose="approval voting")
        index = self._index()
        result = []
        for ballot in self.ballots:
            names = ballot.approve or ballot.ranking or ((ballot.choice,) if ballot.choice else ())
            result.append((frozenset(index[n] for n in names), ballot.weight))
        return result

    def scores(self) -> list[tuple[tuple[int, ...], Fraction]]:
        """One score per option per ballot (an option a ballot leaves out scores 0).

        Raises:
            BallotKindError: The ballots carry no scores.
        """
        if self.kind != "scores" and self.ballots:
            raise BallotKindError(
                f'score voting needs "scores" ballots; this file has "{self.kind}" ballots'
            )
        return [
            (tuple((b.scores or {}).get(name, 0) for name in self.options), b.weight)
            for b in self.ballots
        ]


# --- writing -----------------------------------------------------------------------------


def _weight_text(weight: Fraction) -> str:
    return (
        str(weight.numerator)
        if weight.denominator == 1
        else f"{weight.numerator}/{weight.denominator}"
    )


def _ballot_json(ballot: Ballot) -> dict[str, Any]:
    data: dict[str, Any] = {"weight": _weight_text(ballot.weight)}
    kind = ballot.kind
    value = getattr(ballot, kind)
    data[kind] = (
        list(value)
        if isinstance(value, tuple)
        else dict(value)
        if isinstance(value, Mapping)
        else value
    )
    if ballot.reason is not None:
        data["reason"] = ballot.reason
    if ballot.receipt is not None:
        data["receipt"] = ballot.receipt
    return data


def write_json(ballots: BallotFile) -> str:
    """The export: header fields first, then one ballot per line (diff- and grep-friendly).

    Args:
        ballots: What to export.

    Returns:
        UTF-8-ready JSON text (non-ASCII names are kept as they are), ending in a newline.
    """

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    header = {
        "format": FORMAT,
        "version": VERSION,
        "title": ballots.title,
        "method": ballots.method,
        "seats": ballots.seats,
        "options": list(ballots.options),
    }
    lines = ["{"]
    lines += [
        f"  {dump(key)}: {dump(value)}," for key, value in header.items() if value is not None
    ]
    rows = [f"    {dump(_ballot_json(b))}" for b in ballots.ballots]
    if rows:
        lines += ['  "ballots": [', ",\n".join(rows), "  ]"]
    else:
        lines.append('  "ballots": []')
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_csv(ballots: BallotFile) -> str:
    """The ballots as a spreadsheet: one row per ballot, one column per option.

    Columns: ``weight``, then per option the rank given (1 = first; empty = unranked), a 1
    for the choice or an approval, the score, or the availability; a majority ballot has an
    ``answer`` column instead, a consensus ballot ``stance`` and ``reason``; ``receipt``
    last when any ballot has one.

    Returns:
        CSV text (RFC 4180: comma-separated, CRLF line ends, quoted where needed).
    """
    kind = ballots.kind
    if kind == "answer":
        columns = ["answer"]
    elif kind == "stance":
        columns = ["stance", "reason"]
    else:
        columns = list(ballots.options)
    with_receipt = any(b.receipt is not None for b in ballots.ballots)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["weight", *columns, *(["receipt"] if with_receipt else [])])
    for ballot in ballots.ballots:
        cells: dict[str, object] = {}
        if ballot.ranking is not None:
            cells = {name: rank for rank, name in enumerate(ballot.ranking, start=1)}
        elif ballot.choice is not None:
            cells = {ballot.choice: 1}
        elif ballot.approve is not None:
            cells = dict.fromkeys(ballot.approve, 1)
        elif ballot.scores is not None:
            cells = {name: ballot.scores.get(name, 0) for name in ballots.options}
        elif ballot.slots is not None:
            cells = {name: ballot.slots.get(name, "no") for name in ballots.options}
        elif ballot.answer is not None:
            cells = {"answer": ballot.answer}
        elif ballot.stance is not None:
            cells = {"stance": ballot.stance, "reason": ballot.reason or ""}
        row = [_weight_text(ballot.weight), *(cells.get(c, "") for c in columns)]
        if with_receipt:
            row.append(ballot.receipt or "")
        writer.writerow(row)
    return out.getvalue()


# --- reading -----------------------------------------------------------------------------


class _Reader:
    """Checks a parsed document; every error names its place in it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> BallotFileError:
        return BallotFileError(self.source, 0, f"{where}: {message}" if where else message)

    def string(self, value: object, where: str) -> str:
        if not isinstance(value, str):
            raise self.fail(where, f"expected a string, not {_json_type(value)}")
        return value

    def names(self, value: object, where: str, options: Sequence[str]) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of option names, not {_json_type(value)}")
        seen: list[str] = []
        for i, item in enumerate(value):
            name = self.option(item, f"{where}[{i}]", options, where)
            if name in seen:
                raise self.fail(where, f'option "{name}" appears twice')
            seen.append(name)
        return tuple(seen)

    def option(self, value: object, where: str, options: Sequence[str], label: str) -> str:
        name = self.string(value, where)
        if name not in options:
            raise self.fail(label, f'unknown option "{name}"')
        return name

    def weight(self, value: object, where: str) -> Fraction:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return Fraction(value)
        match = _WEIGHT.match(value) if isinstance(value, str) else None
        if match is None or (match.group(2) is not None and int(match.group(2)) == 0):
            raise self.fail(
                where,
                'weight must be a whole number or a fraction like "1" or "1/2", '
                f"not {json.dumps(value)}",
            )
        return Fraction(int(match.group(1)), int(match.group(2) or 1))

    def choice(self, value: object, where: str, allowed: Sequence[str]) -> str:
        text = self.string(value, where)
        if text not in allowed:
            expected = ", ".join(f'"{a}"' for a in allowed)
            raise self.fail(where, f'"{text}" is not one of {expected}')
        return text

    def mapping(self, value: object, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, f"expected an object, not {_json_type(value)}")
        return value

    def ballot(self, value: object, where: str, options: Sequence[str]) -> Ballot:
        data = self.mapping(value, where)
        unknown = [key for key in data if key not in (*KINDS, "weight", "reason", "receipt")]
        if unknown:
            raise self.fail(where, f'unknown field "{unknown[0]}"')
        kinds = [key for key in KINDS if key in data]
        if len(kinds) != 1:
            expected = ", ".join(f'"{k}"' for k in KINDS)
            if kinds:
                found = " and ".join(f'"{k}"' for k in kinds)
                raise self.fail(where, f"a ballot has one answer, not {found}")
            raise self.fail(where, f"a ballot needs one answer: {expected}")
        kind = kinds[0]
        at = f"{where}.{kind}"
        raw = data[kind]
        fields: dict[str, Any] = {
            "weight": self.weight(data.get("weight", "1"), f"{where}.weight"),
        }
        if kind in ("ranking", "approve"):
            fields[kind] = self.names(raw, at, options)
        elif kind == "choice":
            fields[kind] = self.option(raw, at, options, at)
        elif kind == "scores":
            scores = {}
            for name, score in self.mapping(raw, at).items():
                self.option(name, at, options, at)
                if (
                    isinstance(score, bool)
                    or not isinstance(score, int)
                    or not 0 <= score <= MAX_SCORE
                ):
                    raise self.fail(
                        f"{at}.{name}",
                        f"score {json.dumps(score)} is not a whole number from 0 to {MAX_SCORE}",
                    )
                scores[name] = score
            fields[kind] = scores
        elif kind == "slots":
            slots = {}
            for name, answer in self.mapping(raw, at).items():
                self.option(name, at, options, at)
                slots[name] = self.choice(answer, f"{at}.{name}", AVAILABILITIES)
            fields[kind] = slots
        elif kind == "answer":
            fields[kind] = self.choice(raw, at, ANSWERS)
        else:
            fields[kind] = self.choice(raw, at, STANCES)
        if "reason" in data:
            if kind != "stance":
                raise self.fail(where, 'only a "stance" ballot has a "reason"')
            if data["reason"] is not None:
                fields["reason"] = self.string(data["reason"], f"{where}.reason")
        if fields.get("stance") == "block" and not (fields.get("reason") or "").strip():
            raise self.fail(where, "a block needs a reason")
        if data.get("receipt") is not None:
            fields["receipt"] = self.string(data["receipt"], f"{where}.receipt")
        return Ballot(**fields)

    def document(self, value: object) -> BallotFile:
        data = self.mapping(value, "")
        if data.get("format") != FORMAT:
            raise self.fail("format", f'expected "{FORMAT}", not {json.dumps(data.get("format"))}')
        if data.get("version") != VERSION:
            raise self.fail(
                "version",
                f"this iopsbot reads version {VERSION}, not {json.dumps(data.get('version'))}",
            )
        known = ("format", "version", "title", "method", "seats", "options", "ballots")
        unknown = [key for key in data if key not in known]
        if unknown:
            raise self.fail("", f'unknown field "{unknown[0]}"')
        title = None if data.get("title") is None else self.string(data["title"], "title")
        method = None if data.get("method") is None else self.string(data["method"], "method")
        seats = data.get("seats")
        if seats is not None and (
            isinstance(seats, bool) or not isinstance(seats, int) or seats < 0
        ):
            raise self.fail("seats", f"expected a whole number, not {json.dumps(seats)}")
        if "options" not in data:
            raise self.fail("options", "missing")
        if not isinstance(data["options"], list):
            raise self.fail(
                "options", f"expected a list of names, not {_json_type(data['options'])}"
            )
        options: list[str] = []
        for i, item in enumerate(data["options"]):
            name = self.string(item, f"options[{i}]")
            if not name.strip():
                raise self.fail(f"options[{i}]", "an option needs a name")
            if name in options:
                raise self.fail(f"options[{i}]", f'"{name}" appears twice')
            options.append(name)
        if "ballots" not in data:
            raise self.fail("ballots", "missing")
        if not isinstance(data["ballots"], list):
            raise self.fail("ballots", f"expected a list, not {_json_type(data['ballots'])}")
        ballots: list[Ballot] = []
        for i, item in enumerate(data["ballots"]):
            ballot = self.ballot(item, f"ballots[{i}]", options)
            if ballots and ballot.kind != ballots[0].kind:
                raise self.fail(
                    f"ballots[{i}]",
                    f'a "{ballot.kind}" ballot among "{ballots[0].kind}" ballots',
                )
            ballots.append(ballot)
        return BallotFile(tuple(options), tuple(ballots), seats, title, method, self.source)


def _json_type(value: object) -> str:
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        type(None): "null",
    }
    if isinstance(value, bool | type(None) | dict | list | str):
        return names[type(value)]
    return "a number"


def read_json(text: str, source: str) -> BallotFile:
    """Reads an export written by :func:`write_json` (or by hand).

    Args:
        text: The file's content.
        source: The file's name, for messages.

    Returns:
        The ballots, checked: every name is one of the options, every ballot has one answer
        of the file's one kind, weights are exact and non-negative, scores 0–5.

    Raises:
        BallotFileError: Not JSON (with the line), or not a valid ballot file (with the place
            in the document, e.g. ``ballots[3].ranking: unknown option "Zed"``).
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BallotFileError(source, exc.lineno, f"not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        # Valid syntax JSON cannot hold (a number of thousands of digits, deep nesting).
        raise BallotFileError(source, 0, f"not valid JSON: {exc}") from None
    return _Reader(source).document(document)
