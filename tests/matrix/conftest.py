"""Fixtures of the Matrix tests: a real Synapse for the session, a fresh bot per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.matrix.harness import Bot
from tests.services.synapse import SynapseServer

REQUIRE_SERVICES = os.environ.get("IOPSBOT_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def synapse() -> Iterator[SynapseServer]:
    """The session's Synapse homeserver (started on first use, always stopped)."""
    try:
        server = SynapseServer()
    except FileNotFoundError as exc:
        if REQUIRE_SERVICES:
            pytest.fail(f"Synapse is required under `make test`: {exc}")
        pytest.skip(str(exc))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
async def bot(synapse: SynapseServer, tmp_path: Path) -> AsyncIterator[Bot]:
    """A new bot account with its own database, syncing in the background."""
    bot = await Bot.create(synapse, tmp_path)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.close()
