"""The adapter's pure parts: fitting components, pacing, nonces, localized commands."""

from __future__ import annotations

from pathlib import Path

import discord
from discord.app_commands import TranslationContext, TranslationContextLocation, locale_str

from bots.discord.commands import CatalogTranslator, LocalizedNames, valid_name
from bots.discord.layout import ButtonRow, FormRow, SelectRow, fit, split_text
from bots.discord.messenger import event_state_key
from bots.discord.pacing import NonceBook, TokenBucket, delivery_nonce
from core.i18n.catalogs import Catalogs
from core.i18n.message import _
from core.messaging.outbound import Button, OutgoingMessage
from tests.discord.harness import world


def _message(*rows: tuple[str, ...], asks: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        "text",
        tuple(tuple(Button(label, f"sig{label}") for label in row) for row in rows),
        asks_for_text=asks,
    )


def test_a_choice_list_with_controls_becomes_a_menu_privately_only() -> None:
    message = _message(("Ana",), ("Ben",), ("Chloé",), ("Done", "Start over"))
    menu, controls = fit(message, private=True)
    assert isinstance(menu, SelectRow)
    assert [label for label, _action in menu.options] == ["Ana", "Ben", "Chloé"]
    assert isinstance(controls, ButtonRow)
    assert [label for label, _id in controls.buttons] == ["Done", "Start over"]
    assert all(isinstance(row, ButtonRow) for row in fit(message, private=False))
    # Three actions alone (Approve, Ask, Decline) stay buttons even privately.
    actions = fit(_message(("Approve",), ("Ask",), ("Decline",)), private=True)
    assert all(isinstance(row, ButtonRow) for row in actions)


def test_too_many_rows_fold_into_menus_within_discords_limits() -> None:
    rows = [(f"L{i}", f"L{i}b") for i in range(6)] + [("Cancel",)]
    fitted = fit(_message(*rows), private=False)
    assert len(fitted) <= 5
    assert isinstance(fitted[0], SelectRow) and len(fitted[0].options) == 12
    assert fitted[-1] == ButtonRow((("Cancel", "a|sigCancel"),))
    wide = fit(_message(tuple(f"B{i}" for i in range(7))), private=False)
    assert [len(r.buttons) for r in wide if isinstance(r, ButtonRow)] == [5, 2]


def test_labels_ids_and_forms_respect_the_limits() -> None:
    long = "x" * 120
    [row] = fit(OutgoingMessage("t", ((Button(long, "s" * 64),),)), private=False)
    assert isinstance(row, ButtonRow)
    label, custom_id = row.buttons[0]
    assert len(label) == 80 and label.endswith("…") and len(custom_id) <= 100
    form, buttons = fit(_message(("Skip",), asks="Your answer"), private=True)
    assert form == FormRow("Your answer") and isinstance(buttons, ButtonRow)
    twice = fit(OutgoingMessage("t", ((Button("a", "s"), Button("b", "s")),)), private=False)
    assert isinstance(twice[0], ButtonRow)
    assert [c for _label, c in twice[0].buttons] == ["a|s", "a|s|1"]  # unique ids


def test_split_text_keeps_pieces_within_the_limit() -> None:
    text = "\n".join(["line " * 50] * 20)
    pieces = split_text(text, 2000)
    assert all(len(p) <= 2000 for p in pieces) and len(pieces) > 1
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


async def test_the_dm_bucket_paces_new_conversations() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(per_minute=6, burst=2, clock=lambda: now[0], sleep=sleep)
    waits = [await bucket.take() for _ in range(4)]
    assert waits[:2] == [0.0, 0.0]  # the burst
    assert waits[2:] == [10.0, 10.0]  # then one every 10 s (6 a minute)


def test_nonces_repeat_for_a_retry_and_differ_for_a_deliberate_repeat() -> None:
    message = OutgoingMessage("Unknown command")
    assert delivery_nonce("1", message) == delivery_nonce("1", message)
    assert delivery_nonce("1", message) != delivery_nonce("2", message)
    assert len(delivery_nonce("1", message)) <= 25
    clock = [0.0]
    book = NonceBook(clock=lambda: clock[0])
    first, second = book.next("1", message), book.next("1", message)
    assert first == delivery_nonce("1", message) and second != first
    clock[0] += 600  # a restarted process resending: the same nonce as the first send
    assert NonceBook(clock=lambda: clock[0]).next("1", message) == first


def test_command_names_must_be_discord_names() -> None:
    assert valid_name("Votar") == "votar"
    assert valid_name("link chat") == "link_chat"
    assert valid_name("ψηφοφορία") == "ψηφοφορία"
    assert valid_name("a/b") is None and valid_name("") is None and valid_name("x" * 33) is None


async def test_translations_come_from_the_core_catalogs() -> None:
    catalogs = Catalogs(("en", "es", "el", "ar"))
    names = LocalizedNames(catalogs, ("es", "el"), ["help", "vote"])
    translator = CatalogTranslator(catalogs, ("es", "el"), names)
    description = _("The commands you can use here")
    context = TranslationContext(TranslationContextLocation.command_description, None)
    spanish = await translator.translate(
        locale_str("The commands you can use here", msg=description),
        discord.Locale.spain_spanish,
        context,
    )
    assert spanish == catalogs.get("es").render(description) != description.msgid
    # A locale of no organisation language (or Arabic, which Discord lacks) stays English.
    japanese = await translator.translate(
        locale_str("x", msg=description), discord.Locale.japanese, context
    )
    assert japanese is None


async def test_the_synced_commands_carry_localized_descriptions(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        [sync] = [r for r in w.env.http_requests if r.method == "PUT"]
        commands = {c["name"]: c for c in sync.json}
        assert set(commands) >= {"start", "help", "decide", "vote", "join", "link_chat"}
        decide = commands["decide"]
        spec = next(s for s in w.app.router.commands if s.name == "decide")
        spanish = w.app.services.catalogs.get("es").render(spec.description)
        assert decide["description_localizations"]["es-ES"] == spanish
        assert decide["description_localizations"]["el"] == w.app.services.catalogs.get(
            "el"
        ).render(spec.description)
        [option] = decide["options"]
        assert option["name"] == "details" and option["required"] is False


def test_scheduled_event_state_keys_fit_and_stay_distinct() -> None:
    guild = 1456074443980800002
    short = event_state_key(guild, "gathering:1:0")
    assert short == f"discord:event:{guild}:gathering:1:0"
    long_a = event_state_key(guild, "gathering:123456789:" + "a" * 40)
    long_b = event_state_key(guild, "gathering:123456789:" + "b" * 40)
    assert len(long_a) <= 64 and len(long_b) <= 64 and long_a != long_b
    assert long_a.startswith(f"discord:event:{guild}:")
