"""Calendar feed files: written after changes, once per burst, atomically, unguessably named."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from bots.runner import app_config
from core.config import ConfigError, load_settings
from core.gatherings import feeds
from core.gatherings.feeds import FeedSettings, member_file_name, write_atomically
from core.members.models import PlatformAccount, Role
from core.scheduling.models import Job, JobStatus
from core.testing import DEMO_ORGANISATION, Person, Scenario
from tests.gatherings.helpers import HACKNEY, WELCOME, announcements, press_on

URL = "https://cal.example.org/feeds"
BRIXTON = "london-brixton"


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "calendars"


@pytest.fixture
async def sc(database_url: str, directory: Path) -> AsyncIterator[Scenario]:
    async with Scenario.open(database_url, calendar_feeds=FeedSettings(directory, URL)) as s:
        yield s


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often each feed file is written (by its name under the directory)."""
    counted: Counter[str] = Counter()

    def counting(path: Path, content: bytes) -> None:
        counted[f"{path.parent.name}/{path.name}"] += 1
        write_atomically(path, content)

    monkeypatch.setattr(feeds, "write_atomically", counting)
    return counted


def read(path: Path) -> Calendar:
    return Calendar.from_ical(path.read_bytes())


def hidden_files(directory: Path) -> list[Path]:
    return list(directory.rglob(".*"))


def summaries(path: Path) -> list[str]:
    return [str(event["SUMMARY"]) for event in read(path).walk("VEVENT")]


async def member_id(sc: Scenario, person: Person) -> int:
    async with sc.app.db.sessions() as session:
        found = await session.scalar(
            select(PlatformAccount.member_id).where(
                PlatformAccount.platform == person.platform,
                PlatformAccount.external_id == person.name,
            )
        )
    assert found is not None
    return found


async def feed_of(sc: Scenario, person: Person, directory: Path) -> Path:
    """Where ``person``'s feed is, computed with the bot's key (as a stranger cannot)."""
    key = sc.app.services.signer.derive(feeds.PURPOSE)
    found = await member_id(sc, person)
    return directory / "members" / f"{member_file_name(key, found)}.ics"


async def feed_jobs(sc: Scenario, status: JobStatus | None = None) -> int:
    async with sc.app.db.sessions() as session:
        query = select(func.count()).where(Job.kind == feeds.FEEDS)
        if status is not None:
            query = query.where(Job.status == status.value)
        return int(await session.scalar(query) or 0)


async def test_files_follow_create_answer_edit_and_cancel(
    sc: Scenario, directory: Path, writes: Counter[str]
) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob, cy = sc.person("olga"), sc.person("bob"), sc.person("cy")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(cy, BRIXTON)
    hackney = directory / "branches" / "london-hackney.ics"
    bobs, olgas = await feed_of(sc, bob, directory), await feed_of(sc, olga, directory)
    cys = await feed_of(sc, cy, directory)

    await olga.says(WELCOME, chat=tg)
    assert not hackney.exists()  # booked for the end of the window, not written yet
    assert await feed_jobs(sc, JobStatus.PENDING) == 1
    await sc.advance(seconds=30)
    [event] = read(hackney).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Welcome event"
    assert event.decoded("SEQUENCE") == 0 and event["STATUS"] == "CONFIRMED"
    assert summaries(bobs) == summaries(olgas) == ["Welcome event"]
    # Brixton is beside Hackney, London above it: their people don't see Hackney's gathering.
    assert sorted(p.name for p in (directory / "branches").iterdir()) == ["london-hackney.ics"]
    assert not cys.exists()
    assert (directory / "members" / "index.html").read_bytes() == b""  # no folder listing
    assert hidden_files(directory) == []  # no temporary file left behind

    # An answer rewrites the feed of who answered, marked; nobody else's.
    before = dict(writes)
    olgas_bytes = olgas.read_bytes()
    await bob.presses("✅ Going", chat=tg)
    await sc.advance(seconds=30)
    [mine] = read(bobs).walk("VEVENT")
    assert str(mine["SUMMARY"]) == "✅ Welcome event"
    assert str(mine["DESCRIPTION"]).startswith("Your answer: going.\n\n")
    assert olgas.read_bytes() == olgas_bytes
    assert Counter(writes) - Counter(before) == Counter({f"members/{bobs.name}": 1})

    await bob.presses("❌ Can't", chat=tg)
    await sc.advance(seconds=30)
    [mine] = read(bobs).walk("VEVENT")
    assert str(mine["SUMMARY"]) == "❌ Welcome event"
    assert mine["TRANSP"] == "TRANSPARENT"  # not busy at a meeting one can't go to

    await olga.says("/gathering_edit 1 place Library", chat=tg)
    await sc.advance(seconds=30)
    [event] = read(hackney).walk("VEVENT")
    assert (str(event["LOCATION"]), event.decoded("SEQUENCE")) == ("Library", 1)
    assert str(read(bobs).walk("VEVENT")[0]["LOCATION"]) == "Library"

    await olga.says("/gathering_edit 1 cancel", chat=tg)
    await sc.advance(seconds=30)
    for path in (hackney, bobs, olgas):
        [event] = read(path).walk("VEVENT")
        assert (event["STATUS"], event.decoded("SEQUENCE")) == ("CANCELLED", 2)


