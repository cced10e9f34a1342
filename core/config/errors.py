"""Configuration errors that name the file, the key and what is wrong."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError


class ConfigError(Exception):
    """One or more problems in a configuration file; the bot must not start.

    Each problem reads ``file: key: what is wrong``.

    Args:
        path: The file.
        problems: ``(key, what is wrong)`` pairs; key may be ``""`` for the whole file.
    """

    def __init__(self, path: Path | str, problems: Iterable[tuple[str, str]]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            f"{self.path}: {key}: {what}" if key else f"{self.path}: {what}"
            for key, what in self.problems
        )


def key_of(loc: tuple[int | str, ...]) -> str:
    """Renders a pydantic location as a TOML-ish key (``branches[3].parent``)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def from_validation_error(path: Path | str, error: ValidationError) -> ConfigError:
    """Turns pydantic's errors into one :class:`ConfigError` with readable keys."""
    problems = []
    for item in error.errors():
        msg = item["msg"]
        if item["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling)"
        elif item["type"] == "missing":
            msg = "required key is missing"
        msg = msg.removeprefix("Value error, ")
        problems.append((key_of(tuple(item["loc"])), msg))
    return ConfigError(path, problems)
