"""Statements built once per dialect and run many times: the batch paths' building blocks.

A statement built per call costs more to construct than to run (a few hundred
microseconds of SQLAlchemy's expression and cache-key work, for a query that takes less in
the database). The batch paths therefore build theirs once per dialect, with the list as a
named parameter given at execution (:func:`by_dialect`).

SQLAlchemy expands ``IN`` into one placeholder per value, so a list of 7 and a list of 12
are two different SQL texts. SQLite does not mind (preparing is cheap and local), but
asyncpg prepares each new text on the server, with a round trip. On PostgreSQL the values
therefore travel as one array instead (``= ANY($1)``), and the text is prepared once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

DIALECTS = ("sqlite", "postgresql")
"""The dialect names of the backends iopsbot runs on."""

T = TypeVar("T")

INSERT: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
"""Each dialect's ``insert`` (with ``ON CONFLICT``), by dialect name."""


def one_of(column: Any, name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the values given at execution as parameter ``name``.

    Args:
        column: The column to test.
        name: The parameter's name; pass a list (or set) of values under it.
        dialect: The backend's dialect name (``postgresql`` or ``sqlite``).
    """
    if dialect == "postgresql":
        array: Any = bindparam(name, type_=ARRAY(column.type))
        result: ColumnElement[bool] = column == any_(array)
        return result
    inside: ColumnElement[bool] = column.in_(bindparam(name, expanding=True))
    return inside


def by_dialect(build: Callable[[str], T]) -> dict[str, T]:
    """``build(dialect)`` for each dialect: statements made once, picked per connection."""
    return {dialect: build(dialect) for dialect in DIALECTS}
