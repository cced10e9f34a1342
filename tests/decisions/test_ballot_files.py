from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.decisions.files.blt import parse_blt, write_blt
from core.decisions.files.errors import BallotFileError
from core.decisions.files.preflib import parse_preflib
from core.decisions.methods.types import RankedProfile

F = Fraction
ELECTIONS = Path("/work/shared/elections")

SAMPLE_BLT = """\
5 2
-4
12 1 2 0
3 2 3=5 1 0
2 4 3 0
1 0
0.5 5 1 0
1/3 3 0

0
"Alice"
"Bob" "Carol"
"Dan"
"Eve \\"the\\" Second"
"Committee 2025"
"""


def test_blt_reads_every_feature() -> None:
    profile, seats, title = parse_blt(SAMPLE_BLT, "sample.blt")
    assert seats == 2
    assert title == "Committee 2025"
    # Dan (4) withdrew: he leaves the candidates, and ballots skip him.
    assert profile.candidates == ("Alice", "Bob", "Carol", 'Eve "the" Second')
    assert dict(zip(profile.rankings, profile.weights, strict=True)) == {
        (0, 1): 12,
        (1,): 3,  # "3=5" is an overvote: exhausted from that rank on
        (2,): 2 + F(1, 3),  # "4 3" minus Dan is "3", the same ranking as "1/3 3"
        (): 1,
        (3, 0): F(1, 2),
    }


def test_blt_without_title_or_withdrawals() -> None:
    profile, seats, title = parse_blt('2 1\n1 1 2 0\n0\n"A"\n"B"\n', "t.blt")
    assert (profile.candidates, seats, title) == (("A", "B"), 1, None)
    assert profile.rankings == ((0, 1),)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 0, "first line"),
        ("3\n", 1, "first line"),
        ("three 1\n", 1, "first line"),
        ("2 0\n0\n", 1, "seats"),
        ("2 3\n0\n", 1, "seats"),
        ("0 1\n0\n", 1, "candidates"),
        ("2 1\n1 1 2\n0\n", 2, "end with 0"),
        ("2 1\n\n1 1 3 0\n0\n", 3, "not a candidate number"),
        ("2 1\n1 1 x 0\n0\n", 2, "not a candidate number"),
        ("2 1\n1 1 1 0\n0\n", 2, "ranked twice"),
        ("2 1\n1 1=1 0\n0\n", 2, "ranked twice"),
        ("2 1\nx 1 0\n0\n", 2, "weight"),
        ("2 1\n1/0 1 0\n0\n", 2, "weight"),
        ("2 1\n-1 1 0\n0\n", 2, "withdrawn"),
        ("2 1\n-3\n0\n", 2, "withdrawn"),
        ("2 1\n1 1 0\n", 0, "only 0"),
        ('2 1\n1 1 0\n0\n"A"\n', 4, "2 quoted candidate names"),
        ("2 1\n1 1 0\n0\n", 0, "2 quoted candidate names"),
        ('2 1\n1 1 0\n0\n"A"\nB\n', 5, "quoted name"),
        ('2 1\n1 1 0\n0\n"A"\n"B\n', 5, "not closed"),
        ('2 1\n1 1 0\n0\n"A"\n"B"\n"T"\n"extra"\n', 7, "after the title"),
        ('2 1\n1 1 0\n0\n"A"\n"A"\n', 4, "unique"),
        ('2 2\n-1\n1 2 0\n0\n"A"\n"B"\n', 1, "only 1 candidates"),
    ],
)
def test_blt_errors_say_where(text: str, line: int, message: str) -> None:
    with pytest.raises(BallotFileError) as caught:
        parse_blt(text, "bad.blt")
    assert caught.value.line == line
    assert message in caught.value.message
    assert str(caught.value).startswith(f"bad.blt:{line}: " if line else "bad.blt: ")


names = st.lists(st.text(max_size=12), min_size=1, max_size=6, unique=True)


@st.composite
def blt_cases(draw: st.DrawFn) -> tuple[RankedProfile, int, str | None]:
    candidates = draw(names)
    n = len(candidates)
    ranking = st.permutations(range(n)).flatmap(lambda r: st.integers(0, n).map(lambda k: r[:k]))
    weight = st.integers(0, 10**20) | st.fractions(0, 50)
    ballots = draw(st.lists(st.tuples(ranking, weight), max_size=12))
    seats = draw(st.integers(1, n))
    title = draw(st.none() | st.text(max_size=20))
    return RankedProfile.from_ballots(candidates, ballots), seats, title


