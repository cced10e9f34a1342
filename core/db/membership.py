"""``column IN (…)`` written so that a statement keeps one SQL text whatever the list's length.

SQLAlchemy expands ``IN`` into one placeholder per value, so a list of 7 and a list of 12
are two different statements. SQLite does not mind (preparing is cheap and local), but
asyncpg prepares each new text on the server, with a round trip: a batch of presses paid
two extra round trips per query. On PostgreSQL the values travel as one array instead
(``= ANY($1)``), and the text is prepared once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def one_of(column: Any, values: Iterable[Any], dialect: str) -> ColumnElement[bool]:
    """``column`` is one of ``values``, as one parameter on PostgreSQL.

    Args:
        column: The column to test.
        values: What it may be.
        dialect: The backend's dialect name (``postgresql`` or ``sqlite``).
    """
    chosen = sorted(set(values))
    if dialect == "postgresql":
        array: Any = bindparam(None, chosen, type_=ARRAY(column.type))
        result: ColumnElement[bool] = column == any_(array)
        return result
    inside: ColumnElement[bool] = column.in_(chosen)
    return inside
