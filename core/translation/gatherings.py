"""Gatherings as content: their title and description, translated for every reader."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.gatherings.models import Gathering
from core.scheduling.scheduler import Scheduler
from core.translation import content as contents
from core.translation.models import Content

KIND = "gathering"
REFRESH_JOB = "gathering.refresh"  # registered by the gatherings capability


def key(gathering_id: int) -> str:
    """The content key of a gathering's title and description."""
    return f"{KIND}:{gathering_id}"


def parts_of(gathering: Gathering) -> list[str]:
    """The title, then the description when there is one."""
    return [gathering.title, *([gathering.description] if gathering.description else [])]


async def ensure(
    session: AsyncSession, gathering: Gathering, languages: Iterable[str], now: datetime
) -> Content:
    """Stores the gathering's text as content and asks for it in ``languages``.

    The original language is the one the gathering was written in; asking again for a
    language already asked for does nothing more.
    """
    content = await contents.save(
        session,
        key(gathering.id),
        parts_of(gathering),
        gathering.language,
        branch_id=gathering.branch_id,
        author_id=gathering.organiser_id,
        now=now,
    )
    await contents.request(session, content, languages, now)
    return content


async def shown(
    session: AsyncSession, gathering: Gathering, language: str
) -> contents.Rendition | None:
    """The gathering's text for readers of ``language`` (None: not stored as content yet)."""
    return await contents.read(session, key(gathering.id), language)


def refresh_on_translation(scheduler: Scheduler) -> contents.TranslatedHook:
    """A hook re-rendering a gathering's posted announcements when its text is translated."""

    async def hook(session: AsyncSession, content: Content, language: str, now: datetime) -> None:
        gathering_id = int(content.key.split(":", 1)[1])
        await scheduler.schedule(
            session,
            REFRESH_JOB,
            now,
            {"gathering": gathering_id},
            f"gtr:{gathering_id}:{language}:{int(now.timestamp())}",
        )

    return hook
