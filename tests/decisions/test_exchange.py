"""iopsbot's ballot export (JSON, CSV) and reading any ballot file by its extension."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.decisions.files import (
    Ballot,
    BallotFile,
    BallotFileError,
    BallotKindError,
    read_ballot_file,
)
from core.decisions.files.exchange import read_json, write_csv, write_json

F = Fraction
OPTIONS = ("Ana", "Ben", "Chloé")


def ranked() -> BallotFile:
    return BallotFile(
        options=OPTIONS,
        ballots=(
            Ballot(F(1), ranking=("Ben", "Ana")),
            Ballot(F(1, 2), ranking=("Chloé",), receipt="7KQ2-M4"),
            Ballot(F(3), ranking=()),
        ),
        seats=2,
        title="Delegates 2026",
        method="stv",
    )


EXAMPLES = {
    "ranking": ranked(),
    "choice": BallotFile(OPTIONS, (Ballot(F(2), choice="Ana"), Ballot(F(1), choice="Chloé"))),
    "approve": BallotFile(
        OPTIONS, (Ballot(F(1), approve=("Ana", "Ben")), Ballot(F(1), approve=()))
    ),
    "scores": BallotFile(OPTIONS, (Ballot(F(1), scores={"Ana": 5, "Ben": 0, "Chloé": 3}),)),
    "answer": BallotFile((), (Ballot(F(1), answer="yes"), Ballot(F(1, 3), answer="abstain"))),
    "stance": BallotFile(
        (),
        (
            Ballot(F(1), stance="agree"),
            Ballot(F(1), stance="block", reason="Breaks our promise"),
            Ballot(F(1), stance="disagree", reason=None),
        ),
        method="consensus",
    ),
    "slots": BallotFile(
        ("Mon 18:00", "Tue 19:00"),
        (Ballot(F(1), slots={"Mon 18:00": "yes", "Tue 19:00": "if_need_be"}),),
        method="time",
    ),
}


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_json_round_trip(kind: str) -> None:
    original = EXAMPLES[kind]
    assert original.kind == kind
    text = write_json(original)
    again = read_json(text, "export.json")
    assert again == original
    assert again.source == "export.json"
    assert write_json(again) == text


def test_json_layout_is_one_ballot_per_line() -> None:
    assert write_json(ranked()) == (
        "{\n"
        '  "format": "iopsbot-ballots",\n'
        '  "version": 1,\n'
        '  "title": "Delegates 2026",\n'
        '  "method": "stv",\n'
        '  "seats": 2,\n'
        '  "options": ["Ana", "Ben", "Chloé"],\n'
        '  "ballots": [\n'
        '    {"weight": "1", "ranking": ["Ben", "Ana"]},\n'
        '    {"weight": "1/2", "ranking": ["Chloé"], "receipt": "7KQ2-M4"},\n'
        '    {"weight": "3", "ranking": []}\n'
        "  ]\n"
        "}\n"
    )
    json.loads(write_json(BallotFile(OPTIONS, ())))  # no ballots is still valid JSON


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.permutations(OPTIONS), st.integers(0, 3), st.fractions(0, 10)),
        max_size=10,
    )
)
def test_any_ranked_export_reads_back(raw: list) -> None:
    ballots = tuple(Ballot(weight, ranking=tuple(order[:cut])) for order, cut, weight in raw)
    original = BallotFile(OPTIONS, ballots, seats=1)
    assert read_json(write_json(original), "x.json") == original


def test_csv_one_row_per_ballot() -> None:
    assert write_csv(ranked()).splitlines() == [
        "weight,Ana,Ben,Chloé,receipt",
        "1,2,1,,",
        "1/2,,,1,7KQ2-M4",
        "3,,,,",
    ]
    assert write_csv(EXAMPLES["scores"]).splitlines() == ["weight,Ana,Ben,Chloé", "1,5,0,3"]
    assert write_csv(EXAMPLES["stance"]).splitlines() == [
        "weight,stance,reason",
        "1,agree,",
        "1,block,Breaks our promise",
        "1,disagree,",
    ]
    assert write_csv(EXAMPLES["slots"]).splitlines() == [
        "weight,Mon 18:00,Tue 19:00",
        "1,yes,if_need_be",
    ]
    assert write_csv(EXAMPLES["choice"]).splitlines() == ["weight,Ana,Ben,Chloé", "2,1,,", "1,,,1"]


def document(*ballots: object, **header: object) -> str:
    data = {
        "format": "iopsbot-ballots",
        "version": 1,
        "options": ["Ana", "Ben"],
        "ballots": list(ballots),
        **header,
    }
    return json.dumps(data)


def error_of(text: str) -> str:
    with pytest.raises(BallotFileError) as err:
        read_json(text, "votes.json")
    return str(err.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{\n  "format": "iopsbot-ballots",\n  "version": 1\n  "options": []\n}',
            "votes.json:4: not valid JSON: Expecting ',' delimiter",
        ),
        ("", "votes.json:1: not valid JSON: Expecting value"),
        ("[]", "votes.json: expected an object, not a list"),
        (
            document({"ranking": ["Ana"]}, format="opavote"),
            'votes.json: format: expected "iopsbot-ballots", not "opavote"',
        ),
        (document(version=2), "votes.json: version: this iopsbot reads version 1, not 2"),
        (document(extra=1), 'votes.json: unknown field "extra"'),
        (document(options=["Ana", "Ana"]), 'votes.json: options[1]: "Ana" appears twice'),
        (document(options="Ana"), "votes.json: options: expected a list of names, not a string"),
        (document(seats=-1), "votes.json: seats: expected a whole number, not -1"),
        (
            document({"ranking": ["Ana"]}, {"ranking": []}, {"ranking": []}, {"ranking": ["Zed"]}),
            'votes.json: ballots[3].ranking: unknown option "Zed"',
        ),
        (
            document({"ranking": ["Ana", "Ana"]}),
            'votes.json: ballots[0].ranking: option "Ana" appears twice',
        ),
        (
            document({"ranking": "Ana"}),
            "votes.json: ballots[0].ranking: expected a list of option names, not a string",
        ),
        (
            document({"weight": "-1", "ranking": []}),
            'votes.json: ballots[0].weight: weight must be a whole number or a fraction like "1" '
            'or "1/2", not "-1"',
        ),
        (
            document({"weight": 0.5, "choice": "Ana"}),
            'votes.json: ballots[0].weight: weight must be a whole number or a fraction like "1" '
            'or "1/2", not 0.5',
        ),
        (
            document({"weight": "1/0", "choice": "Ana"}),
            'votes.json: ballots[0].weight: weight must be a whole number or a fraction like "1" '
            'or "1/2", not "1/0"',
        ),
        (
            document({"choice": "Ana", "ranking": ["Ana"]}),
            'votes.json: ballots[0]: a ballot has one answer, not "ranking" and "choice"',
        ),
        (
            document({"weight": "1"}),
            'votes.json: ballots[0]: a ballot needs one answer: "ranking", "choice", "approve", '
            '"scores", "answer", "stance", "slots"',
        ),
        (
            document({"choice": "Ana"}, {"ranking": ["Ben"]}),
            'votes.json: ballots[1]: a "ranking" ballot among "choice" ballots',
        ),
        (
            document({"scores": {"Ana": 6}}),
            "votes.json: ballots[0].scores.Ana: score 6 is not a whole number from 0 to 5",
        ),
        (
            document({"scores": {"Zed": 1}}),
            'votes.json: ballots[0].scores: unknown option "Zed"',
        ),
        (
            document({"answer": "maybe"}),
            'votes.json: ballots[0].answer: "maybe" is not one of "yes", "no", "abstain"',
        ),
        (document({"stance": "block"}), "votes.json: ballots[0]: a block needs a reason"),
        (
            document({"stance": "block", "reason": "  "}),
            "votes.json: ballots[0]: a block needs a reason",
        ),
        (
            document({"choice": "Ana", "reason": "why"}),
            'votes.json: ballots[0]: only a "stance" ballot has a "reason"',
        ),
        (
            document({"slots": {"Ana": "often"}}),
            'votes.json: ballots[0].slots.Ana: "often" is not one of "yes", "if_need_be", "no"',
        ),
        (document({"choice": "Ana", "voter": 7}), 'votes.json: ballots[0]: unknown field "voter"'),
        (document("Ana"), "votes.json: ballots[0]: expected an object, not a string"),
        (
            document({"choice": "Ana", "receipt": 5}),
            "votes.json: ballots[0].receipt: expected a string, not a number",
        ),
    ],
)
def test_malformed_json_says_where(text: str, message: str) -> None:
    assert error_of(text) == message


def test_optional_header_fields_and_integer_weights() -> None:
    text = json.dumps(
        {
            "format": "iopsbot-ballots",
            "version": 1,
            "options": ["A"],
            "ballots": [{"choice": "A", "weight": 2}, {"choice": "A"}],
        }
    )
    got = read_json(text, "x.json")
    assert got.title is None and got.method is None and got.seats is None
    assert [b.weight for b in got.ballots] == [2, 1]


# --- reading any ballot file ------------------------------------------------------------

BLT = '3 1\n2 1 2 0\n1 3 0\n0\n"Ana"\n"Ben"\n"Chloé"\n"Small election"\n'
SOI = (
    "# NUMBER ALTERNATIVES: 3\n# ALTERNATIVE NAME 1: Ana\n# ALTERNATIVE NAME 2: Ben\n"
    "# ALTERNATIVE NAME 3: Chloé\n2: 1,2\n1: 3\n"
)


def test_read_by_extension(tmp_path: Path) -> None:
    blt = tmp_path / "small.blt"
    blt.write_text(BLT, encoding="utf-8")
    soi = tmp_path / "small.soi"
    soi.write_text(SOI, encoding="utf-8")
    exported = tmp_path / "small.json"
    exported.write_text(write_json(ranked()), encoding="utf-8")

    from_blt = read_ballot_file(blt)
    assert from_blt.options == OPTIONS
    assert from_blt.seats == 1 and from_blt.title == "Small election"
    assert set(from_blt.ballots) == {
        Ballot(F(2), ranking=("Ana", "Ben")),
        Ballot(F(1), ranking=("Chloé",)),
    }
    from_soi = read_ballot_file(soi)
    assert from_soi.options == OPTIONS and from_soi.seats is None
    assert set(from_soi.ballots) == set(from_blt.ballots)
    assert read_ballot_file(exported) == ranked()


def test_read_rejects_what_it_cannot_read(tmp_path: Path) -> None:
    odd = tmp_path / "votes.xlsx"
    odd.write_text("x")
    with pytest.raises(BallotFileError) as err:
        read_ballot_file(odd)
    assert str(err.value) == (
        f"{odd}: unknown kind of ballot file (expected .blt, .soi, .toi, .json)"
    )
    missing = tmp_path / "missing.blt"
    with pytest.raises(BallotFileError) as err:
        read_ballot_file(missing)
    assert str(err.value) == f"{missing}: cannot read the file: No such file or directory"
    latin1 = tmp_path / "latin1.blt"
    latin1.write_bytes(b'2 1\n1 1 0\n0\n"Jos\xe9"\n"Ana"\n')
    with pytest.raises(BallotFileError) as err:
        read_ballot_file(latin1)
    assert str(err.value) == f"{latin1}:4: not UTF-8 text"
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "iopsbot-ballots",\n "version": 1,\n "options": [1]}')
    with pytest.raises(BallotFileError) as err:
        read_ballot_file(broken)
    assert str(err.value) == f"{broken}: options[0]: expected a string, not a number"


# --- ballots for each kind of count ------------------------------------------------------


def test_conversions_for_counting() -> None:
    ballots = ranked()
    profile = ballots.profile()
    assert profile.candidates == OPTIONS
    assert dict(zip(profile.rankings, profile.weights, strict=True)) == {
        (1, 0): 1,
        (2,): F(1, 2),
        (): 3,
    }
    # Plurality on rankings: first preferences; the blank ballot has none.
    assert ballots.choices() == [(1, 1), (2, F(1, 2))]
    # Approval on rankings: every ranked option; the blank ballot approves nothing.
    assert ballots.approvals() == [
        (frozenset({0, 1}), 1),
        (frozenset({2}), F(1, 2)),
        (frozenset(), 3),
    ]
    assert EXAMPLES["choice"].profile().rankings == ((0,), (2,))
    assert EXAMPLES["scores"].scores() == [((5, 0, 3), 1)]
    with pytest.raises(BallotKindError) as err:
        ballots.scores()
    assert str(err.value) == 'score voting needs "scores" ballots; this file has "ranking" ballots'
    with pytest.raises(BallotKindError) as err:
        EXAMPLES["approve"].profile()
    assert str(err.value) == (
        'a ranked count needs "ranking" or "choice" ballots; this file has "approve" ballots'
    )
