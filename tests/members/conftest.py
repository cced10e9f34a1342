"""Fixtures for the members scenarios: two fake platforms, one with buttons and one without."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.testing import Scenario
from core.testing.fake_messenger import FULL, TEXT_ONLY, FakeMessenger


def platforms() -> list[FakeMessenger]:
    """A platform with buttons ("fake") and one without ("plain")."""
    return [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]


@pytest.fixture
async def sc(database_url: str) -> AsyncIterator[Scenario]:
    """Two platforms, on SQLite and on PostgreSQL."""
    async with Scenario.open(database_url, messengers=platforms()) as scenario:
        yield scenario


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Scenario]:
    """Two platforms on SQLite only (for behaviour that does not depend on the database)."""
    async with Scenario.open(tmp_path / "bot.sqlite3", messengers=platforms()) as scenario:
        yield scenario
