"""``iopsbot tally``: recount a ballot file offline, no database or platform needed.

Reads a ``.blt``, PrefLib ``.soi``/``.toi`` or exported ``.json`` file, counts it with the
chosen method and prints the outcome as the explanation a chat member would read (in any
of the organisation's languages) or as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.decisions.explain import explain
from core.decisions.files import BallotFile, BallotFileError, BallotKindError, read_ballot_file
from core.decisions.methods import approval, plurality, score
from core.decisions.methods.serialise import outcome_to_json
from core.decisions.methods.types import InvalidBallot, Outcome
from core.i18n.catalogs import Catalogs
from core.i18n.languages import KNOWN_LANGUAGES

METHODS = ("irv", "stv", "schulze", "plurality", "approval", "score")
RULES = ("scottish", "meek")
FORMATS = ("text", "json")


class TallyError(ValueError):
    """A request the ballots cannot satisfy (e.g. ``--seats`` for a single-winner method)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declares the ``tally`` subcommand's arguments on its subparser."""
    parser.add_argument("file", type=Path, help="a .blt, .soi, .toi or exported .json file")
    parser.add_argument("--method", required=True, choices=METHODS, help="the counting method")
    parser.add_argument(
        "--seats",
        type=_positive,
        help="seats to fill (stv; default: the file's, else 1)",
    )
    parser.add_argument(
        "--rules", choices=RULES, default="scottish", help="STV rules (default: scottish)"
    )
    parser.add_argument("--seed", default="", help="seed of the lot that breaks ties")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument(
        "--language",
        choices=KNOWN_LANGUAGES,
        default="en",
        help="language of the text output (default: en)",
    )


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def count(
    ballots: BallotFile,
    method: str,
    *,
    seats: int | None = None,
    rules: str = "scottish",
    seed: str = "",
) -> Outcome:
    """Counts a ballot file with ``method``.

    Plurality on ranked ballots counts first preferences; approval on ranked ballots
    approves every ranked option; score needs score ballots.

    Raises:
        TallyError: ``seats`` given for a single-winner method.
        BallotKindError: The ballots cannot be counted that way.
        InvalidBallot: A ballot breaks the method's rules.
    """
    if method != "stv" and seats not in (None, 1):
        raise TallyError(f"--seats applies to --method stv; {method} elects one")
    if method == "plurality":
        return plurality.count(ballots.options, ballots.choices(), seed=seed)
    if method == "approval":
        return approval.count(ballots.options, ballots.approvals(), seed=seed)
    if method == "score":
        return score.count(ballots.options, ballots.scores(), seed=seed)
    profile = ballots.profile()
    # The ranked methods' modules load only when asked for (STV pulls in numpy).
    if method == "irv":
        from core.decisions.methods import irv

        return irv.count(profile, seed=seed)
    if method == "schulze":
        from core.decisions.methods import schulze

        return schulze.count(profile, seed=seed)
    from core.decisions.methods import stv

    return stv.count(
        profile, seats or ballots.seats or 1, rules=stv.StvRules[rules.upper()], seed=seed
    )


def render(outcome: Outcome, ballots: BallotFile, fmt: str, language: str) -> str:
    """The outcome as JSON, or as the explanation in ``language`` under the file's title."""
    if fmt == "json":
        data = {"title": ballots.title, **outcome_to_json(outcome)}
        return json.dumps(data, ensure_ascii=False, indent=2)
    translator = Catalogs((language,)).get(language)
    text = explain(outcome, translator)
    return f"{ballots.title}\n{text}" if ballots.title else text


def run(args: argparse.Namespace) -> int:
    """Runs ``iopsbot tally``; a bad file or request is one line on stderr and exit code 2."""
    try:
        ballots = read_ballot_file(args.file)
        outcome = count(ballots, args.method, seats=args.seats, rules=args.rules, seed=args.seed)
    except BallotFileError as exc:
        print(f"iopsbot: {exc}", file=sys.stderr)
        return 2
    except (BallotKindError, TallyError) as exc:
        print(f"iopsbot: {args.file}: {exc}", file=sys.stderr)
        return 2
    except InvalidBallot as exc:
        print(f"iopsbot: {args.file}: invalid ballot ({exc})", file=sys.stderr)
        return 2
    print(render(outcome, ballots, args.format, args.language))
    return 0
