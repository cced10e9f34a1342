"""Shared fixtures: databases (SQLite file and a real PostgreSQL), scenarios."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from core.testing import Scenario, sqlite_url
from tests.services.postgres import PostgresCluster

REQUIRE_SERVICES = os.environ.get("IOPSBOT_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """The session's PostgreSQL cluster (started on first use, always removed)."""
    try:
        cluster = PostgresCluster()
    except FileNotFoundError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"PostgreSQL is required under `make test`: {exc}")
        pytest.skip(str(exc))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def postgres_url(postgres: PostgresCluster) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return await postgres.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend the bot supports."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "bot.sqlite3")
    cluster = request.getfixturevalue("postgres")
    return await cluster.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def scenario(database_url: str) -> AsyncIterator[Scenario]:
    """A CoreApp with one fake platform on a migrated database of each backend."""
    async with Scenario.open(database_url) as sc:
        yield sc


@pytest.fixture
async def sqlite_scenario(tmp_path: Path) -> AsyncIterator[Scenario]:
    """A CoreApp with one fake platform on an SQLite file (for tests about behaviour only)."""
    async with Scenario.open(tmp_path / "bot.sqlite3") as sc:
        yield sc
