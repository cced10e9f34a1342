from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from core.decisions.methods import schulze, ties
from core.decisions.methods.types import RankedProfile, TieRule

F = Fraction


def profile(names: str, ballots: Sequence[tuple[str, int | Fraction]]) -> RankedProfile:
    return RankedProfile.from_ballots(
        list(names), [([names.index(c) for c in ranking], w) for ranking, w in ballots]
    )


@st.composite
def profiles(
    draw: st.DrawFn, min_cands: int = 1, max_cands: int = 6, truncated: bool = True
) -> RankedProfile:
    ncand = draw(st.integers(min_cands, max_cands))
    ranking = st.permutations(range(ncand))
    if truncated:
        ranking = ranking.flatmap(lambda r: st.integers(0, len(r)).map(lambda k: r[:k]))
    ballots = draw(st.lists(st.tuples(ranking, st.integers(1, 5)), min_size=1, max_size=20))
    return RankedProfile.from_ballots([f"c{i}" for i in range(ncand)], ballots)


def naive_pairwise(p: RankedProfile) -> list[list[Fraction]]:
    n = len(p.candidates)
    d = [[F(0)] * n for _ in range(n)]
    for ranking, weight in zip(p.rankings, p.weights, strict=True):
        position = {c: i for i, c in enumerate(ranking)}
        for a in range(n):
            for b in range(n):
                if a != b and a in position and position[a] < position.get(b, n):
                    d[a][b] += weight
    return d


# Wikipedia's Schulze example: 45 voters, 5 candidates.
WIKIPEDIA = profile(
    "ABCDE",
    [
        ("ACBED", 5),
        ("ADECB", 5),
        ("BEDAC", 8),
        ("CABED", 3),
        ("CAEBD", 7),
        ("CBADE", 2),
        ("DCEBA", 7),
        ("EBADC", 8),
    ],
)


def table(rows: list[list[int]]) -> dict[str, dict[str, int]]:
    return {
        a: {b: rows[i][j] for j, b in enumerate("ABCDE") if j != i} for i, a in enumerate("ABCDE")
    }


def test_wikipedia_example() -> None:
    outcome = schulze.count(WIKIPEDIA)
    assert outcome.method == "schulze"
    assert outcome.elected == ("E",)
    assert outcome.ranking == ("E", "A", "C", "B", "D")
    assert outcome.condorcet_winner is None
    assert outcome.pairwise == table(
        [
            [0, 20, 26, 30, 22],
            [25, 0, 16, 33, 18],
            [19, 29, 0, 17, 24],
            [15, 12, 28, 0, 14],
            [23, 27, 21, 31, 0],
        ]
    )
    assert outcome.strongest == table(
        [
            [0, 28, 28, 30, 24],
            [25, 0, 28, 33, 24],
            [25, 29, 0, 29, 24],
            [25, 28, 28, 0, 24],
            [25, 28, 28, 31, 0],
        ]
    )
    assert outcome.tie_breaks == ()
    assert outcome.ballots == 45


def test_condorcet_winner_is_named() -> None:
    outcome = schulze.count(profile("ABC", [("ABC", 4), ("BCA", 3), ("CAB", 2)]))
    # A beats B 6-3, B beats C 7-2, but C beats A 5-4: a cycle.
    assert outcome.pairwise["A"]["C"] == 4
    assert outcome.pairwise["C"]["A"] == 5
    assert outcome.condorcet_winner is None
    outcome = schulze.count(profile("ABC", [("ABC", 4), ("BAC", 3), ("CAB", 2)]))
    assert outcome.condorcet_winner == "A"
    assert outcome.elected == ("A",)


def test_truncated_ballots_rank_the_named_above_the_rest() -> None:
    p = profile("ABCD", [("A", 3), ("BC", 2), ("", 4)])
    outcome = schulze.count(p)
    assert outcome.pairwise["A"] == {"B": 3, "C": 3, "D": 3}
    assert outcome.pairwise["B"] == {"A": 2, "C": 2, "D": 2}
    assert outcome.pairwise["C"] == {"A": 2, "B": 0, "D": 2}
    # Two unranked candidates count for neither.
    assert outcome.pairwise["D"] == {"A": 0, "B": 0, "C": 0}
    assert outcome.elected == ("A",)
    assert outcome.ranking == ("A", "B", "C", "D")
    assert outcome.ballots == 9


def test_a_perfect_cycle_is_drawn_by_recorded_lot() -> None:
    p = profile("ABC", [("ABC", 1), ("BCA", 1), ("CAB", 1)])
    for seed in ("x", "y", "z"):
        outcome = schulze.count(p, seed=seed)
        drawn = ties.lot(seed, ["A", "B", "C"])
        assert outcome.ranking == tuple(drawn)
        record, then = outcome.tie_breaks
        assert (record.rule, record.purpose, record.seed) == (TieRule.LOT, "elect", seed)
        assert record.among == ("A", "B", "C")
        assert outcome.elected == (record.chosen,) == (drawn[0],)
        assert (then.purpose, then.chosen) == ("order", drawn[1])


