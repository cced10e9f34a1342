"""The one error every ballot-file reader raises."""

from __future__ import annotations


class BallotFileError(ValueError):
    """A malformed ballot file: says where (``file:line``) and what is wrong.

    Args:
        source: The file's name as the user gave it.
        line: 1-based line number (0 when the problem is the file as a whole).
        message: What is wrong, in plain words.
    """

    def __init__(self, source: str, line: int, message: str) -> None:
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")
        self.source = source
        self.line = line
        self.message = message
