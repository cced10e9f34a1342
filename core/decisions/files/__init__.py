"""Ballot files: ERS ``.blt``, PrefLib ``.soi``/``.toi``, and iopsbot's JSON/CSV exports.

:func:`read_ballot_file` reads any of them into one :class:`BallotFile`, so that a recount
(``iopsbot tally``) does not care where the ballots came from.
"""

from __future__ import annotations

from pathlib import Path

from core.decisions.files.errors import BallotFileError
from core.decisions.files.exchange import Ballot, BallotFile, BallotKindError

__all__ = ["Ballot", "BallotFile", "BallotFileError", "BallotKindError", "read_ballot_file"]

#: The extensions :func:`read_ballot_file` knows, and what they hold.
EXTENSIONS = {
    ".blt": "ERS ballot file",
    ".soi": "PrefLib strict orders (incomplete)",
    ".toi": "PrefLib orders with ties (incomplete)",
    ".json": "iopsbot ballot export",
}


def _text(path: Path, source: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BallotFileError(source, 0, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")  # a byte-order mark from a Windows editor is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BallotFileError(source, line, "not UTF-8 text") from None


def read_ballot_file(path: Path) -> BallotFile:
    """Reads a ballot file of any supported format, chosen by its extension.

    Args:
        path: A ``.blt``, ``.soi``, ``.toi`` or ``.json`` file.

    Returns:
        Its options and ballots, with the seats, title and method where the format has them
        (``.blt``: seats and title; PrefLib: neither; JSON export: all three).

    Raises:
        BallotFileError: An unknown extension, a file that cannot be read or is not UTF-8,
            or malformed content (``file:line: what is wrong``).
    """
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in EXTENSIONS:
        known = ", ".join(EXTENSIONS)
        raise BallotFileError(source, 0, f"unknown kind of ballot file (expected {known})")
    text = _text(path, source)
    # Imported here so that each format's reader loads only when a file of its kind is read.
    if suffix == ".blt":
        from core.decisions.files.blt import parse_blt

        profile, seats, title = parse_blt(text, source)
        return BallotFile.from_profile(profile, seats=seats, title=title, source=source)
    if suffix in (".soi", ".toi"):
        from core.decisions.files.preflib import parse_preflib

        return BallotFile.from_profile(parse_preflib(text, source), source=source)
    from core.decisions.files.exchange import read_json

    return read_json(text, source)
