"""Direct rooms: one per member, created or reused, remembered in the bot's database.

Matrix has no "private chat with a user" to address: the bot keeps, for each person, the
direct room it talks to them in (one it created and invited them to, or one they invited it
to), both ways (person -> room for sending, room -> person for reading), through the
core's adapter state. Lookups are cached for the life of the process.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Protocol

from nio import AsyncClient, ProfileGetError, RoomCreateResponse, RoomPreset

from core.messaging.port import DirectMessagesClosed

log = logging.getLogger(__name__)

FORGOTTEN = ""  # adapter state cannot be deleted: an empty value means "no room"


class StateStore(Protocol):
    """Where adapters keep small durable values (:class:`~core.app.CoreApp` is one)."""

    async def load_state(self, key: str) -> str | None:
        """The value stored under ``key``."""
        ...

    async def save_state(self, key: str, value: str) -> None:
        """Stores ``value`` under ``key``."""
        ...


def _hashed(prefix: str, value: str) -> str:
    # Keys hold at most 64 characters; Matrix ids can be longer (up to 255).
    return prefix + hashlib.sha256(value.encode("utf-8")).hexdigest()[:40]


def person_key(user_id: str) -> str:
    """The state key of a person's direct room."""
    return _hashed("matrix:dm:", user_id)


def room_key(room_id: str) -> str:
    """The state key of the person a direct room is with."""
    return _hashed("matrix:dmroom:", room_id)


class DirectRooms:
    """The bot's direct room with each person.

    Args:
        client: The logged-in client (to create rooms).
        state: Where the mapping is kept.
    """

    def __init__(self, client: AsyncClient, state: StateStore) -> None:
        self._client = client
        self._state = state
        self._rooms: dict[str, str] = {}  # user id -> room id ("" = none)
        self._people: dict[str, str] = {}  # room id -> user id ("" = none)

    async def room_of(self, user_id: str) -> str | None:
        """The direct room with ``user_id``, if there is one."""
        if user_id not in self._rooms:
            self._rooms[user_id] = await self._state.load_state(person_key(user_id)) or FORGOTTEN
        return self._rooms[user_id] or None

    async def person_in(self, room_id: str) -> str | None:
        """Whom ``room_id`` is the direct room with, if it is one."""
        if room_id not in self._people:
            self._people[room_id] = await self._state.load_state(room_key(room_id)) or FORGOTTEN
        return self._people[room_id] or None

    async def remember(self, user_id: str, room_id: str) -> None:
        """Makes ``room_id`` the direct room with ``user_id`` (replacing an older one)."""
        older = await self.room_of(user_id)
        if older is not None and older != room_id:
            await self._set_person(older, FORGOTTEN)
        await self._state.save_state(person_key(user_id), room_id)
        self._rooms[user_id] = room_id
        await self._set_person(room_id, user_id)

    async def forget(self, room_id: str) -> None:
        """``room_id`` is no direct room any more (the person left it)."""
        user_id = await self.person_in(room_id)
        if user_id is None:
            return
        await self._set_person(room_id, FORGOTTEN)
        if await self.room_of(user_id) == room_id:
            await self._state.save_state(person_key(user_id), FORGOTTEN)
            self._rooms[user_id] = FORGOTTEN

    async def _set_person(self, room_id: str, user_id: str) -> None:
        await self._state.save_state(room_key(room_id), user_id)
        self._people[room_id] = user_id

    async def open(self, user_id: str) -> str:
        """The direct room with ``user_id``, created (and the person invited) if need be.

        Raises:
            DirectMessagesClosed: The homeserver refused the room or the invitation (no
                such user, or they do not accept invitations from the bot).
        """
        existing = await self.room_of(user_id)
        if existing is not None:
            return existing
        return await self.create(user_id)

    async def create(self, user_id: str) -> str:
        """A new direct room with ``user_id`` (unencrypted: the bot must read it).

        Raises:
            DirectMessagesClosed: See :meth:`open`.
        """
        if await self._unknown(user_id):
            log.info("no such user for a direct room", extra={"user": user_id})
            raise DirectMessagesClosed(user_id)
        response = await self._client.room_create(
            is_direct=True, preset=RoomPreset.trusted_private_chat, invite=[user_id]
        )
        if not isinstance(response, RoomCreateResponse):
            log.info(
                "direct room refused",
                extra={"user": user_id, "error": getattr(response, "status_code", None)},
            )
            raise DirectMessagesClosed(user_id)
        room_id: str = response.room_id
        await self.remember(user_id, room_id)
        return room_id

    async def _unknown(self, user_id: str) -> bool:
        """Whether the homeserver says there is no such user.

        Synapse invites an unknown local user without complaint (and the message would
        wait for nobody), so the profile is asked first; only a definite "not found"
        counts, not a profile a remote server will not share.
        """
        profile = await self._client.get_profile(user_id)
        if not isinstance(profile, ProfileGetError):
            return False
        status = profile.transport_response.status if profile.transport_response else None
        return status == 404 or profile.status_code == "M_NOT_FOUND"
