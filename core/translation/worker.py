"""The translation worker: machine drafts, then the translators, for every content asked for.

Runs beside the scheduler (started with the app). A task is claimed with a lease in one
short transaction, the provider is called with no transaction open, and the result, the
task's end and the requests to translators commit together. A failing or silent provider
only makes the task *failed*: the translators are asked all the same, without a draft,
and readers see the original meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.database import Database
from core.messaging.context import Services
from core.messaging.outbox import Delivery, Outbox
from core.scheduling.clock import Clock
from core.scheduling.passes import run_passes
from core.translation.content import accepted_languages
from core.translation.machine import MachineTranslator
from core.translation.models import Content, ContentTranslation, MachineTask, Origin, TaskStatus
from core.translation.providers import ProviderError
from core.translation.translators import ask

log = logging.getLogger(__name__)

Hook = Callable[..., Awaitable[None]]


class TranslationWorker:
    """Claims machine tasks, makes drafts, asks translators.

    Args:
        db: The database.
        clock: The app's clock.
        services: For the translators' messages.
        machine: The provider behind its cache.
        worker_id: This process's name on claims.
        deliver: Sends an outbox once its transaction has committed.
        changed: Called in the transaction that stored a draft (content, language, now):
            what shows the content can be refreshed.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        services: Services,
        machine: MachineTranslator,
        worker_id: str,
        deliver: Callable[[list[Delivery]], Awaitable[None]],
        changed: Hook,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self.db = db
        self.clock = clock
        self.services = services
        self.machine = machine
        self.worker_id = worker_id[:64]
        self.deliver = deliver
        self.changed = changed
        self.lease = lease
        self._wake = asyncio.Event()
        # One pass at a time in a process: a pass asked for by hand (the console's :time)
        # waits for the background one, so what it started is finished when it returns.
        self._pass = asyncio.Lock()

    def wake(self) -> None:
        """Looks for work now rather than at the next poll."""
        self._wake.set()

    async def _claim(self, now: datetime) -> list[int]:
        claimable = or_(
            MachineTask.status == TaskStatus.PENDING.value,
            and_(MachineTask.status == TaskStatus.RUNNING.value, MachineTask.lease_until < now),
        )
        async with self.db.transaction() as session:
            query = select(MachineTask.id).where(claimable).order_by(MachineTask.id).limit(20)
            if self.db.is_postgres:
                query = query.with_for_update(skip_locked=True)
            ids = list((await session.scalars(query)).all())
            if not ids:
                return []
            lease_until = now + self.lease
            await session.execute(
                update(MachineTask)
                .where(MachineTask.id.in_(ids), claimable)
                .values(
                    status=TaskStatus.RUNNING.value,
                    claimed_by=self.worker_id,
                    lease_until=lease_until,
                    attempts=MachineTask.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            claimed = await session.scalars(
                select(MachineTask.id).where(
                    MachineTask.id.in_(ids),
                    MachineTask.claimed_by == self.worker_id,
                    MachineTask.lease_until == lease_until,
                )
            )
            return list(claimed.all())

    async def drain(self) -> int:
        """Works until no task is left; returns how many were done."""
        total = 0
        async with self._pass:
            while ids := await self._claim(self.clock.now()):
                # Tasks go to the provider concurrently: one slow language holds up no other.
                await asyncio.gather(*(self._work(task_id) for task_id in ids))
                total += len(ids)
        return total

    async def _work(self, task_id: int) -> None:
        async with self.db.sessions() as session:
            task = await session.get(MachineTask, task_id)
            content = await session.get(Content, task.content_id) if task else None
            if task is None or content is None:
                return
            language = task.language
            accepted = language in await accepted_languages(session, content.id)
        draft: list[str] | None = None
        error: str | None = None
        if self.machine.provider is not None and not accepted:
            try:
                draft = await self.machine.translate(content.parts, content.language, language)
            except ProviderError as exc:
                error = str(exc)
                log.warning(
                    "machine translation failed",
                    extra={"content": content.key, "language": language, "reason": error},
                )
            except Exception as exc:  # a provider bug must not stop the translators' asking
                error = f"{type(exc).__name__}"
                log.exception("machine translation crashed", extra={"content": content.key})
        outbox = Outbox(self.services.messengers)
        async with self.db.transaction() as session:
            now = self.clock.now()
            task = await session.get(MachineTask, task_id)
            if task is None or task.claimed_by != self.worker_id:
                return  # the lease was lost to another worker
            task.status = (TaskStatus.FAILED if error else TaskStatus.DONE).value
            task.last_error = error
            task.finished_at = now
            task.lease_until = None
            content = await session.get(Content, task.content_id)
            assert content is not None
            if draft is not None and await self._store_draft(
                session, content, language, draft, now
            ):
                await self.changed(session, content, language, now)
            await ask(session, self.services, outbox, content, language, now)
            await outbox.remember_choices(session, now)
        if outbox.deliveries:
            await self.deliver(outbox.deliveries)

    async def _store_draft(
        self,
        session: AsyncSession,
        content: Content,
        language: str,
        draft: list[str],
        now: datetime,
    ) -> bool:
        existing = await session.scalar(
            select(ContentTranslation).where(
                ContentTranslation.content_id == content.id,
                ContentTranslation.language == language,
            )
        )
        if existing is not None:
            return False  # a translator was quicker than the machine
        session.add(
            ContentTranslation(
                content_id=content.id,
                language=language,
                parts=draft,
                origin=Origin.MACHINE.value,
                provider=self.machine.name,
                reviewed=False,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        return True

    async def run_forever(self, stop: asyncio.Event, poll: float = 2.0) -> None:
        """Works until ``stop`` is set, looking for tasks every ``poll`` seconds or on wake."""
        await run_passes(self.drain, stop, self._wake, poll, "translations")
