"""Decisions as content: their question and options, translated for each chat's language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.decisions.models import Decision
from core.scheduling.scheduler import Scheduler
from core.translation import content as contents
from core.translation.models import Content

KIND = "decision"
REFRESH_JOB = "decision.refresh"  # registered by the decisions capability


def key(decision_id: int) -> str:
    """The content key of a decision's question and options."""
    return f"{KIND}:{decision_id}"


async def ensure(
    session: AsyncSession,
    decision: Decision,
    options: Sequence[str],
    languages: Iterable[str],
    now: datetime,
) -> Content:
    """Stores the decision's text as content and asks for it in ``languages``."""
    content = await contents.save(
        session,
        key(decision.id),
        [decision.question, *options],
        decision.language,
        branch_id=decision.branch_id,
        author_id=decision.proposer_id,
        now=now,
    )
    await contents.request(session, content, languages, now)
    return content


async def shown(
    session: AsyncSession, decision: Decision, language: str
) -> contents.Rendition | None:
    """The decision's question and options for readers of ``language`` (None: not content)."""
    return await contents.read(session, key(decision.id), language)


async def words(
    session: AsyncSession, decision: Decision, options: Sequence[str], language: str
) -> tuple[str, list[str], contents.Rendition | None]:
    """The question and options a reader of ``language`` is shown privately.

    The translation when there is one that matches the options, else the original; the
    rendition comes along (None for the original) so that the caller can label it.
    """
    text = await shown(session, decision, language)
    if text is None or not text.translated or len(text.parts) != len(options) + 1:
        return decision.question, list(options), None
    return text.parts[0], list(text.parts[1:]), text


def refresh_on_translation(scheduler: Scheduler) -> contents.TranslatedHook:
    """A hook re-rendering a decision's posted messages when its text is translated."""

    async def hook(session: AsyncSession, content: Content, language: str, now: datetime) -> None:
        decision_id = int(content.key.split(":", 1)[1])
        await scheduler.schedule(
            session,
            REFRESH_JOB,
            now,
            {"decision": decision_id},
            f"dtr:{decision_id}:{language}:{int(now.timestamp())}",
        )

    return hook