async def test_a_burst_of_changes_writes_each_file_once(
    sc: Scenario, directory: Path, writes: Counter[str]
) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    people = [sc.person(f"m{n}") for n in range(5)]
    for person in people:
        await sc.enrol(person, HACKNEY)
    await olga.says(WELCOME + " --capacity 3", chat=tg)
    for n in range(4):
        await olga.says(f"/gathering_edit 1 place Room {n}", chat=tg)
    for person in people:
        await person.presses("✅ Going", chat=tg)
    assert await feed_jobs(sc) == 1  # one job for the whole burst
    await sc.advance(seconds=30)
    assert await feed_jobs(sc, JobStatus.DONE) == 1
    assert set(writes.values()) == {1}
    assert len(writes) == 1 + 6 + 1  # the branch, its six members, the empty index page
    [event] = read(directory / "branches" / "london-hackney.ics").walk("VEVENT")
    assert str(event["LOCATION"]) == "Room 3"
    marks: Counter[str] = Counter()
    for person in people:
        marks[summaries(await feed_of(sc, person, directory))[0][0]] += 1
    assert marks == Counter({"✅": 3, "⏳": 2})  # three places, then the waiting list


async def test_a_gathering_above_reaches_every_branch_and_member_below(
    sc: Scenario, directory: Path
) -> None:
    london = await sc.group("london-tg", "london")
    rita, bob, cy = sc.person("rita"), sc.person("bob"), sc.person("cy")
    await sc.enrol(rita, "london", Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await sc.enrol(cy, BRIXTON)
    await rita.says('/gathering "Regional assembly" 2026-12-12 14:00', chat=london)
    await sc.advance(seconds=30)
    branches = sorted(p.name for p in (directory / "branches").iterdir())
    assert branches == ["london-brixton.ics", "london-hackney.ics", "london.ics"]
    for name in branches:
        assert summaries(directory / "branches" / name) == ["Regional assembly"]
    for person in (rita, bob, cy):
        assert summaries(await feed_of(sc, person, directory)) == ["Regional assembly"]


async def test_each_answered_occurrence_of_a_repeating_gathering_is_marked(
    sc: Scenario, directory: Path
) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await olga.says(WELCOME + " --repeat weekly", chat=tg)
    await olga.says("/gathering_edit 1 move 2026-12-13 2026-12-14 19:00", chat=tg)
    [post] = announcements(sc, tg)
    await press_on(bob, post, "🤔 Maybe", tg)  # the first Sunday
    await sc.advance(seconds=30)
    main, *overrides = read(await feed_of(sc, bob, directory)).walk("VEVENT")
    assert str(main["SUMMARY"]) == "Welcome event" and "RRULE" in main
    by_date = {o.decoded("RECURRENCE-ID").date().isoformat(): o for o in overrides}
    assert sorted(by_date) == ["2026-12-06", "2026-12-13"]
    assert str(by_date["2026-12-06"]["SUMMARY"]) == "🤔 Welcome event"
    moved = by_date["2026-12-13"]  # moved, not answered: as in the branch's feed
    assert (str(moved["SUMMARY"]), moved.decoded("DTSTART").day) == ("Welcome event", 14)
    # Answered on the change notice: the moved date, marked where it now is.
    await bob.presses("✅ Going", chat=tg)
    await sc.advance(seconds=30)
    main, *overrides = read(await feed_of(sc, bob, directory)).walk("VEVENT")
    moved = {o.decoded("RECURRENCE-ID").date().isoformat(): o for o in overrides}["2026-12-13"]
    assert (str(moved["SUMMARY"]), moved.decoded("DTSTART").day) == ("✅ Welcome event", 14)


async def test_calendar_tells_the_member_where_their_feed_is(sc: Scenario, directory: Path) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    await olga.says(WELCOME, chat=tg)
    await bob.presses("✅ Going", chat=tg)
    [sent] = await bob.says("/calendar", chat=tg)  # written now, not at the window's end
    bobs = await feed_of(sc, bob, directory)
    assert sent.chat_id == bob.dm
    assert sent.text == (
        "📆 Your gatherings: those of your chapter and the ones you said you'd come to, with "
        "your answers. Subscribe to this address in your calendar program and it stays up to "
        f"date (it is yours alone: don't share it):\n{URL}/members/{bobs.name}"
    )
    assert sent.message.file is not None
    assert sent.message.file.content == bobs.read_bytes()
    assert summaries(bobs) == ["✅ Welcome event"]
    assert len(bobs.stem) == 32


async def test_the_job_is_a_row_and_survives_a_restart(sc: Scenario, directory: Path) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga = sc.person("olga")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await olga.says(WELCOME, chat=tg)
    await sc.restart()
    await sc.advance(seconds=30)
    assert summaries(directory / "branches" / "london-hackney.ics") == ["Welcome event"]


async def test_an_erased_members_feed_is_deleted(sc: Scenario, directory: Path) -> None:
    tg = await sc.group("hackney-tg", HACKNEY)
    olga, bob = sc.person("olga"), sc.person("bob")
    await sc.enrol(olga, HACKNEY, Role.ORGANISER)
    await sc.enrol(bob, HACKNEY)
    bobs = await feed_of(sc, bob, directory)
    await olga.says(WELCOME, chat=tg)
    await sc.advance(seconds=30)
    assert bobs.exists()
    await bob.says("/forgetme")
    await bob.presses("Erase my data")
    await olga.says("/gathering_edit 1 place Library", chat=tg)
    await sc.advance(seconds=30)
    assert not bobs.exists()


async def test_no_feed_directory_no_jobs_no_files(database_url: str, tmp_path: Path) -> None:
    async with Scenario.open(database_url) as sc:
        tg = await sc.group("hackney-tg", HACKNEY)
        olga = sc.person("olga")
        await sc.enrol(olga, HACKNEY, Role.ORGANISER)
        await olga.says(WELCOME, chat=tg)
        await olga.presses("✅ Going", chat=tg)
        assert await feed_jobs(sc) == 0
        [sent] = await olga.says("/calendar")
        assert sent.text.endswith("send /calendar again after changes.")


def test_a_write_replaces_the_file_in_one_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "branches" / "x.ics"
    write_atomically(path, b"old")
    seen: list[tuple[bytes, bytes]] = []
    real_replace: Callable[[str, Path], None] = os.replace

    def replacing(source: str, target: Path) -> None:
        # At the moment of the swap: the old file is whole, the new one complete and readable.
        seen.append((Path(target).read_bytes(), Path(source).read_bytes()))
        assert os.stat(source).st_mode & 0o777 == 0o644
        real_replace(source, target)

    monkeypatch.setattr(feeds.os, "replace", replacing)
    write_atomically(path, b"new" * 1000)
    assert seen == [(b"old", b"new" * 1000)]
    assert path.read_bytes() == b"new" * 1000
    assert [p.name for p in path.parent.iterdir()] == ["x.ics"]

    def failing(source: str, target: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(feeds.os, "replace", failing)
    with pytest.raises(OSError):
        write_atomically(path, b"half")
    assert path.read_bytes() == b"new" * 1000  # untouched
    assert [p.name for p in path.parent.iterdir()] == ["x.ics"]  # the temporary file is gone


def test_member_file_names_depend_on_the_key() -> None:
    one, other = b"k" * 32, b"j" * 32
    assert member_file_name(one, 7) == member_file_name(one, 7)
    assert member_file_name(one, 7) != member_file_name(one, 8)
    assert member_file_name(one, 7) != member_file_name(other, 7)


def test_the_calendars_settings(tmp_path: Path) -> None:
    (tmp_path / "organisation.toml").write_bytes(DEMO_ORGANISATION.read_bytes())
    path = tmp_path / "iopsbot.toml"
    path.write_text(f'[calendars]\ndirectory = "var/cal"\npublic_url = "{URL}"\n')
    config = app_config(load_settings(path, environ={}))
    assert config.calendar_feeds == FeedSettings(Path("var/cal"), URL)
    assert config.calendar_feeds.url_of(Path("var/cal/branches/x.ics")) == (f"{URL}/branches/x.ics")
    path.write_text("")
    assert app_config(load_settings(path, environ={})).calendar_feeds is None
    for body, problem in (
        (f'public_url = "{URL}"', "calendars: public_url needs a directory to serve"),
        ('directory = "x"\npublic_url = "ftp://x"', "calendars.public_url: give the folder's"),
    ):
        path.write_text(f"[calendars]\n{body}\n")
        with pytest.raises(ConfigError) as info:
            load_settings(path, environ={})
        assert problem in str(info.value)
