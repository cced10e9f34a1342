"""Two bot processes on one PostgreSQL: every delivery claimed and sent by exactly one."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.broadcasts.models import BroadcastDelivery
from core.db.database import Database
from core.members.models import Role
from core.messaging.inbound import Sender
from core.messaging.port import Capabilities, Pace
from core.testing import FakeMessenger, Scenario

pytestmark = pytest.mark.postgres
MEMBERS = 300
CAPABILITIES = Capabilities(buttons=True, edit=True, pace=Pace(per_second=400, in_flight=8))


async def test_two_workers_share_the_rows(postgres_url: str) -> None:
    first = FakeMessenger("fake", CAPABILITIES)
    async with Scenario.open(postgres_url, messengers=[first]) as sc:
        olga = sc.person("olga")
        await sc.enrol(olga, "uk", Role.ORGANISER)
        for i in range(MEMBERS):
            await sc.app.enrol("fake", Sender(f"m{i}", f"Member {i}"), "london-hackney")
        await olga.says("/broadcast uk")
        await olga.says("Two workers, one message each.")
        await olga.presses("Now")
        await olga.presses("Members' private messages")
        await olga.presses("Send")
        await sc.app.scheduler.run_due()  # released

        second = FakeMessenger("fake", CAPABILITIES)
        other = await CoreApp.open(sc.config, Database(postgres_url), sc.clock, worker_id="w2")
        other.attach(second)
        try:
            for app in (sc.app, other):
                app.broadcasts.batch_seconds = 0.1  # small claims, so both get some
            await asyncio.gather(sc.app.broadcasts.drain(), other.broadcasts.drain())
        finally:
            await other.close()

        def sent(fake: FakeMessenger) -> Counter[str]:
            return Counter(p.chat_id for p in fake.posted if p.text.startswith("📣 United"))

        one, two = sent(first), sent(second)
        assert one and two  # both processes really worked
        assert not set(one) & set(two)
        assert max((one + two).values()) == 1
        assert len(one + two) == MEMBERS + 1
        reports = [p for fake in (first, second) for p in fake.posted if "is finished" in p.text]
        assert len(reports) == 1
        async with sc.app.db.sessions() as session:
            statuses = Counter((await session.scalars(select(BroadcastDelivery.status))).all())
        assert statuses == {"sent": MEMBERS + 1}
