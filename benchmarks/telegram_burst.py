"""A broadcast-sized burst of DMs through the Telegram adapter and the fake Bot API server.

3,000 private messages are delivered the way the core delivers a broadcast
(``CoreApp.deliver``), through python-telegram-bot, the adapter's pacing and the fake
server enforcing Telegram's real limits (30 messages/s overall, 1/s per private chat).
Reported: the achieved rate ÷ 30/s (target ≥ 0.95) and the 429s after the first (target 0).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from bots.telegram.main import TelegramOptions, build_application
from bots.telegram.messenger import TelegramMessenger
from bots.telegram.pacing import FloodLimits, Pacer
from bots.telegram.sending import Courier
from core.app import AppConfig, CoreApp
from core.config.organisation import load_organisation
from core.db.database import Database
from core.db.migrate import upgrade
from core.messaging.outbound import OutgoingMessage
from core.messaging.outbox import Delivery
from core.testing.fake_clock import FakeClock
from core.testing.scenario import DEMO_ORGANISATION, sqlite_url
from tests.services.telegram_api.server import TOKEN, FakeTelegram

MESSAGES = 3000
LIMIT = 30.0


async def burst(workdir: Path, count: int = MESSAGES) -> tuple[float, int, int]:
    """Sends ``count`` DMs; returns (messages per second, 429s, 429s after the first)."""
    url = sqlite_url(workdir / "burst.sqlite3")
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    app = await CoreApp.open(
        AppConfig(load_organisation(DEMO_ORGANISATION), "en"), Database(url), FakeClock()
    )
    async with FakeTelegram() as tg:
        people = [tg.user(f"Member{n}") for n in range(count)]
        application = build_application(TelegramOptions(token=TOKEN, api_url=tg.api_url))
        async with application:
            messenger = TelegramMessenger(application.bot, Courier(Pacer(FloodLimits())))
            app.attach(messenger)
            deliveries = [
                Delivery(
                    "telegram",
                    OutgoingMessage(f"📣 Announcement for {p.first_name}: the assembly is on."),
                    direct_to=str(p.id),
                )
                for p in people
            ]
            started = time.monotonic()
            await app.deliver(deliveries)
            elapsed = time.monotonic() - started
        await app.close()
        assert tg.violations == [], tg.violations[:5]
        assert len(tg.posted) == count, f"{len(tg.posted)} of {count} delivered"
        limited = len(tg.rate_limited)
        return count / elapsed, limited, max(0, limited - 1)


def main(count: int = MESSAGES) -> None:
    """Prints the burst's rate as a ratio to Telegram's limit, and its 429s."""
    with tempfile.TemporaryDirectory() as tmp:
        rate, limited, after_first = asyncio.run(burst(Path(tmp), count))
    print(f"Telegram burst: {count:,} DMs through the adapter and the fake Bot API server")
    print(f"  achieved {rate:.2f} messages/s ÷ {LIMIT:.0f}/s = {rate / LIMIT:.3f} (target ≥ 0.95)")
    print(f"  429 answers: {limited}; after the first: {after_first} (target 0)")


if __name__ == "__main__":
    main()
