r"""ERS ``.blt`` ballot files, the format of most published STV ballot data.

::

    4 2                  candidates, seats
    -3                   optional: withdrawn candidates, as negative numbers
    12 1 2 0             ballot lines: weight, preferences (1-based), 0
    3 2 3=4 1 0          "3=4": two candidates at one rank (see below)
    1 0                  an empty ballot
    0                    end of ballots
    "Alice"              one quoted name per candidate, in number order
    "Bob"
    "Carol"
    "Dan"
    "Committee 2025"     optional: the title

Rules of this reader:

* An overvote — candidates joined by ``=`` at one rank — makes the voter's choice at that rank
  unknowable: the ballot counts up to the rank before it and is exhausted from there on.
* Withdrawn candidates are left out of the count: they are removed from the profile (the
  others keep their order) and skipped on every ballot, so the next preference moves up.
* Weights are whole or decimal numbers (``2``, ``0.5``) or fractions (``1/3``, an extension
  that lets :func:`write_blt` save any exact weight).
* Inside quotes, ``\"``, ``\\``, ``\n`` and ``\uXXXX`` stand for a quote, a backslash, a
  line break and any character (an extension; real names rarely need it).
* A candidate listed twice on one ballot line is an error, as are unknown numbers, missing
  ``0`` terminators, missing names, and anything after the title.

Every problem raises :class:`~.errors.BallotFileError` with the 1-based line number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction

from core.decisions.files.errors import BallotFileError
from core.decisions.methods.types import InvalidBallot, RankedProfile

_WEIGHT = re.compile(r"[0-9]+(?:\.[0-9]+)?|[0-9]+/[0-9]*[1-9][0-9]*")
_NUMBER = re.compile(r"-?[0-9]+")
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n"}
_UNICODE_ESCAPE = re.compile(r"u[0-9a-fA-F]{4}")


def parse_blt(text: str, source: str) -> tuple[RankedProfile, int, str | None]:
    """Reads an ERS ``.blt`` ballot file.

    Args:
        text: The file's contents.
        source: The file's name, for error messages.

    Returns:
        The ballots (withdrawn candidates removed), the number of seats, and the title (None
        when the file has none).

    Raises:
        BallotFileError: The file is malformed; the message says which line and why.
    """
    lines = [(number, line.strip()) for number, line in enumerate(text.splitlines(), start=1)]
    content = iter([(number, line) for number, line in lines if line])

    number, header = next(content, (0, ""))
    fields = header.split()
    if len(fields) != 2 or not all(_NUMBER.fullmatch(f) for f in fields):
        raise BallotFileError(source, number, "expected a first line 'candidates seats'")
    ncand, seats = int(fields[0]), int(fields[1])
    if ncand < 1:
        raise BallotFileError(source, number, "the number of candidates must be at least 1")
    if not 1 <= seats <= ncand:
        raise BallotFileError(source, number, f"the number of seats must be from 1 to {ncand}")

    withdrawn: set[int] = set()
    ballots: list[tuple[list[int], Fraction]] = []
    ended = False
    for number, line in content:
        tokens = line.split()
        if tokens == ["0"]:
            ended = True
            break
        if not ballots and tokens[0].startswith("-"):
            withdrawn = _withdrawn(tokens, ncand, source, number)
            continue
        ballots.append(_ballot(tokens, ncand, withdrawn, source, number))
    if not ended:
        raise BallotFileError(source, 0, "the ballots do not end with a line holding only 0")

    strings = list(_quoted_strings(content, source))
    if len(strings) < ncand:
        where = strings[-1][0] if strings else 0
        raise BallotFileError(
            source, where, f"expected {ncand} quoted candidate names, found {len(strings)}"
        )
    if len(strings) > ncand + 1:
        raise BallotFileError(source, strings[ncand + 1][0], "unexpected text after the title")
    names = [name for _, name in strings[:ncand]]
    title = strings[ncand][1] if len(strings) > ncand else None

    kept = [c for c in range(ncand) if c not in withdrawn]
    renumber = {old: new for new, old in enumerate(kept)}
    try:
        profile = RankedProfile.from_ballots(
            [names[c] for c in kept],
            (([renumber[c] for c in ranking], weight) for ranking, weight in ballots),
        )
    except (InvalidBallot, ValueError) as error:
        where = strings[0][0] if strings else 0
        raise BallotFileError(source, where, f"invalid candidates: {error}") from error
    if seats > len(kept):
        raise BallotFileError(
            source, 1, f"{seats} seats but only {len(kept)} candidates not withdrawn"
        )
    return profile, seats, title


def _withdrawn(tokens: list[str], ncand: int, source: str, line: int) -> set[int]:
    """The withdrawn line: negative candidate numbers."""
    withdrawn: set[int] = set()
    for token in tokens:
        if not _NUMBER.fullmatch(token) or not -ncand <= int(token) <= -1:
            raise BallotFileError(
                source, line, f"withdrawn candidates must be numbers from -1 to -{ncand}: {token!r}"
            )
        withdrawn.add(-int(token) - 1)
    return withdrawn


def _ballot(
    tokens: list[str], ncand: int, withdrawn: set[int], source: str, line: int
) -> tuple[list[int], Fraction]:
    """One ballot line: ``weight preference… 0``, as a 0-based ranking and a weight."""
    if not _WEIGHT.fullmatch(tokens[0]):
        raise BallotFileError(source, line, f"the ballot weight {tokens[0]!r} is not a number")
    weight = Fraction(tokens[0])
    if tokens[-1] != "0" or len(tokens) < 2:
        raise BallotFileError(source, line, "a ballot line must end with 0")
    ranking: list[int] = []
    seen: set[int] = set()
    cut = False
    for token in tokens[1:-1]:
        group = token.split("=")
        numbers: list[int] = []
        for part in group:
            if not _NUMBER.fullmatch(part) or not 1 <= int(part) <= ncand:
                raise BallotFileError(
                    source, line, f"{token!r} is not a candidate number from 1 to {ncand}"
                )
            numbers.append(int(part) - 1)
        for c in numbers:
            if c in seen:
                raise BallotFileError(source, line, f"candidate {c + 1} is ranked twice")
            seen.add(c)
        if cut:
            continue
        choices = [c for c in numbers if c not in withdrawn]
        if len(choices) > 1:
            # An overvote: the voter's preference at this rank is unknowable; later ranks
            # cannot be read as the next preference either, so the ballot stops here.
            cut = True
        elif choices:
            ranking.append(choices[0])
    return ranking, weight


def _quoted_strings(content: Iterator[tuple[int, str]], source: str) -> Iterator[tuple[int, str]]:
    """Every quoted string after the ballots, with its line number."""
    for number, line in content:
        position = 0
        while position < len(line):
            if line[position].isspace():
                position += 1
                continue
            if line[position] != '"':
                raise BallotFileError(source, number, f"expected a quoted name, found {line!r}")
            chars: list[str] = []
            position += 1
            while True:
                if position >= len(line):
                    raise BallotFileError(source, number, "a quoted name is not closed")
                char = line[position]
                if char == '"':
                    position += 1
                    break
                if char == "\\" and line[position + 1 : position + 2] in _ESCAPES:
                    chars.append(_ESCAPES[line[position + 1]])
                    position += 2
                    continue
                if char == "\\" and _UNICODE_ESCAPE.match(line, position + 1):
                    chars.append(chr(int(line[position + 2 : position + 6], 16)))
                    position += 6
                    continue
                chars.append(char)
                position += 1
            yield number, "".join(chars)


def write_blt(profile: RankedProfile, seats: int, title: str | None = None) -> str:
    """Writes ballots as an ERS ``.blt`` file that :func:`parse_blt` reads back unchanged.

    Args:
        profile: The ballots.
        seats: The number of seats.
        title: The election's title, if any.

    Returns:
        The file's text (one ballot line per distinct ranking).
    """
    lines = [f"{len(profile.candidates)} {seats}"]
    for ranking, weight in zip(profile.rankings, profile.weights, strict=True):
        preferences = "".join(f" {c + 1}" for c in ranking)
        lines.append(f"{_weight(weight)}{preferences} 0")
    lines.append("0")
    lines.extend(_quote(name) for name in profile.candidates)
    if title is not None:
        lines.append(_quote(title))
    return "\n".join(lines) + "\n"


def _weight(weight: Fraction) -> str:
    """A weight as the shortest token :func:`parse_blt` reads back exactly."""
    if weight.denominator == 1:
        return str(weight.numerator)
    return f"{weight.numerator}/{weight.denominator}"


def _quote(text: str) -> str:
    """A quoted string, with quotes, backslashes and control characters escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    # Any other character that could end a line (for str.splitlines) or be stripped as
    # surrounding space is written as \uXXXX, so that each name stays on its own line.
    escaped = "".join(
        f"\\u{ord(char):04x}" if ord(char) < 32 or len(f"a{char}b".splitlines()) > 1 else char
        for char in escaped
    )
    return f'"{escaped}"'
