"""Webhook mode: Telegram posts each update to us; we answer once it is handled.

The ``X-Telegram-Bot-Api-Secret-Token`` header must carry the configured secret (compared
in constant time, never logged). A 2xx answer is what confirms an update to Telegram, so it
is sent only after the core has handled (and recorded) the update; should the bot die
first, Telegram posts the update again and the core skips the copy.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, Update

from bots.telegram.translate import ALLOWED_UPDATES
from bots.telegram.updates import UpdateLanes

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookServer:
    """Receives updates over HTTPS (behind the organisation's reverse proxy).

    Args:
        bot: python-telegram-bot's bot (initialised).
        lanes: Where updates are handled.
        url: The public URL Telegram posts to; its path is the path served.
        secret: The secret token Telegram sends with every update.
        listen: The local address to bind.
        port: The local port to bind.
    """

    def __init__(
        self, bot: Bot, lanes: UpdateLanes, url: str, secret: str, listen: str, port: int
    ) -> None:
        self._bot = bot
        self._lanes = lanes
        self._url = url
        self._secret = secret.encode()
        self._listen = listen
        self._port = port
        self.path = urlsplit(url).path or "/"

    def application(self) -> web.Application:
        """The aiohttp application serving the webhook path."""
        app = web.Application()
        app.router.add_post(self.path, self.receive)
        return app

    async def run(self, stop: asyncio.Event) -> None:
        """Registers the webhook with Telegram and serves until ``stop`` is set."""
        runner = web.AppRunner(self.application())
        await runner.setup()
        try:
            await web.TCPSite(runner, self._listen, self._port).start()
            await self._bot.set_webhook(
                self._url,
                secret_token=self._secret.decode(),
                allowed_updates=list(ALLOWED_UPDATES),
                drop_pending_updates=False,
            )
            log.info("telegram webhook serving", extra={"path": self.path, "port": self._port})
            await stop.wait()
        finally:
            await runner.cleanup()
            await self._lanes.drain(10)

    async def receive(self, request: web.Request) -> web.Response:
        """One update: checked, handled, then confirmed with 200."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook call without the right secret token refused")
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self._bot)
        except Exception:
            # Telegram would post a malformed update again for ever: drop it, loudly.
            log.warning("malformed webhook update dropped", exc_info=True)
            return web.Response()
        # A copy of an update still in flight (Telegram timed out and posts it again) is
        # answered only when the first one is done.
        task = self._lanes.submit(update) or self._lanes.pending(update.update_id)
        if task is not None:
            # Shielded: Telegram closing the connection must not cancel half-done work.
            await asyncio.shield(task)
        return web.Response()
