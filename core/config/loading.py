"""Reading TOML files into validated configuration objects."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.config.errors import ConfigError, from_validation_error

ModelT = TypeVar("ModelT", bound=BaseModel)


def read_toml(path: Path) -> dict[str, Any]:
    """Parses a TOML file; any failure becomes a :class:`ConfigError` naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(path, [("", "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError(path, [("", "is a directory, not a file")]) from None
    except PermissionError:
        raise ConfigError(path, [("", "cannot be read (permission denied)")]) from None
    except UnicodeDecodeError:
        raise ConfigError(path, [("", "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [("", f"not valid TOML: {exc}")]) from None


def validate(path: Path, model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validates ``data`` into ``model``; errors name the file and keys."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(path, exc) from None
