"""Real elections: our STV must reproduce published results and reference counts exactly.

The Glasgow 2007 wards were counted under the Scottish rules (SSI 2007/42); each
``*.scottish-stv-reference.tsv`` is the ``droop`` package's round-by-round count of the same
ballots at 5 decimal places. Every figure of every round must match, to the last digit.

Meath 2002 (Dáil Éireann) transferred surpluses by random sampling, so only the elected set
can be compared.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from core.decisions.files.blt import parse_blt
from core.decisions.files.preflib import parse_preflib
from core.decisions.methods import stv
from core.decisions.methods.stv import StvRules
from core.decisions.methods.types import Outcome, RankedProfile

# The shared reference data beside the checkout (or at /work/shared, for a worktree elsewhere).
ELECTIONS = next(
    (
        folder
        for folder in (
            Path(__file__).resolve().parents[3] / "shared" / "elections",
            Path("/work/shared/elections"),
        )
        if folder.is_dir()
    ),
    Path("/work/shared/elections"),
)

GLASGOW = {
    "Anderston-City": (4, {"Nina Baker", "Philip Braat", "Craig MacKay", "Gordon Matheson"}),
    "Baillieston": (4, {"Jim Coleman", "Douglas Hay", "John Mason", "David McDonald"}),
    "Calton": (3, {"George Redmond", "Ruth Simpson", "Alison E Thewliss"}),
}
MEATH = {
    "Johnny Brady F.F.",
    "John Bruton F.G.",
    "Noel Dempsey F.F.",
    "Damien English F.G.",
    "Mary Wallace F.F.",
}

pytestmark = pytest.mark.skipif(not ELECTIONS.is_dir(), reason="shared election data missing")


@dataclass(frozen=True)
class Snapshot:
    """One line of a droop dump: the count's state after an action."""

    stage: str  # the round number, or "X" for the end
    action: str
    quota: Fraction
    non_transferable: Fraction
    votes: dict[str, Fraction]
    state: dict[str, str]  # H hopeful, e elected (surplus pending), E elected, D defeated

    def names(self, *states: str) -> set[str]:
        return {name for name, code in self.state.items() if code in states}


def read_reference(path: Path) -> list[Snapshot]:
    snapshots = []
    with path.open(newline="") as file:
        for row in csv.reader(file, delimiter="\t"):
            if row[0] == "R" or row[1] in ("log", "round"):
                continue
            cells = row[4:]
            names = cells[0::3]
            snapshots.append(
                Snapshot(
                    stage=row[0],
                    action=row[1],
                    quota=Fraction(Decimal(row[2])),
                    non_transferable=Fraction(Decimal(row[3])),
                    votes={
                        n: Fraction(Decimal(v)) for n, v in zip(names, cells[2::3], strict=True)
                    },
                    state=dict(zip(names, cells[1::3], strict=True)),
                )
            )
    return snapshots


def count_ward(ward: str) -> tuple[Outcome, int]:
    text = (ELECTIONS / f"glasgow-{ward}-2007.blt").read_text()
    profile, seats, _ = parse_blt(text, f"glasgow-{ward}-2007.blt")
    return stv.count(profile, seats, rules=StvRules.SCOTTISH), seats


@pytest.mark.parametrize("ward", sorted(GLASGOW))
def test_glasgow_ward_elects_the_published_councillors(ward: str) -> None:
    outcome, seats = count_ward(ward)
    assert seats == GLASGOW[ward][0]
    assert set(outcome.elected) == GLASGOW[ward][1]


@pytest.mark.parametrize("ward", sorted(GLASGOW))
def test_glasgow_ward_matches_the_reference_count_round_by_round(ward: str) -> None:
    outcome, _ = count_ward(ward)
    snapshots = read_reference(ELECTIONS / f"glasgow-{ward}-2007.scottish-stv-reference.tsv")
    # The state at the end of each reference stage (its last line), and the end of the count.
    end_of: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        end_of[snapshot.stage] = snapshot
    stages = sorted(int(stage) for stage in end_of if stage != "X")
    assert stages == list(range(len(stages)))
    # Our round k starts from the end of reference stage k - 1 and takes stage k's action.
    assert len(outcome.rounds) == len(stages)
    elected: set[str] = set()
    excluded: set[str] = set()
    for round_ in outcome.rounds:
        before = end_of[str(round_.number - 1)]
        in_count = before.names("H", "e", "E")
        assert set(round_.tallies) == in_count, f"round {round_.number}"
        assert round_.tallies == {name: before.votes[name] for name in in_count}
        assert all(before.votes[name] == 0 for name in before.names("D"))
        assert round_.exhausted == before.non_transferable
        assert round_.quota == before.quota
        elected |= set(round_.elected)
        assert elected == before.names("e", "E"), f"round {round_.number}"
        excluded |= set(round_.eliminated)
        action = end_of.get(str(round_.number))
        if action is not None:
            assert round_.transfer is not None
            assert excluded == action.names("D"), f"round {round_.number}"
            kind = "elimination" if round_.eliminated else "surplus"
            assert round_.transfer.kind == kind
            after = {name: votes for name, votes in action.votes.items() if votes}
            moved = round_.transfer.moved
            for name in moved:
                assert after[name] - before.votes[name] == moved[name]
            assert round_.transfer.exhausted == action.non_transferable - before.non_transferable
        else:
            assert round_.transfer is None
    end = end_of["X"]
    assert set(outcome.elected) == end.names("E")
    assert set(outcome.totals) >= end.names("E")
    assert outcome.totals == {name: end.votes[name] for name in outcome.totals}


def test_a_glasgow_surplus_uses_truncated_per_paper_values() -> None:
    # Calton, round 1: George Redmond's 1982 first preferences exceed the quota of 1300
    # (5199 valid papers, 3 seats); the surplus 682 moves at 682/1982 per paper,
    # truncated to 0.34409 — the published stage 2 figures follow from that.
    outcome, _ = count_ward("Calton")
    first = outcome.rounds[0]
    assert first.quota == 1300
    assert first.elected == ("George Redmond",)
    assert first.transfer is not None
    assert first.transfer.source == "George Redmond"
    assert first.transfer.value == Fraction(682, 1982)
    assert first.transfer.exhausted == Fraction("158.62549")
    assert first.transfer.moved["Ruth Simpson"] == Fraction("407.05847")
    # The 5-decimal truncation loses a little, which no tally and no exhausted pile holds.
    second = outcome.rounds[1]
    assert sum(second.tallies.values()) + second.exhausted == Fraction("5198.98638")


@pytest.fixture(scope="module")
def meath() -> RankedProfile:
    return parse_preflib((ELECTIONS / "meath-2002.soi").read_text(), "meath-2002.soi")


def test_meath_profile_is_read_whole(meath: RankedProfile) -> None:
    assert len(meath.candidates) == 14
    assert meath.total_weight == 64081
    assert len(meath.rankings) == 25101


@pytest.mark.parametrize("rules", [StvRules.SCOTTISH, StvRules.MEEK])
def test_meath_2002_elects_the_published_five(meath: RankedProfile, rules: StvRules) -> None:
    outcome = stv.count(meath, 5, rules=rules)
    assert set(outcome.elected) == MEATH
    assert len(outcome.elected) == 5
