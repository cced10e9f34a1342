"""Actions behind buttons, as compact signed strings.

A button carries ``<signature><kind>:<arg>:<arg>…``. The signature is a truncated HMAC-SHA256
of the rest under the bot's secret key, so a forged, altered or foreign string (another bot's,
another installation's) is rejected. The whole string fits Telegram's 64-byte callback data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

MAX_BYTES = 64
_SIG_BYTES = 9  # 72 bits: forging one by guessing is out of reach; 12 characters of base64url
_SIG_CHARS = 12
_PART = re.compile(r"^[A-Za-z0-9_.\-]*$")


@dataclass(frozen=True)
class Action:
    """What a button does: a kind (routed to a handler) and short arguments."""

    kind: str
    args: tuple[str, ...] = ()


class ActionError(ValueError):
    """Data that is not a valid action of this bot."""


class ActionSigner:
    """Encodes actions into signed strings and verifies them back.

    Args:
        key: The secret key (at least 16 bytes).
    """

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the action key must be at least 16 bytes")
        self._key = key
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)

    def derive(self, purpose: str) -> bytes:
        """A key for another use (e.g. naming files), derived from the signing key.

        ``purpose`` must contain a space: no signed payload does, so no button's
        signature gives away a derived key.

        Raises:
            ValueError: ``purpose`` has no space.
        """
        if " " not in purpose:
            raise ValueError("a derived key's purpose must contain a space")
        return hmac.new(self._key, purpose.encode("utf-8"), hashlib.sha256).digest()

    def _sign(self, payload: bytes) -> str:
        # A copy of the keyed state: no key set-up per press. (Not ``hmac.digest``, whose
        # one-shot OpenSSL call lets go of the GIL even for a few bytes, and a busy event
        # loop then waits for it behind the database's worker thread.)
        mac = self._keyed.copy()
        mac.update(payload)
        digest = mac.digest()[:_SIG_BYTES]
        return base64.urlsafe_b64encode(digest).decode("ascii")

    def encode(self, action: Action) -> str:
        """The signed string for ``action``.

        Raises:
            ValueError: A part has characters outside ``[A-Za-z0-9_.-]`` or the result would
                exceed 64 bytes: a programming error, caught by tests.
        """
        parts = (action.kind, *action.args)
        if not action.kind or any(not _PART.match(p) for p in parts):
            raise ValueError(f"action parts must match [A-Za-z0-9_.-]: {parts!r}")
        payload = ":".join(parts)
        data = self._sign(payload.encode("ascii")) + payload
        if len(data.encode("ascii")) > MAX_BYTES:
            raise ValueError(f"action too long for a button ({len(data)} > {MAX_BYTES} bytes)")
        return data

    def decode(self, data: str) -> Action:
        """Verifies and parses a string from a button.

        Raises:
            ActionError: Anything wrong: too long, not ASCII, bad signature, bad shape.
        """
        if not isinstance(data, str) or not 0 < len(data) <= MAX_BYTES or not data.isascii():
            raise ActionError("not an action of this bot")
        signature, payload = data[:_SIG_CHARS], data[_SIG_CHARS:]
        if not payload or not hmac.compare_digest(signature, self._sign(payload.encode("ascii"))):
            raise ActionError("bad signature")
        kind, *args = payload.split(":")
        if not kind or any(not _PART.match(p) for p in (kind, *args)):
            raise ActionError("malformed action")
        return Action(kind, tuple(args))
