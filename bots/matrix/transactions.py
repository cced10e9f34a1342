"""Transaction ids derived from what is sent, so that a retried send is sent once.

A homeserver deduplicates sends by transaction id (per device): sending again with the id
of an earlier send returns the earlier event instead of posting a copy. Every retry of one
send (a time-out, a rate limit) reuses its id. The id is a hash of the room, the event type
and the content, plus a discriminator: this process's nonce and the number of the send, so
that two messages that happen to be identical (the same reply to the same command) are
still two messages.

A send that must happen once ever, whoever sends it and however often (ending a poll), has
an id derived from what it refers to alone (:func:`once`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
from collections.abc import Mapping
from typing import Any


def _digest(*parts: object) -> str:
    data = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


class TransactionIds:
    """Hands out the transaction id of each send.

    Args:
        nonce: Tells this process's sends from another's (random by default).
    """

    def __init__(self, nonce: str | None = None) -> None:
        self._nonce = nonce or secrets.token_hex(6)
        self._count = itertools.count(1)

    def new(self, room_id: str, event_type: str, content: Mapping[str, Any]) -> str:
        """The id of a new send (reuse it for every retry of that send)."""
        number = next(self._count)
        return f"iops.{self._nonce}.{number}.{_digest(room_id, event_type, content)}"


def once(room_id: str, *key: str) -> str:
    """The id of a send that must happen only once ever for ``key`` in ``room_id``."""
    return f"iops.once.{_digest(room_id, *key)}"
