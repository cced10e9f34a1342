"""Outcomes as JSON: every type, exact figures, rounds and ties."""

from __future__ import annotations

import json
from fractions import Fraction

from core.decisions.methods import consensus, majority, plurality, timeslots
from core.decisions.methods.consensus import Stance
from core.decisions.methods.majority import Choice
from core.decisions.methods.serialise import number, outcome_to_json
from core.decisions.methods.timeslots import Availability
from core.decisions.methods.types import (
    Outcome,
    Round,
    SchulzeOutcome,
    Threshold,
    TieBreak,
    TieRule,
    Transfer,
)

F = Fraction


def roundtrip(outcome: Outcome) -> dict:
    """What a consumer of the JSON gets (also proves json.dumps accepts it)."""
    return json.loads(json.dumps(outcome_to_json(outcome)))


def test_numbers() -> None:
    assert number(F(12)) == 12 and isinstance(number(F(12)), int)
    assert number(7) == 7
    assert number(F(1, 3)) == 0.33333
    assert number(F(25, 2)) == 12.5
    assert number(F(2, 3)) == 0.66667


def test_plurality_with_a_lot() -> None:
    outcome = plurality.count(("Ana", "Ben", "Chloé"), [(0, 2), (1, 2), (2, F(1, 2))], seed="x")
    data = roundtrip(outcome)
    assert list(data)[:9] == [
        "method",
        "seats",
        "elected",
        "ranking",
        "totals",
        "ballots",
        "rounds",
        "tie_breaks",
        "seed",
    ]
    assert data["method"] == "plurality" and data["seats"] == 1
    assert data["totals"] == {"Ana": 2, "Ben": 2, "Chloé": 0.5}
    assert data["ballots"] == 4.5
    assert data["rounds"] == []
    (tie,) = data["tie_breaks"]
    assert tie["among"] == ["Ana", "Ben"] and tie["rule"] == "lot" and tie["seed"] == "x"
    assert tie["purpose"] == "elect" and data["elected"] == [tie["chosen"]]


def test_rounds_and_transfers() -> None:
    outcome = Outcome(
        method="stv",
        seats=2,
        elected=("Ana", "Ben"),
        ballots=F(10),
        rounds=(
            Round(
                number=1,
                tallies={"Ana": F(5), "Ben": F(3), "Chloé": F(2)},
                exhausted=F(0),
                elected=("Ana",),
                quota=F(10, 3),
                transfer=Transfer(
                    source="Ana",
                    kind="surplus",
                    value=F(1, 3),
                    moved={"Ben": F(4, 3), "Chloé": F(1, 3)},
                    exhausted=F(0),
                ),
            ),
            Round(
                number=2,
                tallies={"Ben": F(13, 3), "Chloé": F(7, 3)},
                exhausted=F(1, 3),
                elected=("Ben",),
                eliminated=("Chloé",),
                quota=F(10, 3),
                tie_break=TieBreak(("Ben", "Chloé"), "Chloé", TieRule.LOT, "eliminate", "s", 2),
            ),
        ),
    )
    data = roundtrip(outcome)
    first, second = data["rounds"]
    assert first == {
        "number": 1,
        "tallies": {"Ana": 5, "Ben": 3, "Chloé": 2},
        "exhausted": 0,
        "elected": ["Ana"],
        "eliminated": [],
        "quota": 3.33333,
        "transfer": {
            "source": "Ana",
            "kind": "surplus",
            "value": 0.33333,
            "moved": {"Ben": 1.33333, "Chloé": 0.33333},
            "exhausted": 0,
        },
        "tie_break": None,
    }
    assert second["tallies"] == {"Ben": 4.33333, "Chloé": 2.33333}
    assert second["exhausted"] == 0.33333
    assert second["transfer"] is None
    assert second["tie_break"] == {
        "among": ["Ben", "Chloé"],
        "chosen": "Chloé",
        "rule": "lot",
        "purpose": "eliminate",
        "seed": "s",
        "round": 2,
    }
    assert data["elected"] == ["Ana", "Ben"]


def test_schulze_extras() -> None:
    outcome = SchulzeOutcome(
        method="schulze",
        seats=1,
        elected=("Ana",),
        ranking=("Ana", "Ben"),
        ballots=F(5),
        pairwise={"Ana": {"Ben": F(3)}, "Ben": {"Ana": F(2)}},
        strongest={"Ana": {"Ben": F(3)}, "Ben": {"Ana": F(0)}},
        condorcet_winner="Ana",
    )
    data = roundtrip(outcome)
    assert data["pairwise"] == {"Ana": {"Ben": 3}, "Ben": {"Ana": 2}}
    assert data["strongest"]["Ana"]["Ben"] == 3
    assert data["condorcet_winner"] == "Ana"


def test_majority_extras() -> None:
    ballots = [(Choice.YES, 2), (Choice.NO, 1), (Choice.ABSTAIN, F(1, 2))]
    data = roundtrip(majority.count(ballots, Threshold.TWO_THIRDS))
    assert data["yes"] == 2 and data["no"] == 1 and data["abstain"] == 0.5
    assert data["threshold"] == "two_thirds" and data["passed"] is True
    assert data["elected"] == ["yes"] and data["seats"] == 0


def test_consensus_extras() -> None:
    ballots = [(Stance.AGREE, 3, None), (Stance.BLOCK, 1, "Against our values")]
    data = roundtrip(consensus.count(ballots, consent=True))
    assert data["passed"] is False and data["consent"] is True
    assert data["blocks"] == [{"reason": "Against our values", "weight": 1}]
    assert data["totals"] == {"agree": 3, "stand_aside": 0, "disagree": 0, "block": 1}


def test_time_extras() -> None:
    y, m, n = Availability.YES, Availability.IF_NEED_BE, Availability.NO
    outcome = timeslots.count(("Mon", "Tue"), [((y, m), 1), ((n, y), F(1, 2))])
    data = roundtrip(outcome)
    assert data["method"] == "time" and data["elected"] == ["Tue"]
    assert data["slots"] == {
        "Mon": {"yes": 1, "if_need_be": 0, "no": 0.5, "can_attend": 1},
        "Tue": {"yes": 0.5, "if_need_be": 1, "no": 0, "can_attend": 1.5},
    }


def test_to_json_method_matches() -> None:
    outcome = plurality.count(("A", "B"), [(0, 1)])
    assert outcome.to_json() == outcome_to_json(outcome)
