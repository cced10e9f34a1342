"""How many inbound commands per second CoreApp handles, end to end, on each backend.

Each event is a full unit of work: exactly-once check, member and chat lookup, routing,
rendering in the member's language, commit, delivery to a (fake) platform. The figure that
matters is the ratio to the fastest platform limit the bot must keep up with: Telegram's
~30 messages/s per bot. A ratio well above 1 means the core is never the bottleneck.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from pathlib import Path

from core.testing import Scenario, sqlite_url

TELEGRAM_GLOBAL_LIMIT = 30.0  # messages per second, per bot
PEOPLE = 200
EVENTS = 2000
LANGUAGES = ("en", "es", "ar", "el", "pt")


async def measure(url: str) -> dict[str, float]:
    """Sends EVENTS commands from PEOPLE people; returns rate and latency percentiles."""
    async with Scenario.open(url) as sc:
        people = [
            sc.person(f"p{i}", language_hint=LANGUAGES[i % len(LANGUAGES)]) for i in range(PEOPLE)
        ]
        for person in people:  # first contact creates the member: not what we measure
            await person.says("/start")
        latencies: list[float] = []
        started = time.perf_counter()
        for i in range(EVENTS):
            t0 = time.perf_counter()
            await people[i % PEOPLE].says("/help")
            latencies.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rate": EVENTS / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def report(name: str, result: dict[str, float]) -> None:
    """Prints one backend's line."""
    print(
        f"inbound /help on {name:<10} {result['rate']:8.0f} events/s  "
        f"p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
        f"ratio to Telegram's 30/s limit: {result['rate'] / TELEGRAM_GLOBAL_LIMIT:6.1f}x"
    )


async def main(workdir: Path, postgres_url: str | None) -> None:
    """Runs the benchmark on SQLite, and on PostgreSQL when a URL is given."""
    report("sqlite", await measure(sqlite_url(workdir / f"bench-{uuid.uuid4().hex}.db")))
    if postgres_url:
        report("postgresql", await measure(postgres_url))


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp), None))
