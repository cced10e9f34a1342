"""Machine translation with a cache: the same text is asked of the provider once."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select

from core.db.database import Database
from core.db.upsert import insert_for
from core.scheduling.clock import Clock
from core.translation.glossary import Glossary
from core.translation.models import MachineCacheEntry
from core.translation.providers import Provider


class MachineTranslator:
    """A provider behind a cache table (keyed by provider, languages, glossary and text).

    The provider is called outside any transaction: a slow HTTP call must never hold the
    database (SQLite's single writer least of all).

    Args:
        db: Where the cache lives.
        provider: The configured provider, or None (no machine translation).
        glossary: Part of the cache key: a changed glossary asks again.
        clock: Stamps cache entries.
    """

    def __init__(
        self, db: Database, provider: Provider | None, glossary: Glossary, clock: Clock
    ) -> None:
        self.db = db
        self.provider = provider
        self.glossary = glossary
        self.clock = clock

    @property
    def name(self) -> str | None:
        """The provider's name, or None when there is none."""
        return self.provider.name if self.provider else None

    def _digest(self, text: str, source: str, target: str) -> str:
        key = f"{self.glossary.fingerprint(source, target)}\n{text}"
        return hashlib.sha256(key.encode()).hexdigest()

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """``texts`` in ``target``: cached answers, and the provider for the rest.

        Raises:
            ProviderError: The provider failed (nothing is cached then).
            RuntimeError: No provider is configured.
        """
        if self.provider is None:
            raise RuntimeError("no machine translation provider is configured")
        name = self.provider.name
        digests = [self._digest(text, source, target) for text in texts]
        async with self.db.sessions() as session:
            rows = await session.execute(
                select(MachineCacheEntry.digest, MachineCacheEntry.text).where(
                    MachineCacheEntry.provider == name,
                    MachineCacheEntry.source == source,
                    MachineCacheEntry.target == target,
                    MachineCacheEntry.digest.in_(set(digests)),
                )
            )
            known = dict(rows.all())
        missing = sorted(
            {d: t for d, t in zip(digests, texts, strict=True) if d not in known and t.strip()}
        )
        by_digest = dict(zip(digests, texts, strict=True))
        if missing:
            answers = await self.provider.translate([by_digest[d] for d in missing], source, target)
            fresh = dict(zip(missing, answers, strict=True))
            known.update(fresh)
            async with self.db.transaction() as session:
                now = self.clock.now()
                for digest, text in fresh.items():
                    await session.execute(
                        insert_for(session, MachineCacheEntry)
                        .values(
                            provider=name,
                            source=source,
                            target=target,
                            digest=digest,
                            text=text,
                            created_at=now,
                        )
                        .on_conflict_do_nothing(
                            index_elements=["provider", "source", "target", "digest"]
                        )
                    )
        return [known.get(d, t) for d, t in zip(digests, texts, strict=True)]
