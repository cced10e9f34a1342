"""Webhook mode: the secret token is checked (and never logged); updates confirmed once handled."""

import logging
import socket
from pathlib import Path

import aiohttp
import pytest

from bots.telegram.main import WebhookOptions
from core.logs import JsonFormatter, Redactor
from tests.services.telegram_api.server import TOKEN
from tests.telegram.harness import say, telegram_bot

SECRET = "w3bh00k-Secret_token-value"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    hook = WebhookOptions(
        url="https://bot.example.org/telegram/updates", secret=SECRET, port=free_port()
    )
    async with telegram_bot(tmp_path, webhook=hook) as bot:
        tg = bot.tg
        [registered] = tg.calls_of("setWebhook")
        assert registered.params["url"] == hook.url
        assert registered.params["secret_token"] == SECRET
        assert tg.calls_of("getUpdates") == []

        sam = tg.user("Sam")
        await say(bot, sam, "/help")
        [reply] = tg.in_chat(sam)
        assert reply.text is not None and reply.text.startswith("Commands you can use here:")
        # Telegram was told "done" (200) only after the reply had gone out.
        [(_update, acked_at)] = tg.webhook_acks
        assert acked_at >= reply.sent_at

        update = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 1,
                "chat": {"id": sam.id, "type": "private", "first_name": "Sam"},
                "from": sam.as_json(),
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        async with aiohttp.ClientSession() as session:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                async with session.post(tg.webhook_target, json=update, headers=headers) as r:
                    assert r.status == 403
        assert len(tg.in_chat(sam)) == 1  # forged calls did nothing
    assert "webhook call without the right secret token refused" in caplog.text
    # The adapter itself never logs the secret; python-telegram-bot's debug lines show the
    # setWebhook parameters, and the bot's log formatter (given the secret) masks them.
    ours = [r for r in caplog.records if r.name.startswith("bots.")]
    assert ours and not any(SECRET in str(vars(r)) for r in ours)
    formatter = JsonFormatter(Redactor([SECRET, TOKEN]))
    lines = [formatter.format(record) for record in caplog.records]
    assert any("setWebhook" in line for line in lines)
    assert not any(SECRET in line or TOKEN in line for line in lines)
