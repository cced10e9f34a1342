"""The record of inbound updates already handled (exactly-once handling)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.base import Base
from core.db.types import UTCDateTime


class HandledUpdate(Base):
    """A platform update that was handled; written in the same transaction as its effects."""

    __tablename__ = "handled_updates"

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
