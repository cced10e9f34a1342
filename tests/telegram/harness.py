"""The real adapter and the real CoreApp against the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bots.telegram.main import TelegramOptions, WebhookOptions, run_adapter
from bots.telegram.pacing import FloodLimits
from bots.telegram.translate import PLATFORM
from core.app import AppConfig, CoreApp
from core.config.organisation import load_organisation
from core.db.database import Database
from core.db.migrate import upgrade
from core.members.models import Role
from core.messaging.inbound import ChatKind, ChatRef, Sender
from core.testing.fake_clock import FakeClock
from core.testing.scenario import DEMO_ORGANISATION, sqlite_url
from tests.services.telegram_api.server import TOKEN, Chat, FakeTelegram, Limits, User

# Scenarios about what people see run with every flood-limit window 1/10 as long, on both
# sides (the server enforces the scaled limits): the pacing logic is the same, the tests
# fast. The flood-limit tests and the benchmark use Telegram's real limits.
SCALE = 0.1


@dataclass
class Harness:
    """A bot on Telegram (the fake server), with its own clock for the core's timers."""

    tg: FakeTelegram
    database_url: str
    options: TelegramOptions
    clock: FakeClock = field(default_factory=FakeClock)
    app: CoreApp | None = None
    _stop: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def core(self) -> CoreApp:
        assert self.app is not None
        return self.app

    async def start(self) -> None:
        config = AppConfig(load_organisation(DEMO_ORGANISATION), "en")
        self.app = await CoreApp.open(config, Database(self.database_url), self.clock)
        await self.app.start()
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(run_adapter(self.app, self.options, self._stop))
        ready = "setWebhook" if self.options.webhook else "getUpdates"
        await self.tg.wait_for(lambda: bool(self.tg.calls_of(ready)), within=10)

    async def stop(self) -> None:
        """Stops the adapter gracefully (as on SIGTERM), then the core."""
        if self._task is not None and self._stop is not None:
            self._stop.set()
            await asyncio.wait_for(self._task, 20)
            self._task = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def kill(self) -> None:
        """Stops the adapter abruptly (a crash): whatever was in flight is cut off."""
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def settle(self) -> None:
        """Waits until every update sent so far has been handled (and confirmed)."""
        await self.tg.settled()

    async def advance(self, **kwargs: float) -> int:
        """Moves the core's clock and runs the jobs that fell due."""
        self.clock.advance(None, **kwargs)
        return await self.core.scheduler.run_due()

    async def link(self, chat: Chat, slug: str) -> None:
        ref = ChatRef(str(chat.id), ChatKind.GROUP, chat.title)
        assert await self.core.link_chat(PLATFORM, ref, slug)

    async def enrol(self, user: User, slug: str, *roles: Role) -> int:
        sender = Sender(str(user.id), user.first_name, user.language_code)
        member = await self.core.enrol(PLATFORM, sender, slug, roles)
        assert member is not None
        return member


@asynccontextmanager
async def telegram_bot(
    tmp_path: Path,
    *,
    scale: float | None = SCALE,
    answer_deadline: float = 1.5,
    strict_answers: bool = True,
    read_timeout: float = 5.0,
    webhook: WebhookOptions | None = None,
) -> AsyncIterator[Harness]:
    """The fake server, a migrated SQLite database and the running adapter.

    Fails the test on any call that broke the Bot API contract.
    """
    url = sqlite_url(tmp_path / "bot.sqlite3")
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    server_limits = Limits() if scale is None else Limits().scaled(scale)
    limits = FloodLimits() if scale is None else FloodLimits().scaled(scale)
    async with FakeTelegram(server_limits, strict_answers=strict_answers) as tg:
        options = TelegramOptions(
            token=TOKEN,
            api_url=tg.api_url,
            limits=limits,
            poll_timeout=5,
            answer_deadline=answer_deadline,
            read_timeout=read_timeout,
            webhook=webhook,
        )
        if webhook is not None:
            tg.webhook_target = (
                f"http://{webhook.listen}:{webhook.port}{urlsplit(webhook.url).path}"
            )
        harness = Harness(tg, url, options)
        await harness.start()
        try:
            yield harness
        finally:
            await harness.stop()
        assert tg.violations == [], "\n".join(tg.violations)


async def press(bot: Harness, user: User, label: str, chat: Chat | None = None) -> str:
    """``user`` presses the newest button labelled ``label`` in a chat (their DM by default)."""
    where = chat.id if chat is not None else user.id
    for posted in reversed(bot.tg.in_chat(where)):
        if label in posted.labels:
            query = bot.tg.press(user, posted, label)
            await bot.settle()
            return query
    raise AssertionError(
        f"no button {label!r} in {where}: {[p.labels for p in bot.tg.in_chat(where)]}"
    )


async def say(bot: Harness, user: User, text: str, chat: Chat | None = None) -> None:
    """``user`` sends ``text`` (privately unless ``chat``) and the bot handles it."""
    bot.tg.say(user, text, chat)
    await bot.settle()
