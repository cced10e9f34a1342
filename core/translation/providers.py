"""Machine translation providers: none, LibreTranslate and DeepL, behind one small interface.

Each provider speaks its service's documented HTTP API with aiohttp and protects the
organisation's glossary terms its own way (see :mod:`core.translation.glossary`). Every
failure — a refused key, a used-up quota, "too many requests", a server error, a time-out,
an unreachable host — is a :class:`ProviderError`: the caller then sends the original and
asks the translators, it never waits on a provider that does not answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from xml.sax.saxutils import escape, unescape

import aiohttp

from core.translation.glossary import (
    Glossary,
    placeholder,
    protect,
    restore_placeholders,
)

DEEPL_FREE = "https://api-free.deepl.com"
DEEPL_PRO = "https://api.deepl.com"
# DeepL wants a variant for these targets; the organisation's Portuguese is Brazilian.
DEEPL_TARGETS = {"en": "EN-GB", "pt": "PT-BR"}
_KEEP_TAG = "x"


class ProviderError(Exception):
    """The provider could not translate (the reason is short and safe to log)."""


class Provider(Protocol):
    """Translates texts from one language into another."""

    @property
    def name(self) -> str:
        """A short name, stored with the translations it makes (``deepl``)."""
        ...

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """``texts`` in ``target``, in the same order.

        Raises:
            ProviderError: Nothing could be translated.
        """
        ...


@dataclass(frozen=True)
class ProviderSettings:
    """Which provider, where, with what key.

    Attributes:
        provider: ``none``, ``libretranslate`` or ``deepl``.
        url: The service's base address (empty: DeepL's, by the key's kind).
        api_key: The key, if any (from the environment, never from a file).
        timeout: Seconds one call may take.
    """

    provider: str = "none"
    url: str = ""
    api_key: str | None = None
    timeout: float = 10.0


def build_provider(settings: ProviderSettings | None, glossary: Glossary) -> Provider | None:
    """The configured provider; None for ``none``."""
    if settings is None or settings.provider == "none":
        return None
    if settings.provider == "libretranslate":
        return LibreTranslate(settings.url, settings.api_key, settings.timeout, glossary)
    if settings.provider == "deepl":
        if not settings.api_key:
            raise ValueError("DeepL needs an API key")
        return DeepL(settings.api_key, settings.timeout, glossary, settings.url or None)
    raise ValueError(f"unknown translation provider {settings.provider!r}")


async def _post(
    url: str, seconds: float, *, json: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    """POSTs JSON; returns the decoded answer, or raises ProviderError for any failure."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as http,
            http.post(url, json=json, headers=headers) as response,
        ):
            if response.status >= 400:
                raise ProviderError(_http_reason(response.status))
            return await response.json(content_type=None)
    except TimeoutError:
        raise ProviderError(f"no answer within {seconds:g} s") from None
    except aiohttp.ClientError as exc:
        raise ProviderError(f"unreachable: {type(exc).__name__}") from None
    except ValueError:  # not JSON
        raise ProviderError("an answer that is not JSON") from None


def _http_reason(status: int) -> str:
    reasons = {
        400: "bad request",
        401: "the key was refused",
        403: "the key was refused",
        413: "the text is too long",
        429: "too many requests",
        456: "the quota is used up",
    }
    return f"HTTP {status}: {reasons.get(status, 'error')}"


class LibreTranslate:
    """A LibreTranslate instance: ``POST /translate {q, source, target, format, api_key}``.

    Args:
        url: The instance (``http://localhost:5000``).
        api_key: Its key, when the instance requires one.
        timeout: Seconds per call.
        glossary: Terms to protect (as placeholders: see the glossary module).
    """

    name = "libretranslate"

    def __init__(
        self, url: str, api_key: str | None, timeout: float, glossary: Glossary | None = None
    ) -> None:
        self._url = url.rstrip("/") + "/translate"
        self._key = api_key
        self._timeout = timeout
        self._glossary = glossary or Glossary()

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """One call per text (concurrently): every instance accepts a single ``q``."""
        pairs = self._glossary.pairs(source, target)
        return list(
            await asyncio.gather(*(self._one(text, source, target, pairs) for text in texts))
        )

    async def _one(self, text: str, source: str, target: str, pairs: list[tuple[str, str]]) -> str:
        protected, replacements = protect(text, pairs, placeholder)
        body: dict[str, Any] = {"q": protected, "source": source, "target": target}
        body["format"] = "text"
        if self._key:
            body["api_key"] = self._key
        answer = await _post(self._url, self._timeout, json=body)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise ProviderError("no translatedText in the answer")
        return restore_placeholders(translated, replacements)


class DeepL:
    """DeepL's ``POST /v2/translate`` (``Authorization: DeepL-Auth-Key …``).

    Args:
        api_key: The key (a Free key ends in ``:fx`` and uses the Free API's host).
        timeout: Seconds per call.
        glossary: Terms to protect (inside ignored XML tags: see the glossary module).
        url: Another host (tests; DeepL's regional endpoints).
    """

    name = "deepl"

    def __init__(
        self,
        api_key: str,
        timeout: float,
        glossary: Glossary | None = None,
        url: str | None = None,
    ) -> None:
        host = url or (DEEPL_FREE if api_key.endswith(":fx") else DEEPL_PRO)
        self._url = host.rstrip("/") + "/v2/translate"
        self._key = api_key
        self._timeout = timeout
        self._glossary = glossary or Glossary()

    async def translate(self, texts: Sequence[str], source: str, target: str) -> list[str]:
        """All texts in one call (DeepL takes a list and answers in the same order)."""
        pairs = self._glossary.pairs(source, target)

        def keep(_index: int, term: str) -> str:
            return f"<{_KEEP_TAG}>{escape(term)}</{_KEEP_TAG}>"

        protected = []
        for text in texts:
            # In XML mode the text is markup: escape it, then mark the kept terms.
            marked, _replacements = protect(escape(text), [(escape(a), b) for a, b in pairs], keep)
            protected.append(marked)
        body: dict[str, Any] = {
            "text": protected,
            "source_lang": source.upper(),
            "target_lang": DEEPL_TARGETS.get(target, target.upper()),
            "tag_handling": "xml",
            "ignore_tags": [_KEEP_TAG],
        }
        answer = await _post(
            self._url,
            self._timeout,
            json=body,
            headers={"Authorization": f"DeepL-Auth-Key {self._key}"},
        )
        translations = answer.get("translations") if isinstance(answer, dict) else None
        if not isinstance(translations, list) or len(translations) != len(texts):
            raise ProviderError("the answer does not have one translation per text")
        out = []
        for item in translations:
            found = item.get("text") if isinstance(item, dict) else None
            if not isinstance(found, str):
                raise ProviderError("a translation without text")
            text = found.replace(f"<{_KEEP_TAG}>", "").replace(f"</{_KEEP_TAG}>", "")
            out.append(unescape(text))
        return out
