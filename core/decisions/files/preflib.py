"""PrefLib ``.soi`` and ``.toi`` ballot files (strict or tied orders, possibly incomplete).

::

    # FILE NAME: 00001-00000003.soi
    # DATA TYPE: soi
    # NUMBER ALTERNATIVES: 3
    # NUMBER VOTERS: 7
    # ALTERNATIVE NAME 1: Alice
    # ALTERNATIVE NAME 2: Bob
    # ALTERNATIVE NAME 3: Carol
    4: 1,2,3
    2: 3
    1: 2,{1,3}

Header lines are ``# KEY: value``; only ``ALTERNATIVE NAME i`` (required for every candidate)
and, when present, ``NUMBER ALTERNATIVES`` and ``NUMBER VOTERS`` (checked against the names
and the ballot counts) are used. Each other line is ``count: preferences``, candidates
numbered from 1. A braced group ``{1,3}`` (``.toi``) puts several candidates at one rank: as in
a ranked count a voter must say which of them comes first, it is read as an overvote — the
ballot counts up to the rank before it and is exhausted from there on.

Every problem raises :class:`~.errors.BallotFileError` with the 1-based line number.
"""

from __future__ import annotations

import re
from fractions import Fraction

from core.decisions.files.errors import BallotFileError
from core.decisions.methods.types import InvalidBallot, RankedProfile

_HEADER = re.compile(r"#\s*([^:]+?)\s*:\s?(.*)")
_NAME_KEY = re.compile(r"ALTERNATIVE NAME ([0-9]+)")
_COUNT = re.compile(r"[0-9]+")
_TOKEN = re.compile(r"\s*(\{[^{}]*\}|[^,{}]+)\s*(?:,|$)")
_PLAIN = re.compile(r"[0-9]+(?:\s*,\s*[0-9]+)*")


def parse_preflib(text: str, source: str) -> RankedProfile:
    """Reads a PrefLib ``.soi`` or ``.toi`` file.

    Args:
        text: The file's contents.
        source: The file's name, for error messages.

    Returns:
        The ballots, candidates named and ordered as numbered in the file.

    Raises:
        BallotFileError: The file is malformed; the message says which line and why.
    """
    names: dict[int, str] = {}
    declared: dict[str, tuple[int, int]] = {}
    ballots: list[tuple[int, tuple[int, list[list[int]]]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            header = _HEADER.fullmatch(line)
            if header is None:
                continue  # a comment, not a key: value pair
            key, value = header.group(1).upper(), header.group(2).strip()
            named = _NAME_KEY.fullmatch(key)
            if named:
                index = int(named.group(1))
                if index < 1:
                    raise BallotFileError(source, number, "candidates are numbered from 1")
                if index in names:
                    raise BallotFileError(source, number, f"candidate {index} is named twice")
                names[index] = value
            elif key in ("NUMBER ALTERNATIVES", "NUMBER VOTERS"):
                if not _COUNT.fullmatch(value):
                    raise BallotFileError(source, number, f"{key} must be a whole number")
                declared[key] = (int(value), number)
            continue
        ballots.append((number, _ballot_line(line, source, number)))

    ncand = max(names, default=0)
    if "NUMBER ALTERNATIVES" in declared:
        ncand, where = declared["NUMBER ALTERNATIVES"]
        extra = [i for i in names if not 1 <= i <= ncand]
        if extra:
            raise BallotFileError(
                source, where, f"candidate {extra[0]} is named but there are only {ncand}"
            )
    # Every number from 1 to ncand must be named (found without walking a huge declared count).
    missing = next((i for i in range(1, len(names) + 2) if i not in names), 1)
    if not names or missing <= ncand:
        raise BallotFileError(source, 0, f"no '# ALTERNATIVE NAME {missing}: …' line")

    rankings: list[tuple[list[int], int]] = []
    for number, (count, groups) in ballots:
        flat = [c for group in groups for c in group]
        simple = len(flat) == len(groups) and len(set(flat)) == len(flat)
        if simple and (not flat or (min(flat) >= 1 and max(flat) <= ncand)):
            # The common case: one candidate per rank, each once, all known.
            rankings.append(([c - 1 for c in flat], count))
            continue
        ranking: list[int] = []
        seen: set[int] = set()
        cut = False
        for group in groups:
            for c in group:
                if not 1 <= c <= ncand:
                    raise BallotFileError(
                        source, number, f"{c} is not a candidate number from 1 to {ncand}"
                    )
                if c in seen:
                    raise BallotFileError(source, number, f"candidate {c} is ranked twice")
                seen.add(c)
            if len(group) > 1:
                cut = True  # an equal preference: exhausted from this rank on
            if not cut:
                ranking.append(group[0] - 1)
        rankings.append((ranking, count))

    if "NUMBER VOTERS" in declared:
        voters, where = declared["NUMBER VOTERS"]
        total = sum(count for _, count in rankings)
        if total != voters:
            raise BallotFileError(
                source, where, f"the header says {voters} voters but the ballots count {total}"
            )
    try:
        return RankedProfile.from_ballots(
            [names[i] for i in range(1, ncand + 1)],
            ((ranking, Fraction(count)) for ranking, count in rankings),
        )
    except (InvalidBallot, ValueError) as error:
        raise BallotFileError(source, 0, f"invalid candidates: {error}") from error


def _ballot_line(line: str, source: str, number: int) -> tuple[int, list[list[int]]]:
    """``count: 1,2,{3,4},5`` as the count and the groups of candidate numbers, in order."""
    count_text, colon, rest = line.partition(":")
    if not colon or not _COUNT.fullmatch(count_text.strip()):
        raise BallotFileError(source, number, "expected a line 'count: preferences'")
    rest = rest.strip()
    if _PLAIN.fullmatch(rest):
        # The common case (every .soi line): a plain comma-separated list.
        return int(count_text), [[int(part)] for part in rest.split(",")]
    groups: list[list[int]] = []
    position = 0
    while position < len(rest):
        token = _TOKEN.match(rest, position)
        if token is None or token.end() == position:
            raise BallotFileError(source, number, f"cannot read the preferences {rest!r}")
        text = token.group(1)
        parts = text[1:-1].split(",") if text.startswith("{") else [text]
        group: list[int] = []
        for part in parts:
            if not _COUNT.fullmatch(part.strip()):
                raise BallotFileError(source, number, f"{part.strip()!r} is not a candidate number")
            group.append(int(part))
        groups.append(group)
        position = token.end()
    return int(count_text), groups
