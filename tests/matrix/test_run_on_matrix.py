"""`iopsbot run` with Matrix settings runs the bot on Matrix (the runner's wiring)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from bots import runner
from core.config.settings import load_settings
from core.testing.scenario import DEMO_ORGANISATION
from tests.matrix.harness import Member, unique
from tests.matrix.rooms import said_by
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse


async def test_run_with_matrix_settings_serves_on_matrix(
    synapse: SynapseServer, tmp_path: Path
) -> None:
    account = synapse.register(unique("iopsbot"))
    config = tmp_path / "iopsbot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "bot.sqlite3"}"\n'
        f'[bot]\norganisation = "{DEMO_ORGANISATION}"\nlog_format = "text"\n'
        f'[matrix]\nhomeserver = "{synapse.url}"\nuser_id = "{account.user_id}"\n',
        encoding="utf-8",
    )
    settings = load_settings(config, environ={"MATRIX_PASSWORD": account.password})
    assert settings.configured_platforms() == ("matrix",)
    await runner.migrate(settings)
    bot = asyncio.create_task(runner.run(settings, ("matrix",)))
    try:
        sam = await Member.register(synapse, "sam", "Sam")
        room = await sam.create_room([account.user_id], direct=True)
        hello = await sam.wait_for(said_by(account.user_id, room), "the greeting")
        assert hello.body.startswith("Hello, Sam!")
        await sam.say(room, "!help")
        await sam.wait_for(
            lambda s: said_by(account.user_id, room)(s) and "/help" in s.body, "the help"
        )
    finally:
        bot.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot
