"""The bot on a real homeserver, and members as real matrix-nio clients.

Every client has bounded time-outs (``max_timeouts``, ``request_timeout``) and every wait a
deadline, so a failure fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    RoomCreateResponse,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)
from nio.crypto import ENCRYPTION_ENABLED

from bots.matrix.messenger import MatrixMessenger
from bots.matrix.rooms import DirectRooms
from bots.matrix.session import e2e_available, log_in, make_client
from bots.matrix.sync import SyncLoop
from bots.matrix.translate import Reading
from core.app import AppConfig, CoreApp
from core.config.organisation import load_organisation
from core.db.database import Database
from core.db.migrate import upgrade
from core.scheduling.clock import OffsetClock
from core.testing.scenario import DEMO_ORGANISATION, sqlite_url
from tests.services.synapse import Account, SynapseServer

CLIENT_CONFIG = AsyncClientConfig(max_timeouts=2, request_timeout=15, max_limit_exceeded=10)
# The same, with end-to-end encryption (members given a key store folder).
E2E_CONFIG = AsyncClientConfig(
    max_timeouts=2,
    request_timeout=15,
    max_limit_exceeded=10,
    encryption_enabled=ENCRYPTION_ENABLED,  # True with the e2e extra; else no olm, checked
    store_sync_tokens=False,
)
WAIT = 30.0  # seconds any one expected event may take
_NAMES = itertools.count(1)


def unique(prefix: str) -> str:
    """A localpart nobody used yet on this homeserver (tests share one server)."""
    return f"{prefix}{next(_NAMES)}{int(time.time() * 1000) % 100000}"


@dataclass
class Seen:
    """One event a client received."""

    room_id: str
    source: dict[str, Any]
    encrypted: bool = False  # it came encrypted and the client decrypted it

    @property
    def type(self) -> str:
        return str(self.source.get("type"))

    @property
    def sender(self) -> str:
        return str(self.source.get("sender"))

    @property
    def content(self) -> dict[str, Any]:
        content = self.source.get("content")
        return content if isinstance(content, dict) else {}

    @property
    def event_id(self) -> str:
        return str(self.source.get("event_id"))

    @property
    def body(self) -> str:
        return str(self.content.get("body", ""))


@dataclass
class Member:
    """A person on the homeserver, using a real client."""

    server: SynapseServer
    account: Account
    client: AsyncClient
    seen: list[Seen] = field(default_factory=list)
    invites: list[str] = field(default_factory=list)
    _token: str | None = None

    @classmethod
    async def register(
        cls, server: SynapseServer, name: str, display_name: str, *, store_path: Path | None = None
    ) -> Member:
        """A new person; with ``store_path`` (a folder) their client encrypts, keys kept there."""
        account = server.register(unique(name))
        if store_path is None:
            client = AsyncClient(server.url, account.user_id, config=CLIENT_CONFIG)
            client.restore_login(account.user_id, "TESTDEVICE", account.access_token)
        else:
            client = AsyncClient(
                server.url, account.user_id, store_path=str(store_path), config=E2E_CONFIG
            )
            # A password login gives the client a device of its own for its keys.
            logged_in = await client.login(account.password, device_name="member e2e")
            assert isinstance(logged_in, LoginResponse), logged_in
            assert client.olm is not None, "end-to-end support (the e2e extra) is missing"
        await client.set_displayname(display_name)
        member = cls(server, account, client)
        await member.sync()
        return member

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def sync(self, timeout_ms: int = 0) -> list[Seen]:
        """Fetches what is new; returns the new timeline events."""
        response = await self.client.sync(timeout=timeout_ms, since=self._token)
        assert isinstance(response, SyncResponse), response
        self._token = response.next_batch
        if self.client.olm is not None:
            await self._keys()
        new = [
            Seen(room_id, event.source, encrypted=bool(getattr(event, "decrypted", False)))
            for room_id, info in response.rooms.join.items()
            for event in info.timeline.events
        ]
        self.seen.extend(new)
        self.invites.extend(r for r in response.rooms.invite if r not in self.invites)
        return new

    async def _keys(self) -> None:
        """What an encrypting client does after each sync: keep its keys and sessions going."""
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())
        await self.client.send_to_device_messages()

    async def wait_for(
        self, check: Callable[[Seen], bool], what: str, within: float = WAIT
    ) -> Seen:
        """The first event (already seen or still to come) that passes ``check``."""
        deadline = time.monotonic() + within
        for seen in self.seen:
            if check(seen):
                return seen
        while time.monotonic() < deadline:
            for seen in await self.sync(timeout_ms=500):
                if check(seen):
                    return seen
        raise AssertionError(f"{self.user_id} waited {within:.0f}s in vain for {what}")

    async def wait_for_invite(self, room_id: str | None = None, within: float = WAIT) -> str:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for invited in self.invites:
                if room_id is None or invited == room_id:
                    return invited
            await self.sync(timeout_ms=500)
        raise AssertionError(f"{self.user_id} got no invitation")

    async def join(self, room_id: str) -> None:
        response = await self.client.join(room_id)
        assert isinstance(response, JoinResponse), response
        if room_id in self.invites:
            self.invites.remove(room_id)

    async def create_room(
        self,
        invite: list[str],
        *,
        direct: bool = False,
        name: str | None = None,
        initial_state: list[dict[str, Any]] | None = None,
        bot_power: str | None = None,
    ) -> str:
        power = None
        if bot_power is not None:
            power = {"users": {bot_power: 100}}
        response = await self.client.room_create(
            name=name,
            is_direct=direct,
            preset=RoomPreset.trusted_private_chat if direct else RoomPreset.private_chat,
            invite=invite,
            initial_state=initial_state or [],
            power_level_override=power,
        )
        assert isinstance(response, RoomCreateResponse), response
        return response.room_id

    async def send(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        # Tests trust every device (no interactive verification between test clients).
        response = await self.client.room_send(
            room_id, event_type, content, ignore_unverified_devices=True
        )
        assert isinstance(response, RoomSendResponse), response
        return response.event_id

    async def say(self, room_id: str, text: str) -> str:
        return await self.send(room_id, "m.room.message", {"msgtype": "m.text", "body": text})

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        relation = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        return await self.send(room_id, "m.reaction", {"m.relates_to": relation})

    async def answer_poll(self, room_id: str, poll_id: str, answers: list[str]) -> str:
        """Votes in a poll the way Element does (the unstable event type)."""
        return await self.send(
            room_id,
            "org.matrix.msc3381.poll.response",
            {
                "m.relates_to": {"rel_type": "m.reference", "event_id": poll_id},
                "org.matrix.msc3381.poll.response": {"answers": answers},
            },
        )

    def bot_messages(self, room_id: str, bot: str) -> list[Seen]:
        """The bot's messages in a room (not edits), oldest first."""
        return [
            s
            for s in self.seen
            if s.room_id == room_id
            and s.sender == bot
            and s.type == "m.room.message"
            and "m.new_content" not in s.content
        ]


