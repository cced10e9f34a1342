"""The Matrix adapter's wiring: log in, attach the messenger, run the sync loop."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bots.matrix.messenger import MatrixMessenger
from bots.matrix.rooms import DirectRooms
from bots.matrix.session import e2e_available, log_in, make_client
from bots.matrix.sync import SyncLoop
from bots.matrix.translate import Reading
from core.app import CoreApp
from core.config.settings import Settings

log = logging.getLogger(__name__)


async def serve(app: CoreApp, settings: Settings, stop: asyncio.Event) -> None:
    """Runs the bot on Matrix until ``stop`` is set."""
    matrix = settings.file.matrix
    store = Path(matrix.store_path) if matrix.store_path else None
    client = make_client(settings.matrix_homeserver, settings.matrix_user_id, store_path=store)
    try:
        await log_in(
            client,
            app,
            password=settings.secrets.get("matrix_password"),
            access_token=settings.secrets.get("matrix_access_token"),
            device_name=matrix.device_name,
        )
        directs = DirectRooms(client, app)
        app.attach(MatrixMessenger(client, directs))
        reading = Reading(
            bot_user_id=client.user_id,
            prefixes=matrix.command_prefix + "/",
            can_decrypt=e2e_available() and store is not None,
        )
        log.info(
            "matrix connected",
            extra={"user": client.user_id, "device": client.device_id, "e2e": reading.can_decrypt},
        )
        await SyncLoop(app, client, directs, reading).run(stop)
    finally:
        await client.close()
