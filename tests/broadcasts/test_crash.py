"""A bot process killed in the middle of a broadcast, and another that resumes it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from core.broadcasts.models import BroadcastDelivery
from core.members.models import Role
from core.messaging.inbound import Sender
from core.testing import Scenario

ROOT = Path(__file__).resolve().parents[2]
MEMBERS = 150
RATE = 50.0  # messages per second: 3 s of sending, killed after about one


async def prepare(tmp_path: Path) -> tuple[str, set[str]]:
    """A released broadcast to MEMBERS members, not sent yet; returns the URL and the DMs."""
    async with Scenario.open(tmp_path / "bot.db") as sc:
        olga = sc.person("olga")
        await sc.enrol(olga, "uk", Role.ORGANISER)
        chapters = ["london-hackney", "london-brixton", "glasgow-southside"]
        for i in range(MEMBERS):
            await sc.app.enrol("fake", Sender(f"m{i}", f"Member {i}"), chapters[i % 3])
        await olga.says("/broadcast uk")
        await olga.says("The general assembly is on Sunday.")
        await olga.presses("Now")
        await olga.presses("Members' private messages")
        await olga.presses("Send")
        await sc.app.scheduler.run_due()  # released: the rows are written, none sent
        async with sc.app.db.sessions() as session:
            rows = (await session.scalars(select(BroadcastDelivery))).all()
        assert {r.status for r in rows} == {"pending"} and len(rows) == MEMBERS + 1
        expected = {f"dm:{r.target}" for r in rows}
        return sc.database_url, expected


def worker(url: str, log: Path, idempotent: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.broadcasts.crash_worker",
            url,
            str(log),
            str(RATE),
            "1" if idempotent else "0",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def received(log: Path) -> Counter[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    return Counter(json.loads(line)["chat"] for line in lines)


async def in_doubt(url: str, tmp_path: Path) -> set[str]:
    from core.db.database import Database

    db = Database(url)
    try:
        async with db.sessions() as session:
            rows = await session.scalars(
                select(BroadcastDelivery.target).where(BroadcastDelivery.status == "sending")
            )
            return {f"dm:{target}" for target in rows.all()}
    finally:
        await db.dispose()


@pytest.mark.parametrize("idempotent", [True, False], ids=["dedupes", "cannot-dedupe"])
async def test_killed_mid_broadcast_and_resumed(tmp_path: Path, idempotent: bool) -> None:
    url, expected = await prepare(tmp_path)
    log = tmp_path / "platform.jsonl"
    first = worker(url, log, idempotent)
    deadline = time.monotonic() + 60
    while sum(received(log).values()) < MEMBERS // 4:
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert time.monotonic() < deadline, "the first worker sent nothing"
        await asyncio.sleep(0.02)
    first.send_signal(signal.SIGKILL)  # no clean-up, no last commit
    first.wait()
    before = received(log)
    assert 0 < sum(before.values()) < MEMBERS  # really killed in the middle
    doubt = await in_doubt(url, tmp_path)

    second = worker(url, log, idempotent)
    _out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()

    got = received(log)
    report = got.pop("dm:olga")  # the organiser's report, after her own copy
    assert report == 2
    got["dm:olga"] = 1
    assert set(got) == expected  # nobody skipped
    twice = {chat for chat, count in got.items() if count > 1}
    if idempotent:
        assert not twice  # exactly once each
    else:
        # Only messages whose fate was unknown at the crash may have gone out twice.
        assert twice <= doubt
        assert max(got.values()) <= 2
    async with Scenario.open(url, migrate=False) as sc, sc.app.db.sessions() as session:
        statuses = Counter((await session.scalars(select(BroadcastDelivery.status))).all())
    assert statuses == {"sent": MEMBERS + 1}
