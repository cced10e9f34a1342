"""Signed button actions: round trip, 64-byte limit, forgeries rejected."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.messaging.actions import MAX_BYTES, Action, ActionError, ActionSigner

KEY = b"k" * 32
signer = ActionSigner(KEY)
part = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", max_size=8
)


@given(kind=part.filter(bool), args=st.lists(part, max_size=3))
def test_round_trip(kind: str, args: list[str]) -> None:
    action = Action(kind, tuple(args))
    data = signer.encode(action)
    assert len(data.encode()) <= MAX_BYTES
    assert signer.decode(data) == action


def test_too_long_for_telegram_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="too long"):
        signer.encode(Action("x", ("y" * 60,)))


def test_tampered_payload_is_rejected() -> None:
    data = signer.encode(Action("lang", ("es",)))
    with pytest.raises(ActionError):
        signer.decode(data[:-2] + "ar")


def test_foreign_key_is_rejected() -> None:
    data = ActionSigner(b"another-bot-key-xx").encode(Action("lang", ("es",)))
    with pytest.raises(ActionError):
        signer.decode(data)


@given(st.text(max_size=100))
def test_arbitrary_strings_never_decode_or_crash(data: str) -> None:
    with pytest.raises(ActionError):
        signer.decode(data)