@settings(max_examples=150, deadline=None)
@given(blt_cases())
def test_write_then_parse_blt_round_trips(case: tuple[RankedProfile, int, str | None]) -> None:
    profile, seats, title = case
    assert parse_blt(write_blt(profile, seats, title), "round.blt") == (profile, seats, title)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=' 0123456789-=\n"xab/.', max_size=80))
def test_blt_never_fails_but_with_a_ballot_file_error(text: str) -> None:
    try:
        parse_blt(text, "fuzz.blt")
    except BallotFileError as error:
        assert error.source == "fuzz.blt"


@pytest.mark.skipif(not ELECTIONS.is_dir(), reason="shared election data missing")
def test_blt_reads_a_glasgow_ward() -> None:
    text = (ELECTIONS / "glasgow-Calton-2007.blt").read_text()
    profile, seats, title = parse_blt(text, "calton.blt")
    assert (seats, title) == (3, "CALTON")
    assert profile.candidates[0] == "Gary Barton"
    assert profile.candidates[-1] == "Alison E Thewliss"
    assert profile.total_weight == 5199
    assert parse_blt(write_blt(profile, seats, title), "again.blt") == (profile, seats, title)


SAMPLE_TOI = """\
# FILE NAME: sample.toi
# DATA TYPE: toi
# NUMBER ALTERNATIVES: 4
# NUMBER VOTERS: 10
# ALTERNATIVE NAME 1: Alice
# ALTERNATIVE NAME 2: Bob
# ALTERNATIVE NAME 3: Carol
# ALTERNATIVE NAME 4: Dan: the Younger
4: 1,2,3
3: 3, 1
2: 2,{1,3},4
1: {4,2}
"""


def test_preflib_reads_orders_and_cuts_equal_preferences() -> None:
    profile = parse_preflib(SAMPLE_TOI, "sample.toi")
    assert profile.candidates == ("Alice", "Bob", "Carol", "Dan: the Younger")
    assert dict(zip(profile.rankings, profile.weights, strict=True)) == {
        (0, 1, 2): 4,
        (2, 0): 3,
        (1,): 2,  # {1,3} at the second rank: exhausted from there
        (): 1,
    }


def test_preflib_names_may_come_without_a_count() -> None:
    profile = parse_preflib("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n2: 2,1\n", "x.soi")
    assert profile.candidates == ("A", "B")
    assert profile.rankings == ((1, 0),)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("# ALTERNATIVE NAME 1: A\n1 2\n", 2, "count: preferences"),
        ("# ALTERNATIVE NAME 1: A\nx: 1\n", 2, "count: preferences"),
        ("# ALTERNATIVE NAME 1: A\n1: 2\n", 2, "not a candidate number"),
        ("# ALTERNATIVE NAME 1: A\n1: a\n", 2, "not a candidate number"),
        ("# ALTERNATIVE NAME 1: A\n1: {}\n", 2, "not a candidate number"),
        ("# ALTERNATIVE NAME 1: A\n1: 1,,1\n", 2, "cannot read"),
        ("# ALTERNATIVE NAME 1: A\n1: {1\n", 2, "cannot read"),
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: B\n1: 1,{2,1}\n", 3, "ranked twice"),
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 1: B\n", 2, "named twice"),
        ("# NUMBER ALTERNATIVES: 2\n# ALTERNATIVE NAME 1: A\n1: 1\n", 0, "NAME 2"),
        ("# NUMBER ALTERNATIVES: 1\n# ALTERNATIVE NAME 2: A\n", 1, "only 1"),
        ("# NUMBER ALTERNATIVES: two\n", 1, "whole number"),
        ("# ALTERNATIVE NAME 0: A\n", 1, "numbered from 1"),
        ("# NUMBER ALTERNATIVES: 1000000000\n# ALTERNATIVE NAME 1: A\n", 0, "NAME 2"),
        ("# ALTERNATIVE NAME 1: A\n# NUMBER VOTERS: 3\n2: 1\n", 2, "3 voters"),
        ("1: 1\n", 0, "NAME 1"),
        ("# ALTERNATIVE NAME 1: A\n# ALTERNATIVE NAME 2: A\n", 0, "unique"),
    ],
)
def test_preflib_errors_say_where(text: str, line: int, message: str) -> None:
    with pytest.raises(BallotFileError) as caught:
        parse_preflib(text, "bad.soi")
    assert caught.value.line == line
    assert message in caught.value.message


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="#: ALTERNATIVE NAME0123,{}\n", max_size=80))
def test_preflib_never_fails_but_with_a_ballot_file_error(text: str) -> None:
    try:
        parse_preflib(text, "fuzz.soi")
    except BallotFileError as error:
        assert error.source == "fuzz.soi"
