"""LibreTranslate and DeepL through their real HTTP formats, errors and time-outs included."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from core.db.database import Database
from core.db.migrate import upgrade
from core.testing import FakeClock, sqlite_url
from core.translation.glossary import Glossary
from core.translation.machine import MachineTranslator
from core.translation.providers import (
    DeepL,
    LibreTranslate,
    ProviderError,
    ProviderSettings,
    build_provider,
)
from tests.translation.fake_providers import DEEPL_KEY, FakeProviders

GLOSSARY = Glossary(
    keep=("IOPS",),
    terms=({"en": "chapter", "es": "capítulo", "fr": "section locale"},),
)


async def test_libretranslate_request_and_answer(providers: FakeProviders) -> None:
    provider = LibreTranslate(providers.url, None, 5, GLOSSARY)
    [text] = await provider.translate(["Hello everyone in the IOPS chapter"], "en", "es")
    # Unprotected, the engine would say "episodio"; the glossary keeps the organisation's word.
    assert text == "(es) hola a todos in the IOPS capítulo"
    name, _headers, body = providers.requests[-1]
    assert name == "libretranslate"
    assert body == {
        "q": "Hello everyone in the [[0]] [[1]]",
        "source": "en",
        "target": "es",
        "format": "text",
    }


async def test_libretranslate_key_is_sent_and_checked(providers: FakeProviders) -> None:
    providers.libre_key = "k-123"
    good = LibreTranslate(providers.url, "k-123", 5)
    assert await good.translate(["hello"], "en", "fr") == ["(fr) bonjour"]
    assert providers.requests[-1][2]["api_key"] == "k-123"
    bad = LibreTranslate(providers.url, "wrong", 5)
    with pytest.raises(ProviderError, match="HTTP 403: the key was refused"):
        await bad.translate(["hello"], "en", "fr")


@pytest.mark.parametrize(("mode", "reason"), [("500", "HTTP 500"), ("429", "too many requests")])
async def test_libretranslate_errors(providers: FakeProviders, mode: str, reason: str) -> None:
    providers.mode = mode
    with pytest.raises(ProviderError, match=reason):
        await LibreTranslate(providers.url, None, 5).translate(["hello"], "en", "es")


async def test_a_silent_provider_times_out_quickly(providers: FakeProviders) -> None:
    providers.mode = "slow"
    started = time.monotonic()
    with pytest.raises(ProviderError, match=r"no answer within 0\.3 s"):
        await LibreTranslate(providers.url, None, 0.3).translate(["hello"], "en", "es")
    with pytest.raises(ProviderError, match=r"no answer within 0\.3 s"):
        await DeepL(DEEPL_KEY, 0.3, url=providers.url).translate(["hello"], "en", "es")
    assert time.monotonic() - started < 3


async def test_an_unreachable_provider_is_an_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(ProviderError, match="unreachable"):
        await LibreTranslate(f"http://127.0.0.1:{port}", None, 2).translate(["hi"], "en", "es")


async def test_deepl_request_and_answer(providers: FakeProviders) -> None:
    provider = DeepL(DEEPL_KEY, 5, GLOSSARY, url=providers.url)
    texts = await provider.translate(
        ["Hello everyone, the chapter meeting", "Tom & Jerry <3 IOPS"], "en", "es"
    )
    assert texts == ["(es) hola a todos, the capítulo reunión", "(es) Tom & Jerry <3 IOPS"]
    _name, headers, body = providers.requests[-1]
    assert headers["Authorization"] == f"DeepL-Auth-Key {DEEPL_KEY}"
    assert body == {
        "text": [
            "Hello everyone, the <x>capítulo</x> meeting",
            "Tom &amp; Jerry &lt;3 <x>IOPS</x>",
        ],
        "source_lang": "EN",
        "target_lang": "ES",
        "tag_handling": "xml",
        "ignore_tags": ["x"],
    }
    # English and Portuguese targets need a variant (DeepL refuses plain EN and PT).
    assert await provider.translate(["hola"], "es", "en") == ["(en) hola"]
    assert providers.requests[-1][2]["target_lang"] == "EN-GB"
    await provider.translate(["hello"], "en", "pt")
    assert providers.requests[-1][2]["target_lang"] == "PT-BR"


@pytest.mark.parametrize(
    ("mode", "reason"),
    [("456", "the quota is used up"), ("429", "too many requests"), ("500", "HTTP 500")],
)
async def test_deepl_errors(providers: FakeProviders, mode: str, reason: str) -> None:
    providers.mode = mode
    with pytest.raises(ProviderError, match=reason):
        await DeepL(DEEPL_KEY, 5, url=providers.url).translate(["hello"], "en", "es")


async def test_deepl_refuses_a_wrong_key(providers: FakeProviders) -> None:
    with pytest.raises(ProviderError, match="HTTP 403"):
        await DeepL("other:fx", 5, url=providers.url).translate(["hello"], "en", "es")


def test_deepl_picks_the_free_or_pro_host_from_the_key() -> None:
    free = build_provider(ProviderSettings("deepl", api_key="abc:fx"), Glossary())
    pro = build_provider(ProviderSettings("deepl", api_key="abc"), Glossary())
    assert free._url == "https://api-free.deepl.com/v2/translate"  # type: ignore[union-attr]
    assert pro._url == "https://api.deepl.com/v2/translate"  # type: ignore[union-attr]
    assert build_provider(ProviderSettings(), Glossary()) is None


async def test_results_are_cached(providers: FakeProviders, tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "cache.db"))
    await upgrade(db)
    try:
        machine = MachineTranslator(
            db, LibreTranslate(providers.url, None, 5), GLOSSARY, FakeClock()
        )
        first = await machine.translate(["Hello everyone", "Hello"], "en", "es")
        assert first == ["(es) hola a todos", "(es) hola"]
        assert len(providers.requests) == 2
        again = await machine.translate(["Hello", "Hello everyone", "meeting"], "en", "es")
        assert again == ["(es) hola", "(es) hola a todos", "(es) reunión"]
        assert len(providers.requests) == 3  # only the new text was asked for
        # A changed glossary is a different translation: asked again.
        other = MachineTranslator(
            db, LibreTranslate(providers.url, None, 5), Glossary(), FakeClock()
        )
        await other.translate(["Hello"], "en", "es")
        assert len(providers.requests) == 4
    finally:
        await db.dispose()
