"""End-to-end encrypted rooms, with the ``e2e`` extra and a key store folder for the bot."""

from __future__ import annotations

from pathlib import Path

import pytest
from nio import DownloadResponse
from nio.crypto.attachments import decrypt_attachment

from bots.matrix.session import e2e_available
from core.messaging.outbound import Attachment, OutgoingMessage
from tests.matrix.conftest import REQUIRE_SERVICES
from tests.matrix.harness import Bot, Member
from tests.matrix.rooms import said_by
from tests.services.synapse import SynapseServer

pytestmark = pytest.mark.synapse

ENCRYPTION = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


@pytest.fixture
def key_folders(tmp_path: Path) -> tuple[Path, Path]:
    """The bot's and the member's key store folders (each client its own)."""
    if not e2e_available():
        message = "matrix-nio's end-to-end support (the `e2e` extra) is not installed"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    folders = tmp_path / "bot-keys", tmp_path / "sam-keys"
    for folder in folders:
        folder.mkdir()
    return folders


async def test_the_bot_talks_in_an_encrypted_room(
    synapse: SynapseServer, tmp_path: Path, key_folders: tuple[Path, Path]
) -> None:
    bot = await Bot.create(synapse, tmp_path)
    bot.store_path, sam_keys = key_folders
    await bot.start()
    try:
        sam = await Member.register(synapse, "sam", "Sam", store_path=sam_keys)
        room = await sam.create_room([bot.user_id], direct=True, initial_state=[ENCRYPTION])

        # The bot stays in the encrypted room and greets Sam there, encrypted.
        hello = await sam.wait_for(said_by(bot, room), "the greeting")
        assert hello.body.startswith("Hello, Sam!")
        assert hello.encrypted

        # Sam's command goes encrypted; the bot reads it and answers, encrypted too.
        asked = await sam.say(room, "!help")
        assert (await sam.wait_for(lambda s: s.event_id == asked, "Sam's own message")).encrypted
        help_ = await sam.wait_for(said_by(bot, room, "Commands you can use here:"), "the help")
        assert help_.encrypted
        assert not any("I cannot read" in m.body for m in sam.bot_messages(room, bot.user_id))
        assert not sam.invites  # no unencrypted room of the bot's own was needed

        # A picture (a result chart) is encrypted too: the event carries the file's keys,
        # and what the media repository holds is not the picture.
        chart = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
        assert bot.messenger is not None
        await bot.messenger.send(
            room, OutgoingMessage("", image=Attachment("chart.png", chart, "image/png"))
        )
        image = await sam.wait_for(
            lambda s: s.room_id == room and s.content.get("msgtype") == "m.image", "the chart"
        )
        assert image.encrypted and "url" not in image.content
        secret = image.content["file"]
        stored = await sam.client.download(secret["url"])
        assert isinstance(stored, DownloadResponse)
        assert stored.body != chart
        assert (
            decrypt_attachment(
                stored.body, secret["key"]["k"], secret["hashes"]["sha256"], secret["iv"]
            )
            == chart
        )

        # After a restart the bot's device and keys are the same: it still reads Sam.
        await bot.stop()
        await bot.start()
        await sam.say(room, "!help")
        help_again = said_by(bot, room, "Commands you can use here:")
        again = await sam.wait_for(
            lambda s: help_again(s) and s.event_id != help_.event_id, "the help after a restart"
        )
        assert again.encrypted
        await sam.client.close()
    finally:
        await bot.close()
