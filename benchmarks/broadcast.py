"""How fast a broadcast reaches 10,000 members across three platforms that enforce limits.

Each fake platform allows at most its limit of messages in any one-second window and
answers "too fast" (``RateLimited``) beyond it, like Telegram's 429, counting requests
as they leave the bot; every answer then takes 10 ms of "network". The limits are the real
ones scaled up (Telegram 30/s → 150/s; Discord's few DMs a second → 40/s; a Matrix
homeserver's → 100/s) so that the run takes seconds, not minutes.
Members are spread over the platforms in proportion to their limits, so each platform is
busy the whole time; 500 of them also have an account on a second platform (reached once).

Printed per platform and backend: the achieved rate ÷ the platform's limit (target ≥ 0.95),
the platform's "too fast" answers, duplicates (0) and lost members (0); and the release
(writing 10,000 delivery rows) and the process's peak memory.

The rate is the broadcast's deliveries over the time they took on that platform: from its
first delivery to its last. The organiser's own messages on the way (the preview and the
confirmation while composing, the final report after the slowest platform) count against
the platform's limit like any request, but are not deliveries: counted in the rate, they
stretched Telegram's window over the composing and the release (2–3 s of a 36 s run).
"""

from __future__ import annotations

import asyncio
import resource
import time
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from core.federation.models import Branch
from core.members.models import Member, PlatformAccount, Role
from core.messaging.outbound import OutgoingMessage, SentMessage
from core.messaging.port import Capabilities, Pace, RateLimited
from core.testing import FakeMessenger, Scenario, sqlite_url
from core.testing.scenario import Person

MEMBERS = 10_000
LINKED = 500
LIMITS = {"telegram": 150.0, "discord": 40.0, "matrix": 100.0}
LATENCY = 0.010
LANGUAGES = ("en", "es", "fr", "ar", "el")
CHAPTERS = ("london-hackney", "madrid-lavapies", "paris-belleville", "athens-exarchia")
TEXT = "The general assembly is on Saturday: everyone is welcome."


@dataclass
class LimitedPlatform(FakeMessenger):
    """A fake platform that refuses more than ``limit`` messages in any one second."""

    limit: float = 1.0
    sends: list[float] = field(default_factory=list)  # when each delivery left
    refused: int = 0

    def __post_init__(self) -> None:
        self._window: deque[float] = deque()

    def _take(self) -> None:
        now = time.monotonic()
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        if len(self._window) >= self.limit:
            self.refused += 1
            raise RateLimited(self._window[0] + 1.0 - now)
        self._window.append(now)

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        # Counted when the request leaves the bot (the platform sees requests in the order
        # and rhythm they were sent); the answer comes back after the network's latency.
        self._take()
        if (message.idempotency_key or "").startswith("b"):  # a broadcast's delivery
            self.sends.append(time.monotonic())
        await asyncio.sleep(LATENCY)
        return await super().send(chat_id, message)


def platform(name: str) -> LimitedPlatform:
    limit = LIMITS[name]
    fake = LimitedPlatform(limit=limit)
    FakeMessenger.__init__(
        fake, name, Capabilities(buttons=True, edit=True, pace=Pace(per_second=limit))
    )
    return fake


def spread(i: int) -> str:
    """The platform of member ``i``, in proportion to the limits."""
    total = sum(LIMITS.values())
    point = (i % 1000) / 1000 * total
    for name, limit in LIMITS.items():
        if point < limit:
            return name
        point -= limit
    return "telegram"


