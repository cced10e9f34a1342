"""Starting the bot: one CoreApp, the configured adapters, the scheduler, in one process."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import MappingProxyType

from core.app import AppConfig, CoreApp
from core.config.settings import Settings
from core.db.database import Database
from core.db.migrate import current_revision, head_revision, upgrade
from core.gatherings.feeds import FeedSettings
from core.scheduling.clock import OffsetClock
from core.translation.providers import ProviderSettings

log = logging.getLogger(__name__)

AdapterRunner = Callable[[CoreApp, OffsetClock, Settings, asyncio.Event], Awaitable[None]]


class PlatformUnavailable(Exception):
    """A platform was asked for that cannot start (no adapter yet, or no credentials)."""


async def _console(app: CoreApp, clock: OffsetClock, _s: Settings, stop: asyncio.Event) -> None:
    from bots.console.main import serve

    await serve(app, clock, stop)


async def _discord(app: CoreApp, _c: OffsetClock, settings: Settings, stop: asyncio.Event) -> None:
    from bots.discord.main import serve

    await serve(app, settings, stop)


async def _matrix(app: CoreApp, _c: OffsetClock, settings: Settings, stop: asyncio.Event) -> None:
    from bots.matrix.main import serve

    await serve(app, settings, stop)


async def _telegram(app: CoreApp, clock: OffsetClock, s: Settings, stop: asyncio.Event) -> None:
    from bots.telegram.main import serve

    await serve(app, clock, s, stop)


# The adapters this version ships.
ADAPTERS: Mapping[str, AdapterRunner] = MappingProxyType(
    {"console": _console, "discord": _discord, "matrix": _matrix, "telegram": _telegram}
)


def app_config(settings: Settings) -> AppConfig:
    """The core's configuration from the process settings."""
    calendars = settings.file.calendars
    return AppConfig(
        organisation=settings.organisation,
        default_language=settings.default_language,
        secret_key=settings.secrets.get("secret_key"),
        calendar_feeds=(
            FeedSettings(Path(calendars.directory), calendars.public_url or None)
            if calendars.directory
            else None
        ),
        translation=ProviderSettings(
            settings.file.translation.provider,
            settings.file.translation.url,
            settings.secrets.get("translation_api_key"),
            settings.file.translation.timeout_seconds,
        ),
    )


def check_platforms(settings: Settings, platforms: tuple[str, ...]) -> None:
    """Refuses, before anything starts, platforms that cannot run.

    Raises:
        PlatformUnavailable: With a one-line reason.
    """
    for platform in platforms:
        if platform not in ADAPTERS:
            raise PlatformUnavailable(
                f"the {platform} adapter is not part of this version of iopsbot yet"
            )
        if not settings.has_credentials(platform):
            raise PlatformUnavailable(f"{platform}: no credentials in the environment")


async def migrate(settings: Settings) -> tuple[str | None, str | None]:
    """Applies migrations; returns the revisions before and after."""
    db = Database(settings.database_url)
    try:
        before = await current_revision(db)
        await upgrade(db)
        return before, head_revision()
    finally:
        await db.dispose()


def settle_memory() -> None:
    """Moves what start-up built out of the garbage collector's sight.

    Modules, ORM mappings, catalogs and the chart library live as long as the process. A
    full collection traverses them all: a pause of about 100 ms on a small machine, during
    which no member is answered. Frozen, they are skipped (CPython's ``gc.freeze``, as
    long-running servers do after start-up); everything made later is collected as usual.
    """
    gc.collect()
    gc.freeze()


async def run(settings: Settings, platforms: tuple[str, ...]) -> None:
    """Runs the bot on ``platforms`` until every adapter stops or the process is interrupted."""
    check_platforms(settings, platforms)
    clock = OffsetClock()
    app = await CoreApp.open(app_config(settings), Database(settings.database_url), clock)
    stop = asyncio.Event()
    try:
        await app.start()
        settle_memory()
        log.info("bot started", extra={"platforms": list(platforms)})
        scheduler = asyncio.create_task(app.run_scheduler(stop))
        adapters = [ADAPTERS[p](app, clock, settings, stop) for p in platforms]
        await asyncio.gather(*adapters)
        stop.set()
        await scheduler
    finally:
        await app.close()
