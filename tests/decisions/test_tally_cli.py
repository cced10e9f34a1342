"""``iopsbot tally``: recounting real elections' ballot files from the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from bots.cli import main
from core.decisions.files import Ballot, BallotFile
from core.decisions.files.exchange import write_json
from core.i18n.catalogs import Catalogs
from core.i18n.message import _, ngettext

ROOT = Path(__file__).resolve().parents[2]
ELECTIONS = Path("/work/shared/elections")
CALTON = ELECTIONS / "glasgow-Calton-2007.blt"
MEATH = ELECTIONS / "meath-2002.soi"

needs_elections = pytest.mark.skipif(not CALTON.exists(), reason="shared election files absent")


def tally(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", "tally", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_elections
def test_calton_json_elects_the_published_councillors_in_count_order() -> None:
    result = tally(str(CALTON), "--method", "stv", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["method"] == "stv"
    assert data["seats"] == 3  # from the .blt header
    assert data["title"] == "CALTON"
    # Redmond reaches the quota on first preferences, Thewliss after Graham's exclusion,
    # Simpson last (the droop reference count elects them in that order).
    assert data["elected"] == ["George Redmond", "Alison E Thewliss", "Ruth Simpson"]
    elected_in_rounds = [name for r in data["rounds"] for name in r["elected"]]
    assert elected_in_rounds == data["elected"]
    first = data["rounds"][0]
    assert first["number"] == 1
    assert first["quota"] == 1300
    assert first["tallies"]["George Redmond"] == 1982
    assert first["tallies"]["Alison E Thewliss"] == 1143
    assert first["exhausted"] == 0
    assert first["elected"] == ["George Redmond"] and first["eliminated"] == []
    eliminated = [name for r in data["rounds"] for name in r["eliminated"]]
    assert eliminated[:2] == ["Gary Barton", "Kenny Murray"]
    for r in data["rounds"]:
        assert {"tallies", "exhausted", "elected", "eliminated"} <= set(r)


@needs_elections
def test_meath_stv_elects_the_five_td() -> None:
    result = tally(str(MEATH), "--method", "stv", "--seats", "5", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["seats"] == 5
    published = ["Johnny Brady", "John Bruton", "Noel Dempsey", "Damien English", "Mary Wallace"]
    # PrefLib names carry the party ("Johnny Brady F.F."): match on the person.
    assert sorted(data["elected"]) == sorted(
        next(e for e in data["elected"] if e.startswith(name + " ")) for name in published
    )
    assert len(data["elected"]) == 5
    assert data["ballots"] == 64081


def test_malformed_blt_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.blt"
    bad.write_text('3 1\n1 1 2 0\n2 4 0\n0\n"A"\n"B"\n"C"\n', encoding="utf-8")
    result = tally(str(bad), "--method", "irv")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"iopsbot: {bad}:3: ")
    assert "Traceback" not in result.stderr


# The remaining cases run in-process (same main(), no interpreter start-up).


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["tally", *args])
    out, err = capsys.readouterr()
    return code, out, err


@needs_elections
def test_text_in_spanish(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(CALTON), "--method", "stv", "--language", "es")
    assert code == 0, err
    es = Catalogs(("es",)).get("es")
    lines = out.splitlines()
    assert lines[0] == "CALTON"
    assert lines[1] == es.render(
        _("Elected: {names}", names="George Redmond, Alison E Thewliss y Ruth Simpson")
    )
    assert lines[3] == es.render(
        ngettext("{count} ballot counted.", "{count} ballots counted.", 5199)
    )
    assert "5.199" in lines[3]  # Spanish digit grouping
    assert "1.175,68855" in out  # Thewliss after Redmond's surplus, decimal comma
    assert len(out) < 3600


def small_blt(tmp_path: Path) -> Path:
    path = tmp_path / "small.blt"
    # Ana 4 first preferences, Ben 3, Chloé 2 whose voters prefer Ben next.
    path.write_text(
        '3 1\n4 1 0\n3 2 0\n2 3 2 0\n0\n"Ana"\n"Ben"\n"Chloé"\n"Small"\n', encoding="utf-8"
    )
    return path


def test_ranked_file_by_every_method(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(small_blt(tmp_path))
    expected = {"irv": ["Ben"], "schulze": ["Ben"], "plurality": ["Ana"], "approval": ["Ben"]}
    for method, elected in expected.items():
        code, out, err = run(capsys, path, "--method", method, "--format", "json")
        assert code == 0, err
        data = json.loads(out)
        assert data["method"] == method and data["elected"] == elected, method
    # Plurality counts first preferences; approval every ranked option.
    code, out, _err = run(capsys, path, "--method", "plurality", "--format", "json")
    assert json.loads(out)["totals"] == {"Ana": 4, "Ben": 3, "Chloé": 2}
    code, out, _err = run(capsys, path, "--method", "approval", "--format", "json")
    assert json.loads(out)["totals"] == {"Ana": 4, "Ben": 5, "Chloé": 2}


def test_score_needs_score_ballots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = small_blt(tmp_path)
    code, out, err = run(capsys, str(path), "--method", "score")
    assert code == 2 and out == ""
    assert err == (
        f'iopsbot: {path}: score voting needs "scores" ballots; this file has "ranking" ballots\n'
    )


def test_score_from_an_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scores.json"
    ballots = (
        Ballot(Fraction(1), scores={"Ana": 5, "Ben": 2}),
        Ballot(Fraction(1, 2), scores={"Ben": 5}),
    )
    path.write_text(write_json(BallotFile(("Ana", "Ben"), ballots, title="Logo")), encoding="utf-8")
    code, out, err = run(capsys, str(path), "--method", "score")
    assert code == 0, err
    assert out.splitlines()[:2] == ["Logo", "Winner: Ana"]
    assert "Points: Ana 5 · Ben 4.5" in out


def test_seats_only_for_stv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = small_blt(tmp_path)
    code, _out, err = run(capsys, str(path), "--method", "irv", "--seats", "2")
    assert code == 2
    assert err == f"iopsbot: {path}: --seats applies to --method stv; irv elects one\n"


def test_bad_export_names_the_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "votes.json"
    path.write_text(
        '{"format": "iopsbot-ballots", "version": 1, "options": ["A"],\n'
        ' "ballots": [{"ranking": ["A"]}, {"ranking": ["Zed"]}]}\n',
        encoding="utf-8",
    )
    code, _out, err = run(capsys, str(path), "--method", "irv")
    assert code == 2
    assert err == f'iopsbot: {path}: ballots[1].ranking: unknown option "Zed"\n'


def test_unknown_language_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["tally", str(small_blt(tmp_path)), "--method", "irv", "--language", "xx"])
    assert exit_.value.code == 2
    assert "invalid choice: 'xx'" in capsys.readouterr().err
