"""Small durable facts the bot keeps about itself (keys, offsets, sync tokens)."""

from __future__ import annotations

from sqlalchemy import String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base


class StateEntry(Base):
    """One named value."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


async def get_state(session: AsyncSession, key: str) -> str | None:
    """The stored value of ``key``, if any."""
    return await session.scalar(select(StateEntry.value).where(StateEntry.key == key))


async def set_state(session: AsyncSession, key: str, value: str) -> None:
    """Stores ``value`` under ``key`` (in the caller's transaction)."""
    entry = await session.get(StateEntry, key)
    if entry is None:
        session.add(StateEntry(key=key, value=value))
    else:
        entry.value = value
