"""Calendar feed files: every branch's and every member's, rewritten when gatherings change.

A web server serves the configured directory; calendar programs subscribe to the files'
addresses and fetch them again now and then. Layout::

    DIRECTORY/branches/<slug>.ics      a branch's gatherings and those of the branches above
    DIRECTORY/members/<name>.ics       a member's own calendar, with their answers
    DIRECTORY/members/index.html       empty: a server that lists folders shows nothing

**Names of members' files** are an HMAC-SHA256 of the member's id under a key derived from
the bot's secret key (the one that signs buttons), 128 bits in hex: nobody can guess
another member's address, and nothing needs storing to find a member's file again — to
rewrite it, or to delete it once they erased their data. Changing the secret key moves
every member's file (members subscribe again after ``/calendar``); the old files become
unreachable by name and can be deleted.

**When:** a gathering created, changed, cancelled or answered books one durable job for
its branch (:data:`FEEDS`) at the end of the current window of :data:`EVERY` seconds;
every other change to the branch's gatherings in that window finds it booked (its dedup
key names the window), so a burst of changes writes each file once. The job reads what
changed in its window from the rows themselves (``updated_at`` of the branch's
gatherings, ``answered_at`` of their answers), not from its payload:

- a gathering of the branch changed → the feeds of the branch and of every branch below
  it (their members see the gatherings above them, as ``/calendar``, ``/gatherings`` and
  the welcome note do), and the feeds of the members of all those branches and of
  everyone else in that gathering's own calendar (going, maybe, waiting);
- only answers changed → the feeds of the members who answered (a branch's feed shows no
  answers).

**How:** each file is written to a temporary file in the same folder, flushed to disk and
renamed over the old one (``os.replace``), so a web server serves the old file or the new
one, never half a file.

Every bot process that runs jobs must see the same directory (any of them may run a
job): one machine, or a shared volume.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions.service import subtree_ids
from core.federation.models import Branch
from core.gatherings.calendars import Builder
from core.gatherings.models import Gathering, Rsvp
from core.gatherings.service import IN_MY_CALENDAR
from core.i18n.translator import Translator
from core.members.models import Erasure, Member, PlatformAccount
from core.members.service import language_of
from core.messaging.context import Services
from core.scheduling.scheduler import JobContext, Scheduler

log = logging.getLogger(__name__)

FEEDS = "gathering.feeds"
EVERY = 30  # seconds: a branch's feeds are rewritten at most this often
PURPOSE = "calendar feed names"
_CHUNK = 500  # ids per IN (…) list


@dataclass(frozen=True)
class FeedSettings:
    """Where the feed files go, and where a web server makes them public.

    Attributes:
        directory: The folder the files are written to (created if missing).
        public_url: The address the folder is served at (``https://…/calendars``), for
            telling members where their feed is; None when it is not served.
    """

    directory: Path
    public_url: str | None = None

    def branch_path(self, slug: str) -> Path:
        """Where the feed of the branch ``slug`` is written."""
        return self.directory / "branches" / f"{slug}.ics"

    def member_path(self, name: str) -> Path:
        """Where the member feed named ``name`` (:func:`member_file_name`) is written."""
        return self.directory / "members" / f"{name}.ics"

    def url_of(self, path: Path) -> str | None:
        """The public address of a file in the directory, if the directory is served."""
        if self.public_url is None:
            return None
        return f"{self.public_url.rstrip('/')}/{path.relative_to(self.directory).as_posix()}"


def member_file_name(key: bytes, member_id: int) -> str:
    """A member's feed file name: unguessable without the key, the same every time."""
    return hmac.new(key, f"member {member_id}".encode(), hashlib.sha256).hexdigest()[:32]


def write_atomically(path: Path, content: bytes) -> None:
    """Replaces ``path`` with ``content`` in one step: readers see the old or the new file.

    The bytes go to a hidden temporary file in the same folder (a rename is atomic only
    within one file system), are flushed to disk, and the file is renamed over ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private; the web server must be able to read it.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _guard_listing(directory: Path) -> None:
    """An empty index page in the members' folder, written once."""
    index = directory / "index.html"
    if not index.exists():
        write_atomically(index, b"")


async def _ids(session: AsyncSession, query: Select[int]) -> set[int]:
    return set((await session.scalars(query)).all())


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


class Feeds:
    """Keeps the feed files up to date: books the job, runs it, writes a member's file.

    Args:
        settings: Where the files go; None: feeds are off (nothing is booked or written).
        services: The organisation, the catalogs and the signer (its derived key names
            members' files).
        scheduler: Where the jobs are booked.
    """

    def __init__(
        self, settings: FeedSettings | None, services: Services, scheduler: Scheduler
    ) -> None:
        self.settings = settings
        self.services = services
        self.scheduler = scheduler
        self._key = services.signer.derive(PURPOSE)

    def member_path(self, member_id: int) -> Path | None:
        """Where a member's feed is written; None when feeds are off."""
        if self.settings is None:
            return None
        return self.settings.member_path(member_file_name(self._key, member_id))

    def url_of(self, path: Path) -> str | None:
        """A feed file's public address; None when the feeds are not served."""
        return None if self.settings is None else self.settings.url_of(path)

    async def changed(self, session: AsyncSession, branch_id: int, now: datetime) -> None:
        """Books the rewrite of a branch's feeds for the end of the current window.

        Call it in the transaction that made the change: the job is a row of that
        transaction, so a change that commits is written out, also across a restart.
        """
        if self.settings is None:
            return
        window = int(now.timestamp()) // EVERY
        await self.scheduler.schedule(
            session,
            FEEDS,
            datetime.fromtimestamp((window + 1) * EVERY, UTC),
            {"branch": branch_id, "since": window * EVERY},
            f"gfeed:{branch_id}:{window}",
        )

    async def write_member(
        self, builder: Builder, member: Member, language: str
    ) -> tuple[Path, bytes] | None:
        """Writes a member's feed now; returns where, and what (None when feeds are off)."""
        path = self.member_path(member.id)
        if path is None:
            return None
        content = await builder.for_member(member, self.services.catalogs.get(language))
        await asyncio.to_thread(self._write_member_files, [(path, content)])
        return path, content

    @staticmethod
    def _write_member_files(files: list[tuple[Path, bytes]]) -> None:
        for path, content in files:
            _guard_listing(path.parent)
            write_atomically(path, content)

    async def job(self, job: JobContext) -> None:
        """Rewrites the feeds that what changed in the job's window shows in (see the module)."""
        if self.settings is None:
            log.warning("calendar feeds job dropped: no feed directory is configured")
            return
        session = job.session
        branch_id = int(job.job.payload["branch"])
        # From the opening of the window on: a job that runs late reads more, never less.
        since = datetime.fromtimestamp(int(job.job.payload["since"]), UTC)
        builder = Builder(session, self.services.organisation, job.now)
        changed = await _ids(
            session,
            select(Gathering.id).where(
                Gathering.branch_id == branch_id, Gathering.updated_at >= since
            ),
        )
        members: set[int] = set()
        branches = 0
        if changed:
            below = sorted(await subtree_ids(session, branch_id))
            rows = await session.scalars(
                select(Branch).where(Branch.id.in_(below), Branch.active).order_by(Branch.id)
            )
            for branch in rows.all():
                t = self.services.catalogs.get(branch.language)
                content = await builder.for_branch(branch, t)
                path = self.settings.branch_path(branch.slug)
                await asyncio.to_thread(write_atomically, path, content)
                branches += 1
            members |= await _ids(session, select(Member.id).where(Member.chapter_id.in_(below)))
            for chunk in _chunks(changed):
                members |= await _ids(
                    session,
                    select(Rsvp.member_id).where(
                        Rsvp.gathering_id.in_(chunk), Rsvp.answer.in_(IN_MY_CALENDAR)
                    ),
                )
        members |= await _ids(
            session,
            select(Rsvp.member_id)
            .join(Gathering, Gathering.id == Rsvp.gathering_id)
            .where(Gathering.branch_id == branch_id, Rsvp.answered_at >= since),
        )
        erased = await _ids(session, select(Erasure.member_id))
        written = await self._write_members(self.settings, builder, members - erased)
        # Erasing one's data (/forgetme) leaves no feed behind: it is deleted here, at the
        # next rewrite, as the erased member's file name can still be computed.
        await asyncio.to_thread(self._delete, [self.member_path(m) for m in erased])
        log.info(
            "calendar feeds written",
            extra={"job": job.job.id, "branch": branch_id, "feeds": branches + written},
        )

    async def _write_members(
        self, settings: FeedSettings, builder: Builder, member_ids: set[int]
    ) -> int:
        """Writes the feeds of some members, each in their language; returns how many."""
        organisation = self.services.organisation.organisation
        written = 0
        for chunk in _chunks(member_ids):
            rows = await builder.session.execute(
                select(Member, PlatformAccount.language_hint)
                .outerjoin(PlatformAccount, PlatformAccount.member_id == Member.id)
                .where(Member.id.in_(chunk))
                .order_by(Member.id, PlatformAccount.last_seen_at.desc())
            )
            readers: dict[int, tuple[Member, Translator]] = {}
            for member, hint in rows.all():
                if member.id in readers:
                    continue  # an older account of someone already counted
                language = language_of(
                    member.language,
                    hint,
                    None,
                    organisation.languages,
                    organisation.default_language,
                )
                readers[member.id] = (member, self.services.catalogs.get(language))
            contents = await builder.for_members(list(readers.values()))
            files = [
                (settings.member_path(member_file_name(self._key, member_id)), content)
                for member_id, content in zip(readers, contents, strict=True)
            ]
            await asyncio.to_thread(self._write_member_files, files)
            written += len(files)
        return written

    @staticmethod
    def _delete(paths: list[Path | None]) -> None:
        for path in paths:
            if path is not None:
                path.unlink(missing_ok=True)