async def populate(sc: Scenario) -> None:
    now = sc.clock.now()
    async with sc.app.db.transaction() as session:
        chapters = dict(
            (
                await session.execute(
                    select(Branch.slug, Branch.id).where(Branch.slug.in_(CHAPTERS))
                )
            ).all()
        )
        ids = (
            await session.scalars(
                insert(Member).returning(Member.id, sort_by_parameter_order=True),
                [
                    {
                        "display_name": f"Member {i}",
                        "language": LANGUAGES[i % len(LANGUAGES)],
                        "chapter_id": chapters[CHAPTERS[i % len(CHAPTERS)]],
                        "created_at": now,
                    }
                    for i in range(MEMBERS)
                ],
            )
        ).all()
        accounts = [
            {
                "platform": spread(i),
                "external_id": f"u{i}",
                "member_id": member_id,
                "display_name": f"Member {i}",
                "created_at": now,
                "last_seen_at": now,
            }
            for i, member_id in enumerate(ids)
        ]
        # Some members linked a second account, used longer ago: reached on the first only.
        accounts += [
            {
                **accounts[i],
                "platform": "matrix" if spread(i) != "matrix" else "telegram",
                "external_id": f"second{i}",
                "last_seen_at": now.replace(year=now.year - 1),
            }
            for i in range(0, LINKED * 7, 7)
        ]
        await session.execute(insert(PlatformAccount), accounts)


async def broadcast(sc: Scenario, olga: Person, branch: str, text: str) -> None:
    await olga.says(f"/broadcast {branch}")
    await olga.says(text)
    await olga.presses("Now")
    await olga.presses("Members' private messages")
    await olga.presses("Send")


async def measure(url: str, name: str) -> None:
    fakes = [platform(p) for p in LIMITS]
    async with Scenario.open(url, messengers=list(fakes)) as sc:
        await populate(sc)
        olga = sc.person("olga", platform="telegram")
        await sc.enrol(olga, "international", Role.ORGANISER)
        # A running bot has its statements compiled and its caches warm: one small
        # broadcast first (to a chapter of a few members), not timed.
        for platform_name in LIMITS:
            await sc.enrol(
                sc.person(f"warm-{platform_name}", platform=platform_name), "roma-pigneto"
            )
        await broadcast(sc, olga, "roma-pigneto", "Warming up.")
        await sc.app.run_due()
        for fake in fakes:
            fake.sends.clear()
            fake.refused = 0
        await broadcast(sc, olga, "international", TEXT)
        await sc.app.translation_worker.drain()  # no provider: nothing to wait for
        started = time.perf_counter()
        await sc.app.scheduler.run_due()  # the release: 10,001 rows
        release = time.perf_counter() - started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        await sc.app.broadcasts.drain()
        elapsed = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        got: Counter[str] = Counter()
        for fake in fakes:
            for posted in fake.posted:
                if posted.text.startswith("📣") and TEXT in posted.text:
                    got[posted.chat_id.removeprefix("dm:")] += 1
        expected = {f"u{i}" for i in range(MEMBERS)} | {"olga"}
        duplicates = sum(n - 1 for n in got.values() if n > 1)
        lost = len(expected - set(got))
        print(
            f"  {name}: {sum(got.values()):,} delivered in {elapsed:.1f} s "
            f"(release {release:.1f} s); duplicates {duplicates}, lost {lost}, "
            f"peak memory {rss_after / 1024:.0f} MB (+{(rss_after - rss_before) / 1024:.0f} MB)"
        )
        for fake in fakes:
            span = fake.sends[-1] - fake.sends[0] if len(fake.sends) > 1 else 0
            rate = (len(fake.sends) - 1) / span if span else 0
            print(
                f"    {fake.platform:<9} {len(fake.sends):>5,} delivered at {rate:6.1f}/s, limit "
                f"{fake.limit:.0f}/s: rate ÷ limit {rate / fake.limit:.3f} (target ≥ 0.95); "
                f"refused as too fast: {fake.refused}"
            )


async def main(tmp: Path, pg_url: str | None) -> None:
    """Runs the benchmark on SQLite (a file in ``tmp``), and on PostgreSQL when given."""
    print(f"Broadcast to {MEMBERS:,} members on three rate-limited platforms")
    await measure(sqlite_url(tmp / f"bench-{uuid.uuid4().hex}.db"), "SQLite")
    if pg_url:
        await measure(pg_url, "PostgreSQL")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp), None))
