"""Logging in: a password or an access token, and the same device every time.

The device id is kept in the bot's database. Logging in again with it reuses the device
(the homeserver invalidates the device's older access tokens), so the bot does not pile up
sessions, and the homeserver's transaction ids (scoped by device) keep deduplicating its
retried sends across a restart. With the ``e2e`` extra, the device's keys live in the
store folder and stay valid because the device does.
"""

from __future__ import annotations

from pathlib import Path

from nio import AsyncClient, AsyncClientConfig, LoginResponse, WhoamiResponse
from nio.crypto import ENCRYPTION_ENABLED

from bots.matrix.rooms import StateStore

DEVICE_KEY = "matrix:device_id"


class LoginFailed(Exception):
    """The homeserver refused the bot's credentials."""


def e2e_available() -> bool:
    """Whether matrix-nio's end-to-end encryption support (the ``e2e`` extra) is installed."""
    return bool(ENCRYPTION_ENABLED)


def make_client(
    homeserver: str,
    user_id: str,
    *,
    store_path: Path | None = None,
    request_timeout: float = 60.0,
    max_timeouts: int | None = 5,
) -> AsyncClient:
    """A matrix-nio client for the bot.

    Rate limits are waited out by the messenger (``max_limit_exceeded=0`` here), time-outs
    are retried a bounded number of times, and end-to-end encryption is on exactly when its
    support is installed and a store folder is given.
    """
    e2e = e2e_available() and store_path is not None
    if store_path is not None:
        store_path.mkdir(parents=True, exist_ok=True)
    config = AsyncClientConfig(
        max_limit_exceeded=0,
        max_timeouts=max_timeouts,
        request_timeout=request_timeout,
        encryption_enabled=e2e,
        store_sync_tokens=False,  # the sync token lives in the bot's database
    )
    return AsyncClient(
        homeserver, user_id, store_path=str(store_path) if e2e and store_path else "", config=config
    )


async def log_in(
    client: AsyncClient,
    state: StateStore,
    *,
    password: str | None,
    access_token: str | None,
    device_name: str,
) -> None:
    """Logs the client in (an access token wins over a password) and keeps the device id.

    Raises:
        LoginFailed: With the homeserver's reason.
    """
    device = await state.load_state(DEVICE_KEY)
    if access_token:
        client.access_token = access_token
        who = await client.whoami()
        if not isinstance(who, WhoamiResponse) or not who.device_id:
            raise LoginFailed(f"the access token was refused: {getattr(who, 'message', who)}")
        if client.user_id and who.user_id != client.user_id:
            raise LoginFailed(f"the access token is {who.user_id}'s, not {client.user_id}'s")
        client.restore_login(who.user_id, who.device_id, access_token)
    elif password:
        client.device_id = device or None
        response = await client.login(password, device_name=device_name)
        if not isinstance(response, LoginResponse):
            raise LoginFailed(f"the password login was refused: {response.message}")
    else:
        raise LoginFailed("no password and no access token")
    if client.device_id and client.device_id != device:
        await state.save_state(DEVICE_KEY, client.device_id)
