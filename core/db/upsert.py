"""``INSERT … ON CONFLICT`` for the backend in use (SQLite and PostgreSQL share the syntax).

One statement instead of a SELECT, a savepoint and an INSERT: cheaper, and race-free
across bot processes sharing PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_for(session: AsyncSession, model: Any) -> Any:
    """The dialect's ``insert`` construct (with ``on_conflict_do_*``) for ``model``."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