@dataclass
class Bot:
    """The bot: a CoreApp on SQLite, its Matrix account, and a running sync loop."""

    server: SynapseServer
    account: Account
    app: CoreApp
    timeline_limit: int = 50
    # With a key store folder the bot reads and writes end-to-end encrypted rooms.
    store_path: Path | None = None
    client: AsyncClient | None = None
    messenger: MatrixMessenger | None = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None

    @classmethod
    async def create(cls, server: SynapseServer, tmp_path: Path) -> Bot:
        url = sqlite_url(tmp_path / "bot.sqlite3")
        db = Database(url)
        await upgrade(db)
        config = AppConfig(load_organisation(DEMO_ORGANISATION), "en")
        app = await CoreApp.open(config, db, OffsetClock())
        await app.start()
        return cls(server, server.register(unique("bot")), app)

    @property
    def user_id(self) -> str:
        return self.account.user_id

    async def start(self) -> None:
        """Logs in (password, stored device) and runs the sync loop in the background."""
        client = make_client(
            self.server.url,
            self.user_id,
            store_path=self.store_path,
            request_timeout=15,
            max_timeouts=2,
        )
        await log_in(
            client,
            self.app,
            password=self.account.password,
            access_token=None,
            device_name="iopsbot tests",
        )
        directs = DirectRooms(client, self.app)
        self.messenger = MatrixMessenger(client, directs)
        self.app.attach(self.messenger)
        loop = SyncLoop(
            self.app,
            client,
            directs,
            Reading(
                bot_user_id=self.user_id,
                prefixes="!/",
                can_decrypt=e2e_available() and self.store_path is not None,
            ),
            timeline_limit=self.timeline_limit,
            timeout_ms=1000,
        )
        # The first sync of a new bot only marks the starting point (it has no token yet).
        if await self.app.load_state("matrix:next_batch") is None:
            await asyncio.wait_for(loop.once(), WAIT)
        self.client = client
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(loop.run(self._stop))

    async def stop(self) -> None:
        """Stops the sync loop (as at shutdown) and closes the client."""
        if self._stop is not None and self._task is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, WAIT)
        if self.client is not None:
            await self.client.close()
        self._task = self._stop = self.client = None

    async def close(self) -> None:
        await self.stop()
        await self.app.close()
