"""`make bench`: every benchmark, on SQLite and on a throwaway PostgreSQL cluster."""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from pathlib import Path

from benchmarks import broadcast, counting, inbound, reminders, telegram_burst, voting
from tests.services.postgres import PostgresCluster


def main() -> None:
    """Runs the benchmarks; PostgreSQL is skipped (and said so) when it is not installed."""
    cluster = None
    try:
        cluster = PostgresCluster()
        cluster.start()
    except (FileNotFoundError, OSError) as exc:
        print(f"(PostgreSQL not available, SQLite only: {exc})")
        cluster = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            urls: list[str | None] = [None, None, None, None, None]
            if cluster is not None:
                urls = [
                    asyncio.run(cluster.create_database(f"bench_{uuid.uuid4().hex[:8]}"))
                    for _ in urls
                ]
            asyncio.run(inbound.main(Path(tmp), urls[0]))
            asyncio.run(voting.main(Path(tmp), urls[1], urls[2]))
            asyncio.run(reminders.main(Path(tmp), urls[3]))
            asyncio.run(broadcast.main(Path(tmp), urls[4]))
        counting.main()
        telegram_burst.main()
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
