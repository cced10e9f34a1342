"""The request checker itself: it must catch what Discord would refuse."""

from __future__ import annotations

from tests.discord.openapi import check, match


def test_templates_match_concrete_paths() -> None:
    assert match("/channels/123/messages") == "/channels/{channel_id}/messages"
    assert (
        match("/webhooks/1/tok/messages/@original")
        == "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
    )
    assert match("/nowhere/1") is None


def test_a_valid_message_passes() -> None:
    assert check("POST", "/channels/1/messages", {"content": "hi", "nonce": "abc"}) == []


def test_unknown_property_wrong_type_and_method_are_caught() -> None:
    [unknown] = check("POST", "/channels/1/messages", {"content": "hi", "colour": 3})
    assert "colour" in unknown.what
    [wrong] = check("POST", "/channels/1/messages", {"content": 5})
    assert "content" in wrong.what
    [method] = check("PUT", "/channels/1/messages", {"content": "x"})
    assert "has no PUT" in method.what


def test_missing_required_property_is_caught() -> None:
    problems = check("POST", "/guilds/1/scheduled-events", {"name": "x"})
    assert any("required" in p.what for p in problems)
