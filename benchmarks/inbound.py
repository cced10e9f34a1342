"""How fast CoreApp handles inbound events, end to end, on each backend.

Each event is a whole unit of work: the exactly-once record of its update id, the sender's
member and account, the chat and its branch, routing, the handler, rendering in the
member's language, commit, delivery to a (fake) platform and, for a button, the
acknowledgement. Three workloads, on SQLite and on PostgreSQL:

- ``/help``: a command whose handler only reads (what most events cost);
- a language button: a press whose handler writes (a savepoint and an UPDATE, as a ballot
  would), alternating between two languages so that every press really changes the row;
- both mixed, sent by many people at once (``CONCURRENCY`` events in flight).

The fake clock advances 10 ms per event, as under a steady load: people are not new, and
their ``last_seen_at`` is fresh (written at most every few minutes, not per event).
Before timing, one event of each kind is run with SQL logging to count its statements.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from core.messaging.inbound import (
    ButtonPressed,
    ChatKind,
    ChatRef,
    CommandReceived,
    Inbound,
    Sender,
)
from core.testing import Scenario, sqlite_url
from core.testing.scenario import Person

TELEGRAM_GLOBAL_LIMIT = 30.0  # messages per second, per bot
PEOPLE = 200
EVENTS = 2000  # per sequential workload
CONCURRENT_EVENTS = 3000
CONCURRENCY = 20  # in flight; by Little's law p50 ≈ CONCURRENCY / rate
LANGUAGES = ("en", "es", "ar", "el", "pt")
TICK_MS = 10  # fake time between events


@dataclass(frozen=True)
class Result:
    """One workload's figures."""

    events: int
    seconds: float
    latencies: list[float]  # seconds, sorted
    cpu_seconds: float  # of the event loop's thread (steadier than wall time on a busy box)

    @property
    def rate(self) -> float:
        """Events per second."""
        return self.events / self.seconds

    def percentile(self, share: float) -> float:
        """A latency percentile, in milliseconds."""
        index = min(len(self.latencies) - 1, max(0, int(len(self.latencies) * share) - 1))
        return self.latencies[index] * 1000


class Workload:
    """Builds the events of one run: unique update ids, the people, their buttons."""

    def __init__(self, sc: Scenario, people: list[Person], buttons: dict[str, list[str]]):
        self.sc = sc
        self.people = people
        self.buttons = buttons  # per person: the data of two language buttons
        self._ids = itertools.count()
        self._run = uuid.uuid4().hex[:8]  # update ids never collide across runs on one database

    def _update(self) -> str:
        return f"bench-{self._run}-{next(self._ids)}"

    @staticmethod
    def _sender(person: Person) -> Sender:
        return Sender(person.name, person.name.title(), person.language_hint)

    def help(self, i: int) -> Inbound:
        """The i-th /help (in each person's private chat)."""
        person = self.people[i % len(self.people)]
        return CommandReceived(
            platform=person.platform,
            sender=self._sender(person),
            chat=ChatRef(person.dm, ChatKind.PRIVATE),
            update_id=self._update(),
            command="help",
            args="",
        )

    def press(self, i: int) -> Inbound:
        """The i-th language button press; a person's presses alternate two languages."""
        person = self.people[i % len(self.people)]
        choices = self.buttons[person.name]
        return ButtonPressed(
            platform=person.platform,
            sender=self._sender(person),
            chat=ChatRef(person.dm, ChatKind.PRIVATE),
            update_id=self._update(),
            data=choices[(i // len(self.people)) % 2],
        )

    def mixed(self, i: int) -> Inbound:
        """Half commands, half presses."""
        return self.help(i) if i % 2 else self.press(i)


async def _timed(sc: Scenario, event_: Inbound, latencies: list[float]) -> None:
    sc.clock.advance(milliseconds=TICK_MS)
    t0 = time.perf_counter()
    await sc.app.handle(event_)
    latencies.append(time.perf_counter() - t0)


async def sequential(sc: Scenario, make: Callable[[int], Inbound], count: int) -> Result:
    """Sends ``count`` events one after the other."""
    latencies: list[float] = []
    started, cpu = time.perf_counter(), time.thread_time()
    for i in range(count):
        await _timed(sc, make(i), latencies)
    return Result(count, time.perf_counter() - started, sorted(latencies), time.thread_time() - cpu)


async def concurrent(
    sc: Scenario, make: Callable[[int], Inbound], count: int, in_flight: int
) -> Result:
    """Sends ``count`` events with up to ``in_flight`` of them being handled at once."""
    latencies: list[float] = []
    gate = asyncio.Semaphore(in_flight)

    async def one(i: int) -> None:
        async with gate:
            await _timed(sc, make(i), latencies)

    started, cpu = time.perf_counter(), time.thread_time()
    await asyncio.gather(*(one(i) for i in range(count)))
    return Result(count, time.perf_counter() - started, sorted(latencies), time.thread_time() - cpu)


async def count_statements(sc: Scenario, send: Callable[[], Awaitable[None]]) -> int:
    """How many SQL statements (BEGIN, SAVEPOINT… included) one event costs."""
    statements = 0

    def counted(*_args: object) -> None:
        nonlocal statements
        statements += 1

    engine = sc.app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", counted)
    try:
        await send()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return statements


async def _setup(sc: Scenario) -> Workload:
    people = [
        sc.person(f"p{i}", language_hint=LANGUAGES[i % len(LANGUAGES)]) for i in range(PEOPLE)
    ]
    buttons: dict[str, list[str]] = {}
    for person in people:  # first contact creates the member: not what we measure
        [menu] = await person.says("/language")
        by_label = {b.label.removeprefix("✓ "): b.action for b in menu.message.all_buttons()}
        buttons[person.name] = [by_label["Deutsch"], by_label["Français"]]
    return Workload(sc, people, buttons)


async def measure(url: str, name: str) -> None:
    """Runs every workload on one database and prints its lines."""
    async with Scenario.open(url) as sc:
        work = await _setup(sc)
        for label, make in (("command /help", work.help), ("button press", work.press)):
            statements = await count_statements(sc, lambda m=make: sc.app.handle(m(0)))
            report(name, f"{label}, sequential", await sequential(sc, make, EVENTS), statements)
        result = await concurrent(sc, work.mixed, CONCURRENT_EVENTS, CONCURRENCY)
        report(name, f"mixed, {CONCURRENCY} in flight", result, None)


def report(backend: str, workload: str, result: Result, statements: int | None) -> None:
    """Prints one line."""
    sql = f"  {statements:2d} SQL" if statements is not None else ""
    print(
        f"  {backend:<10} {workload:<26} {result.rate:6.0f} events/s  "
        f"p50 {statistics.median(result.latencies) * 1000:6.2f} ms  "
        f"p99 {result.percentile(0.99):6.2f} ms  "
        f"cpu {result.cpu_seconds / result.events * 1e6:5.0f} µs/event  "
        f"({result.rate / TELEGRAM_GLOBAL_LIMIT:4.1f}x Telegram's 30/s){sql}",
        flush=True,
    )


async def main(tmp: Path, pg_url: str | None) -> None:
    """Runs the benchmark on SQLite (a file in ``tmp``), and on PostgreSQL when given."""
    print(f"Inbound events through CoreApp ({PEOPLE} people, clock +{TICK_MS} ms per event)")
    await measure(sqlite_url(tmp / f"bench-{uuid.uuid4().hex}.db"), "SQLite")
    if pg_url:
        await measure(pg_url, "PostgreSQL")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(main(Path(tmp), None))