def test_weights_are_exact() -> None:
    p = profile("AB", [("AB", F(1, 3)), ("BA", F(1, 4))])
    outcome = schulze.count(p)
    assert outcome.pairwise == {"A": {"B": F(1, 3)}, "B": {"A": F(1, 4)}}
    assert outcome.elected == ("A",)


@pytest.mark.parametrize("names", ["", "A"])
def test_degenerate(names: str) -> None:
    outcome = schulze.count(profile(names, [("", 1)]))
    assert outcome.elected == tuple(names)


@settings(max_examples=100, deadline=None)
@given(profiles())
def test_pairwise_matches_a_naive_count(p: RankedProfile) -> None:
    d = naive_pairwise(p)
    outcome = schulze.count(p)
    names = p.candidates
    assert outcome.pairwise == {
        names[a]: {names[b]: d[a][b] for b in range(len(names)) if b != a}
        for a in range(len(names))
    }


@settings(max_examples=15, deadline=None)
@given(profiles(min_cands=schulze.SUBSET_LIMIT + 1, max_cands=schulze.SUBSET_LIMIT + 3))
def test_many_candidates_take_the_position_pair_route(p: RankedProfile) -> None:
    d = naive_pairwise(p)
    assert schulze.pairwise_counts(p.packed) == [[int(x) for x in row] for row in d]


def test_the_winners_are_those_no_one_beats_not_those_beating_most() -> None:
    # Found comparing with pref_voting: B is above A, C, D and F; E only above A, C and F,
    # but nobody is above E either (B-E and D-E are level): B and E are both winners.
    p = profile(
        "ABCDEF",
        [
            ("AD", 3), ("CBEDAF", 1), ("CDE", 1), ("EBDF", 1), ("ED", 2),
            ("F", 1), ("BF", 2), ("EABC", 3), ("BFD", 3), ("CDAEFB", 2),
        ],
    )  # fmt: skip
    outcome = schulze.count(p, seed="s")
    s = outcome.strongest
    assert (s["B"]["E"], s["E"]["B"], s["D"]["E"], s["E"]["D"]) == (9, 9, 9, 9)
    assert sum(s["B"][x] > s[x]["B"] for x in "ACDF") == 4
    assert sum(s["E"][x] > s[x]["E"] for x in "ACDF") == 3
    record = outcome.tie_breaks[0]
    assert (record.purpose, record.among) == ("elect", ("B", "E"))
    assert outcome.elected == (record.chosen,) == (ties.lot("s", ["B", "E"])[0],)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(profiles(min_cands=2))
def test_a_condorcet_winner_wins(p: RankedProfile) -> None:
    d = naive_pairwise(p)
    n = len(p.candidates)
    winners = [a for a in range(n) if all(d[a][b] > d[b][a] for b in range(n) if b != a)]
    assume(winners)
    outcome = schulze.count(p)
    assert outcome.condorcet_winner == p.candidates[winners[0]]
    assert outcome.elected == (p.candidates[winners[0]],)
    assert outcome.tie_breaks == () or outcome.tie_breaks[0].purpose == "order"


@settings(max_examples=60, deadline=None)
@given(profiles())
def test_weight_two_counts_as_two_identical_ballots(p: RankedProfile) -> None:
    doubled = RankedProfile(p.candidates, p.rankings, tuple(2 * w for w in p.weights))
    twice = RankedProfile.from_ballots(
        p.candidates,
        [(r, w) for r, w in zip(p.rankings, p.weights, strict=True) for _ in range(2)],
    )
    a, b = schulze.count(doubled), schulze.count(twice)
    assert a.pairwise == b.pairwise
    assert a.ranking == b.ranking


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(profiles(min_cands=2), st.randoms(use_true_random=False))
def test_renumbering_candidates_changes_nothing(p: RankedProfile, rnd: object) -> None:
    outcome = schulze.count(p)
    assume(not outcome.tie_breaks)
    n = len(p.candidates)
    perm = list(range(n))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    names = [""] * n
    for old, new in enumerate(perm):
        names[new] = p.candidates[old]
    renumbered = RankedProfile.from_ballots(
        names, [([perm[c] for c in r], w) for r, w in zip(p.rankings, p.weights, strict=True)]
    )
    again = schulze.count(renumbered)
    assert again.ranking == outcome.ranking
    assert again.strongest == outcome.strongest


def test_weights_beyond_64_bits_are_counted_exactly() -> None:
    big = 10**20
    outcome = schulze.count(profile("ABC", [("ABC", big), ("BCA", big), ("CAB", big - 1)]))
    assert outcome.pairwise["A"] == {"B": 2 * big - 1, "C": big}
    assert outcome.strongest["B"]["A"] == 2 * big - 1
    assert outcome.elected == ("B",)
