"""Link codes: making, reading and hashing them, and the limit on wrong tries (pure logic).

A code is 8 characters from an alphabet without look-alikes (no I, O, 0 or 1): 32⁸ ≈ 10¹²
codes, alive for 15 minutes, usable once. Five wrong tries within an hour lock a member
out for an hour, so guessing a live code is hopeless.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8
LIFETIME = timedelta(minutes=15)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
LOCKOUT = timedelta(hours=1)
# Separators people type or copy along with a code.
_SEPARATORS = str.maketrans("", "", " -_.\u00a0\u2010\u2011\u2012\u2013\u2014")


def new_code() -> str:
    """A fresh random code (from the system's secure random source)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def show_code(code: str) -> str:
    """A code as people read it: two groups of four (``ABCD-EFGH``)."""
    return f"{code[:4]}-{code[4:]}"


def normalise_code(text: str) -> str | None:
    """The code in ``text`` (any case, with or without separators); None if it is not one."""
    if len(text) > 4 * LENGTH:
        return None
    code = text.translate(_SEPARATORS).upper()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def code_digest(code: str) -> str:
    """What is stored of a code: its SHA-256, in hex."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def locked_until(failures: Sequence[datetime]) -> datetime | None:
    """Until when a member with these wrong tries is locked out; None if never.

    A lockout starts at the try that makes :data:`MAX_FAILURES` within
    :data:`FAILURE_WINDOW` and lasts :data:`LOCKOUT`. Tries refused during a lockout are
    not recorded, so they cannot prolong it.

    Args:
        failures: The times of the member's wrong tries (any order).
    """
    times = sorted(failures)
    until = None
    for first, last in zip(times, times[MAX_FAILURES - 1 :], strict=False):
        if last - first <= FAILURE_WINDOW:
            until = last + LOCKOUT
    return until


def tries_left(failures: Sequence[datetime], now: datetime) -> int:
    """How many wrong tries a member has left before a lockout."""
    recent = sum(1 for moment in failures if now - moment < FAILURE_WINDOW)
    return max(MAX_FAILURES - recent, 0)
