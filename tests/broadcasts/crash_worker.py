"""A bot process that only sends broadcasts, to a platform that writes down what it got.

Run as ``python -m tests.broadcasts.crash_worker DB_URL LOG RATE IDEMPOTENT``. The
"platform" is a file: every message it accepts is one JSON line (written and flushed
before the send returns, as a platform's own record would be). With IDEMPOTENT=1 it drops a
message whose idempotency key it has already accepted, as Matrix does with a transaction id
(its memory is the file, so it survives the bot's crash: it is the platform's, not ours).
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from core.app import AppConfig, CoreApp
from core.broadcasts.models import Broadcast
from core.config.organisation import load_organisation
from core.db.database import Database
from core.messaging.inbound import ButtonPressed
from core.messaging.outbound import NativeEvent, OutgoingMessage, SentMessage
from core.messaging.port import Capabilities, Pace
from core.scheduling.clock import SystemClock
from core.testing import DEMO_ORGANISATION


class FileMessenger:
    def __init__(self, log: Path, rate: float, idempotent: bool) -> None:
        self.log = log
        self._capabilities = Capabilities(
            buttons=True,
            edit=True,
            pace=Pace(per_second=rate, in_flight=4),
            idempotent_sends=idempotent,
        )
        self.keys: set[str] = set()
        if idempotent and log.exists():
            for line in log.read_text().splitlines():
                self.keys.add(json.loads(line)["key"])
        self.out = log.open("a")
        self.count = len(self.keys)

    @property
    def platform(self) -> str:
        return "fake"

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def send(self, chat_id: str, message: OutgoingMessage) -> SentMessage:
        await asyncio.sleep(0.002)  # the network
        key = message.idempotency_key or ""
        if self._capabilities.idempotent_sends and key and key in self.keys:
            return SentMessage(chat_id, "again")
        self.keys.add(key)
        self.count += 1
        self.out.write(json.dumps({"chat": chat_id, "key": key}) + "\n")
        self.out.flush()
        return SentMessage(chat_id, str(self.count))

    async def send_direct(self, user_id: str, message: OutgoingMessage) -> SentMessage:
        return await self.send(f"dm:{user_id}", message)

    async def edit(self, sent: SentMessage, message: OutgoingMessage) -> None:
        return None

    async def acknowledge(self, press: ButtonPressed, text: str | None = None) -> None:
        return None

    async def approve_join_request(self, chat_id: str, user_id: str) -> None:
        return None

    async def decline_join_request(self, chat_id: str, user_id: str) -> None:
        return None

    async def invite(self, chat_id: str, user_id: str) -> None:
        return None

    async def mirror_event(self, chat_id: str, event: NativeEvent, existing: str | None) -> str:
        raise NotImplementedError


async def main(url: str, log: Path, rate: float, idempotent: bool) -> None:
    config = AppConfig(load_organisation(DEMO_ORGANISATION), "en")
    app = await CoreApp.open(config, Database(url), SystemClock())
    app.attach(FileMessenger(log, rate, idempotent))
    app.broadcasts.lease = timedelta(seconds=1)
    app.broadcasts.batch_seconds = 0.5
    try:
        while True:
            await app.broadcasts.drain()
            async with app.db.sessions() as session:
                statuses = set((await session.scalars(select(Broadcast.status))).all())
            if statuses == {"done"}:
                return
            await asyncio.sleep(0.2)  # rows a dead process holds come free when its lease ends
    finally:
        await app.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"))
