"""Translators in chat: asked with the original and a machine draft, first accepted wins;
decisions show the translation, labelled, with "show original"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.members.models import Role
from core.messaging.actions import Action
from core.testing import FULL, TEXT_ONLY, FakeMessenger, Posted, Scenario
from core.translation.models import ContentTranslation, MachineTask, TranslationRequest
from core.translation.providers import ProviderSettings
from tests.translation.fake_providers import FakeProviders
from tests.translation.helpers import actions, dms, make_translator

QUESTION = (
    '/decide plurality "Where do we meet?" "Library" "Chapter hall" --subbranches'
    " --branch international"
)


async def open_scenario(
    tmp_path: Path, provider: ProviderSettings | None = None
) -> AsyncIterator[Scenario]:
    fakes = [FakeMessenger("fake", FULL), FakeMessenger("plain", TEXT_ONLY)]
    async with Scenario.open(tmp_path / "bot.db", messengers=fakes, translation=provider) as sc:
        yield sc


@pytest.fixture
async def sc(tmp_path: Path) -> AsyncIterator[Scenario]:
    async for scenario in open_scenario(tmp_path):
        yield scenario


def decision(sc: Scenario, chat: str) -> Posted:
    return next(p for p in sc.messenger().in_chat(chat) if p.text.startswith("🗳"))


async def test_a_translator_writes_the_translation_and_the_chat_shows_it(sc: Scenario) -> None:
    madrid = await sc.group("madrid-chat", "madrid-lavapies")
    london = await sc.group("london-chat", "london-hackney")
    olga, tess, maria = sc.person("olga"), sc.person("tess"), sc.person("maria")
    await sc.enrol(olga, "international", Role.ORGANISER)
    await make_translator(sc, tess, "madrid-lavapies", "es")
    await sc.enrol(maria, "madrid-lavapies")

    await olga.says(QUESTION)
    # Nothing is translated yet: both chats read the original, with no label.
    assert "Where do we meet?" in decision(sc, madrid).text
    assert "tro" not in {a.kind for a in actions(sc, decision(sc, madrid))}

    await sc.app.run_due()  # no machine provider: the Spanish translator is asked at once
    [ask] = dms(sc, tess)
    assert ask.text.startswith(
        "🌐 Please translate a decision of International from English into Spanish."
    )
    assert "Original:\n1. Where do we meet?\n2. Library\n3. Chapter hall" in ask.text
    assert "Machine draft" not in ask.text
    assert ask.labels == ["Translate", "Decline"]

    [part] = await tess.presses("Translate")
    assert part.text.startswith("Part 1 of 3: send me its translation into Spanish.")
    assert part.message.asks_for_text == "Translation"
    assert part.labels == ["Stop for now"]
    await tess.says("¿Dónde nos reunimos?")
    [part] = await tess.says("Biblioteca")
    assert part.text.startswith("Part 3 of 3")
    assert "Chapter hall" in part.text
    [thanks] = await tess.says("Local del capítulo")
    assert thanks.text == "Thank you! Your translation into Spanish is what members now read."

    await sc.app.run_due()  # the decision's messages are refreshed
    in_madrid = decision(sc, madrid)
    assert "¿Dónde nos reunimos?\n\n1. Biblioteca\n2. Local del capítulo" in in_madrid.text
    assert in_madrid.labels[:2] == ["1. Biblioteca", "2. Local del capítulo"]
    assert [a.kind for a in actions(sc, in_madrid)][-1] == "tro"
    in_london = decision(sc, london)
    assert "Where do we meet?\n\n1. Library\n2. Chapter hall" in in_london.text
    assert "tro" not in {a.kind for a in actions(sc, in_london)}

    # "Show original" in the group: the original comes privately.
    press = await maria.presses(in_madrid.labels[-1], chat=madrid)
    [original] = [p for p in press if p.chat_id == maria.dm]
    # (Maria reads the bot in the chat's Spanish; the original is as Olga wrote it.)
    assert original.text.endswith("\n\n1. Where do we meet?\n2. Library\n3. Chapter hall")

    # The provenance is kept: a person's translation, by Tess.
    async with sc.app.db.sessions() as session:
        [stored] = (await session.scalars(select(ContentTranslation))).all()
    assert (stored.language, stored.origin, stored.reviewed) == ("es", "person", True)
    assert stored.translator_id is not None


async def test_machine_draft_accept_first_wins_and_decline(
    tmp_path: Path, providers: FakeProviders
) -> None:
    settings = ProviderSettings("libretranslate", providers.url, None, 5)
    async for sc in open_scenario(tmp_path, settings):
        madrid = await sc.group("madrid-chat", "madrid-lavapies")
        olga = sc.person("olga")
        tess, tom, uma = sc.person("tess"), sc.person("tom"), sc.person("uma")
        await sc.enrol(olga, "international", Role.ORGANISER)
        for person in (tess, tom, uma):
            await make_translator(sc, person, "madrid-lavapies", "es")

        await olga.says(QUESTION)
        await sc.app.run_due()  # the draft is made, the translators get it to check
        # The machine draft shows at once, labelled as such.
        shown = decision(sc, madrid)
        assert "(es) Where do we meet?\n\n1. (es) Library\n2. (es) capítulo hall" in shown.text
        [ask] = dms(sc, tess)
        assert "Machine draft, to check and correct:\n1. (es) Where do we meet?" in ask.text
        assert ask.labels == ["Translate", "Accept draft", "Decline"]

        [declined] = await tom.presses("Decline")
        assert declined.text.startswith("All right, I won't ask you about this one again.")
        [accepted] = await tess.presses("Accept draft")
        assert accepted.text.startswith("Thank you!")
        [late] = await uma.presses("Accept draft")
        assert late.text == "This text is translated already. Thank you all the same!"
        [again] = await tom.presses("Accept draft")
        assert again.text == "You declined this translation. Thank you all the same!"

        async with sc.app.db.sessions() as session:
            [stored] = (await session.scalars(select(ContentTranslation))).all()
        assert (stored.origin, stored.provider, stored.reviewed) == (
            "machine",
            "libretranslate",
            True,
        )
        assert stored.reviewer_id is not None


async def test_keep_the_draft_part_by_part(tmp_path: Path, providers: FakeProviders) -> None:
    settings = ProviderSettings("libretranslate", providers.url, None, 5)
    async for sc in open_scenario(tmp_path, settings):
        await sc.group("madrid-chat", "madrid-lavapies")
        olga, tess = sc.person("olga"), sc.person("tess")
        await sc.enrol(olga, "international", Role.ORGANISER)
        await make_translator(sc, tess, "madrid-lavapies", "es")
        await olga.says(QUESTION)
        await sc.app.run_due()
        [part] = await tess.presses("Translate")
        assert "Machine draft:\n(es) Where do we meet?" in part.text
        assert part.labels == ["Keep the draft", "Stop for now"]
        await tess.says("¿Dónde quedamos?")
        await tess.presses("Keep the draft")
        # A press on an older step is refused; the current one still waits.
        async with sc.app.db.sessions() as session:
            request_id = (await session.scalars(select(TranslationRequest.id))).one()
        [stale] = await tess.presses_data(
            sc.app.services.signer.encode(Action("trk", (str(request_id), "0")))
        )
        assert stale.text == "That step is over. Please answer the latest question."
        [done] = await tess.says("Sala del capítulo")
        assert done.text.startswith("Thank you!")
        async with sc.app.db.sessions() as session:
            [stored] = (await session.scalars(select(ContentTranslation))).all()
        assert stored.parts == ["¿Dónde quedamos?", "(es) Library", "Sala del capítulo"]
        assert stored.origin == "person"


async def test_a_failing_provider_delays_nothing(tmp_path: Path, providers: FakeProviders) -> None:
    providers.mode = "500"
    settings = ProviderSettings("libretranslate", providers.url, None, 5)
    async for sc in open_scenario(tmp_path, settings):
        madrid = await sc.group("madrid-chat", "madrid-lavapies")
        olga, tess = sc.person("olga"), sc.person("tess")
        await sc.enrol(olga, "international", Role.ORGANISER)
        await make_translator(sc, tess, "madrid-lavapies", "es")
        await olga.says(QUESTION)
        assert "Where do we meet?" in decision(sc, madrid).text  # posted at once, original
        await sc.app.run_due()
        [ask] = dms(sc, tess)  # asked all the same, without a draft
        assert "Machine draft" not in ask.text
        assert ask.labels == ["Translate", "Decline"]
        async with sc.app.db.sessions() as session:
            [task] = (await session.scalars(select(MachineTask))).all()
        assert (task.status, task.last_error) == ("failed", "HTTP 500: error")
        assert "(es)" not in decision(sc, madrid).text
