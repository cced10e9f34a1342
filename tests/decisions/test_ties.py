from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.decisions.methods.ties import break_tie, lot, order
from core.decisions.methods.types import TieBreak, TieRule

F = Fraction


def test_lot_sorts_by_the_documented_sha256_key() -> None:
    names = ["Alice", "Bob", "Carol", "Dan"]
    digests = {n: hashlib.sha256(f"decision-42\x00{n}".encode()).hexdigest() for n in names}
    assert lot("decision-42", names) == sorted(names, key=digests.__getitem__)


def test_lot_is_a_fixed_published_draw() -> None:
    # Anyone can redraw this: sha256("2025-budget\0<name>") sorted ascending.
    assert lot("2025-budget", ["Alice", "Bob", "Carol"]) == ["Alice", "Bob", "Carol"]
    assert lot("", ["Alice", "Bob", "Carol"]) == ["Carol", "Alice", "Bob"]


@given(st.lists(st.text(min_size=1), min_size=1, max_size=8, unique=True), st.text())
def test_lot_is_a_permutation_independent_of_input_order(names: list[str], seed: str) -> None:
    drawn = lot(seed, names)
    assert sorted(drawn) == sorted(names)
    assert lot(seed, list(reversed(names))) == drawn


def test_different_seeds_draw_differently() -> None:
    names = [f"candidate {i}" for i in range(6)]
    firsts = {lot(f"seed {s}", names)[0] for s in range(40)}
    assert len(firsts) > 1


def test_earlier_round_decides_who_goes_out() -> None:
    history = [
        {"A": F(10), "B": F(12), "C": F(30)},
        {"A": F(15), "B": F(15), "C": F(31)},  # level here: look further back
    ]
    chosen, record = break_tie(["A", "B"], history, lowest=True, purpose="eliminate", seed="s")
    assert chosen == "A"
    assert record == TieBreak(("A", "B"), "A", TieRule.EARLIER_ROUNDS, "eliminate", None, 0)


def test_earlier_round_decides_the_most_for_a_surplus() -> None:
    history = [{"A": F(10), "B": F(12)}]
    chosen, record = break_tie(
        ["A", "B"], history, lowest=False, purpose="surplus", seed="s", round=4
    )
    assert chosen == "B"
    assert record.rule is TieRule.EARLIER_ROUNDS
    assert record.round == 4


def test_a_three_way_tie_narrows_stage_by_stage() -> None:
    # Now A = B = C. At the last stage C had more, A and B were level; a stage before that
    # B had fewer than A. C is safe, B goes out (C's even lower figure earlier is irrelevant).
    history = [
        {"A": F(9), "B": F(7), "C": F(1)},
        {"A": F(5), "B": F(5), "C": F(7)},
    ]
    chosen, record = break_tie(["A", "B", "C"], history, lowest=True, purpose="eliminate", seed="")
    assert chosen == "B"
    assert record.among == ("A", "B", "C")


def test_level_at_every_stage_goes_to_the_recorded_lot() -> None:
    history = [{"A": F(3), "B": F(3), "C": F(1)}, {"A": F(4), "B": F(4), "C": F(2)}]
    chosen, record = break_tie(["B", "A"], history, lowest=True, purpose="eliminate", seed="x")
    assert chosen == lot("x", ["B", "A"])[0]
    assert record == TieBreak(("B", "A"), chosen, TieRule.LOT, "eliminate", "x", 0)


def test_lot_only_among_those_still_level() -> None:
    history = [{"A": F(2), "B": F(2), "C": F(5)}]
    seeds = [f"s{i}" for i in range(30)]
    chosen = {
        break_tie(["A", "B", "C"], history, lowest=True, purpose="e", seed=s)[0] for s in seeds
    }
    assert chosen == {"A", "B"}


def test_a_tie_needs_two() -> None:
    with pytest.raises(ValueError):
        break_tie(["A"], [], lowest=True, purpose="eliminate", seed="")


def test_order_breaks_each_level_by_earlier_rounds_then_lot() -> None:
    tallies = {"A": F(5), "B": F(7), "C": F(5), "D": F(5)}
    history = [{"A": F(1), "B": F(1), "C": F(3), "D": F(1)}]
    ranked, records = order(tallies, history, seed="k")
    assert ranked[0] == "B"
    assert ranked[1] == "C"  # more in the earlier round
    assert sorted(ranked[2:]) == ["A", "D"]
    assert ranked[2:] == lot("k", ["A", "D"])[:2]
    assert [r.rule for r in records] == [TieRule.EARLIER_ROUNDS, TieRule.LOT]
    assert records[0].among == ("A", "C", "D")
