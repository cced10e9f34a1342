from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.translation.fake_providers import FakeProviders


@pytest.fixture
async def providers() -> AsyncIterator[FakeProviders]:
    server = FakeProviders()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
