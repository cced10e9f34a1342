"""Running the bot on Telegram: wiring only."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from telegram.ext import Application, ApplicationBuilder
from telegram.request import HTTPXRequest

from bots.telegram.handling import UpdateHandler
from bots.telegram.messenger import TelegramMessenger
from bots.telegram.pacing import FloodLimits, Pacer
from bots.telegram.polling import Poller
from bots.telegram.sending import Courier
from bots.telegram.translate import BotIdentity
from bots.telegram.updates import UpdateLanes
from bots.telegram.webhook import WebhookServer
from core.app import CoreApp
from core.config.settings import Settings
from core.scheduling.clock import OffsetClock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WebhookOptions:
    """Where Telegram posts updates, and the secret it sends with them."""

    url: str
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443


@dataclass(frozen=True)
class TelegramOptions:
    """How the adapter runs (from the settings; tests build their own).

    Attributes:
        token: The bot token from BotFather.
        api_url: The Bot API server (``…/bot``; the token is appended).
        webhook: Webhook mode when given, else long polling.
        limits: Flood limits to keep.
        poll_timeout: The long poll's timeout in seconds.
        answer_deadline: Seconds a press waits for the core's note (see callbacks).
        read_timeout: Seconds to wait for the Bot API's answer to a call.
    """

    token: str
    api_url: str = "https://api.telegram.org/bot"
    webhook: WebhookOptions | None = None
    limits: FloodLimits = field(default_factory=FloodLimits)
    poll_timeout: int = 30
    answer_deadline: float = 1.5
    read_timeout: float = 5.0


def options_from(settings: Settings) -> TelegramOptions:
    """The adapter's options from the process settings and environment."""
    section = settings.file.telegram
    webhook = None
    if section.mode == "webhook":
        webhook = WebhookOptions(
            url=section.webhook_url,
            secret=settings.secrets["telegram_webhook_secret"],
            listen=section.webhook_listen,
            port=section.webhook_port,
        )
    return TelegramOptions(
        token=settings.secrets["telegram_token"],
        api_url=settings.telegram_api_url,
        webhook=webhook,
    )


def build_application(options: TelegramOptions) -> Application:  # type: ignore[type-arg]
    """python-telegram-bot's Application, without its Updater (we poll ourselves)."""
    base = options.api_url.rstrip("/")
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base
    builder: ApplicationBuilder = (  # type: ignore[type-arg]
        Application.builder()
        .token(options.token)
        .base_url(base)
        .base_file_url(file_base)
        .request(
            HTTPXRequest(
                connection_pool_size=64, pool_timeout=10.0, read_timeout=options.read_timeout
            )
        )
        .get_updates_request(HTTPXRequest(connection_pool_size=2))
        .updater(None)
    )
    return builder.build()


async def run_adapter(app: CoreApp, options: TelegramOptions, stop: asyncio.Event) -> None:
    """Serves Telegram for ``app`` until ``stop`` is set."""
    application = build_application(options)
    async with application:  # getMe, and the HTTP clients closed at the end
        bot = application.bot
        me = BotIdentity(bot.id, bot.username)
        messenger = TelegramMessenger(
            bot, Courier(Pacer(options.limits)), answer_deadline=options.answer_deadline
        )
        app.attach(messenger)
        lanes = UpdateLanes(UpdateHandler(app, messenger.answers, me))
        log.info("telegram connected", extra={"bot": me.username})
        try:
            if options.webhook is not None:
                hook = options.webhook
                await WebhookServer(bot, lanes, hook.url, hook.secret, hook.listen, hook.port).run(
                    stop
                )
            else:
                await Poller(bot, lanes, app, timeout=options.poll_timeout).run(stop)
        finally:
            await messenger.answers.close()


async def serve(app: CoreApp, clock: OffsetClock, settings: Settings, stop: asyncio.Event) -> None:
    """The runner's entry point (``iopsbot run`` with a Telegram token)."""
    await run_adapter(app, options_from(settings), stop)
