"""Buttons for platforms without buttons: a numbered list, answered with a number.

The core renders the same message everywhere; where the messenger cannot show buttons the
choices become ``1. …`` lines and are remembered (durably, so a restart does not lose them)
for the chat, or for the person when they were sent privately. A reply that is just a
number then acts exactly like pressing that button: the same signed action is dispatched.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime
from core.messaging.outbound import OutgoingMessage

MAX_CHOICES = 99


class OfferedChoices(Base):
    """The numbered choices last offered in a chat (or to a person, key ``@<user id>``)."""

    __tablename__ = "offered_choices"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    actions: Mapped[list[str]] = mapped_column(JSON)
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime)


def person_key(user_id: str) -> str:
    """The key of choices sent privately to a person."""
    return f"@{user_id}"


def as_numbered(message: OutgoingMessage, instruction: str) -> tuple[OutgoingMessage, list[str]]:
    """The message with its buttons turned into numbered lines, and the actions in order."""
    buttons = message.all_buttons()[:MAX_CHOICES]
    lines = "\n".join(f"{i}. {button.label}" for i, button in enumerate(buttons, 1))
    text = f"{message.text}\n\n{lines}\n{instruction}"
    return replace(message, text=text, buttons=()), [b.action for b in buttons]


async def remember(
    session: AsyncSession, platform: str, chat_key: str, actions: list[str], now: datetime
) -> None:
    """Stores the choices now on offer under ``chat_key`` (replacing older ones)."""
    row = await session.get(OfferedChoices, (platform, chat_key[:255]))
    if row is None:
        session.add(
            OfferedChoices(
                platform=platform, chat_key=chat_key[:255], actions=actions, offered_at=now
            )
        )
    else:
        row.actions, row.offered_at = actions, now
    await session.flush()


async def offered(session: AsyncSession, platform: str, keys: list[str]) -> list[str] | None:
    """The choices on offer under the first of ``keys`` that has any."""
    for key in keys:
        row = await session.get(OfferedChoices, (platform, key[:255]))
        if row is not None:
            return list(row.actions)
    return None
