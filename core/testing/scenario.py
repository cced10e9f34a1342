"""Scenario helpers: a whole conversation through CoreApp, checked message by message.

Example::

    async with Scenario.open(tmp_path / "bot.db") as sc:
        alice = sc.person("alice", language_hint="es")
        [reply] = await alice.says("/start")
        assert reply.text.startswith("¡Hola")
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from core.app import AppConfig, CoreApp
from core.config.organisation import OrganisationConfig, load_organisation
from core.db.database import Database
from core.db.migrate import upgrade
from core.gatherings.feeds import FeedSettings
from core.members.models import Role
from core.messaging.commands import inbound_from_text
from core.messaging.inbound import (
    ButtonPressed,
    ChatKind,
    ChatRef,
    Inbound,
    Sender,
)
from core.testing.fake_clock import FakeClock
from core.testing.fake_messenger import FakeMessenger, Posted, direct_chat_id
from core.translation.providers import ProviderSettings

DEMO_ORGANISATION = Path(__file__).resolve().parents[2] / "config" / "organisation.toml"


def sqlite_url(path: Path) -> str:
    """The database URL of an SQLite file."""
    return f"sqlite+aiosqlite:///{path}"


@dataclass
class Person:
    """Someone talking to the bot on one platform, in the DM or a group chat."""

    scenario: Scenario
    name: str
    platform: str
    language_hint: str | None = None
    display_name: str | None = None

    @property
    def dm(self) -> str:
        """The id of this person's private conversation with the bot."""
        return direct_chat_id(self.name)

    def _chat(self, chat: str | None) -> ChatRef:
        if chat is None or chat == self.dm:
            return ChatRef(self.dm, ChatKind.PRIVATE)
        return ChatRef(chat, ChatKind.GROUP, title=chat)

    def _sender(self) -> Sender:
        return Sender(self.name, self.display_name or self.name.title(), self.language_hint)

    async def send(self, event: Inbound) -> list[Posted]:
        """Delivers any inbound event; returns what the bot posted because of it."""
        return await self.scenario.deliver(event)

    async def says(
        self, text: str, chat: str | None = None, update_id: str | None = None
    ) -> list[Posted]:
        """Sends ``text`` (a command when it starts with ``/``) in the DM or ``chat``."""
        ref = self._chat(chat)
        update = update_id or self.scenario.next_update_id()
        event = inbound_from_text(
            text, platform=self.platform, sender=self._sender(), chat=ref, update_id=update
        )
        return await self.send(event)

    async def presses(self, label: str, chat: str | None = None) -> list[Posted]:
        """Presses the button labelled ``label`` on the latest message that has one."""
        chat_id = self._chat(chat).external_id
        for posted in reversed(self.scenario.messenger(self.platform).in_chat(chat_id)):
            for button in posted.message.all_buttons():
                if button.label == label:
                    return await self.presses_data(button.action, chat, posted.message_id)
        raise AssertionError(f"no button {label!r} in {chat_id}")

    async def presses_data(
        self, data: str, chat: str | None = None, message_id: str | None = None
    ) -> list[Posted]:
        """Presses a button carrying ``data`` (which a test may have forged)."""
        return await self.send(
            ButtonPressed(
                platform=self.platform,
                sender=self._sender(),
                chat=self._chat(chat),
                update_id=self.scenario.next_update_id(),
                data=data,
                message_id=message_id,
            )
        )


@dataclass
class Scenario:
    """A CoreApp on a real database with fake platforms and a fake clock."""

    app: CoreApp
    clock: FakeClock
    messengers: dict[str, FakeMessenger]
    config: AppConfig
    database_url: str
    _updates: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        database: Path | str,
        *,
        organisation: OrganisationConfig | None = None,
        clock: FakeClock | None = None,
        messengers: list[FakeMessenger] | None = None,
        default_language: str = "en",
        migrate: bool = True,
        calendar_feeds: FeedSettings | None = None,
        translation: ProviderSettings | None = None,
    ) -> AsyncIterator[Scenario]:
        """Opens a scenario on an SQLite file path or a database URL, migrated from empty.

        ``calendar_feeds`` turns on the calendar feed files (written where it says), and
        ``translation`` configures a machine translation provider (a local fake server).
        """
        url = database if isinstance(database, str) else sqlite_url(database)
        config = AppConfig(
            organisation or load_organisation(DEMO_ORGANISATION),
            default_language,
            calendar_feeds=calendar_feeds,
            translation=translation,
        )
        clock = clock or FakeClock()
        fakes = messengers or [FakeMessenger()]
        if migrate:
            db = Database(url)
            await upgrade(db)
            await db.dispose()
        sc = cls(
            await cls._boot(config, url, clock, fakes),
            clock,
            {m.platform: m for m in fakes},
            config,
            url,
        )
        try:
            yield sc
        finally:
            await sc.app.close()

    @staticmethod
    async def _boot(
        config: AppConfig, url: str, clock: FakeClock, fakes: list[FakeMessenger]
    ) -> CoreApp:
        app = await CoreApp.open(config, Database(url), clock)
        for fake in fakes:
            app.attach(fake)
        await app.start()
        return app

    async def restart(self) -> None:
        """Stops the app and starts a new one on the same database (a bot restart)."""
        await self.app.close()
        self.app = await self._boot(
            self.config, self.database_url, self.clock, list(self.messengers.values())
        )

    def next_update_id(self) -> str:
        """A fresh platform update id."""
        return f"u{next(self._updates)}"

    def messenger(self, platform: str = "fake") -> FakeMessenger:
        """The fake platform named ``platform``."""
        return self.messengers[platform]

    def person(
        self,
        name: str,
        *,
        platform: str = "fake",
        language_hint: str | None = None,
        display_name: str | None = None,
    ) -> Person:
        """Someone on ``platform`` (their DM is ``dm:<name>``)."""
        return Person(self, name, platform, language_hint, display_name)

    async def group(self, name: str, branch: str | None = None, platform: str = "fake") -> str:
        """A group chat ``name`` on ``platform``, linked to ``branch`` if given."""
        if branch is not None:
            linked = await self.app.link_chat(platform, ChatRef(name, ChatKind.GROUP, name), branch)
            assert linked, f"no branch {branch!r}"
        return name

    async def enrol(self, person: Person, chapter: str, *roles: Role) -> int:
        """Makes ``person`` a member of ``chapter`` (holding ``roles`` there); returns their id.

        Stands in for onboarding, which has its own scenarios.
        """
        member_id = await self.app.enrol(person.platform, person._sender(), chapter, roles)
        assert member_id is not None, f"no branch {chapter!r}"
        return member_id

    async def deliver(self, event: Inbound) -> list[Posted]:
        """Hands one event to the app; returns the messages it caused."""
        fake = self.messengers[event.platform]
        before = len(fake.posted)
        await self.app.handle(event)
        return fake.posted[before:]

    async def advance(self, delta: timedelta | None = None, **kwargs: float) -> int:
        """Moves the clock and runs the jobs that fell due; returns how many ran."""
        self.clock.advance(delta, **kwargs)
        return await self.app.scheduler.run_due()
