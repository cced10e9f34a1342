"""A local HTTP server speaking LibreTranslate's and DeepL's documented APIs.

- LibreTranslate: ``POST /translate`` with JSON ``{q, source, target, format, api_key}``
  answering ``{"translatedText": …}``; errors as ``{"error": …}`` with 400, 403, 429, 500.
- DeepL: ``POST /v2/translate`` with ``Authorization: DeepL-Auth-Key <key>`` and JSON
  ``{text: [...], target_lang, source_lang, tag_handling, ignore_tags}`` answering
  ``{"translations": [{"detected_source_language", "text"}]}``; errors 400, 403 (key),
  429 (too many requests), 456 (quota exceeded).

Its "translation" is a tiny word list (enough to see a glossary term mistranslated when it
is not protected) behind a ``(xx)`` mark; ``mode`` makes it fail or hang on purpose.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

WORDS = {
    "es": {"hello": "hola", "everyone": "a todos", "chapter": "episodio", "meeting": "reunión"},
    "fr": {"hello": "bonjour", "everyone": "tout le monde", "chapter": "épisode"},
    "ar": {"hello": "مرحبا"},
    "el": {"hello": "γεια"},
}
DEEPL_KEY = "test-key:fx"


def fake_translate(text: str, target: str) -> str:
    """``(es) hola a todos``: word by word, unknown words (and placeholders) left alone."""
    words = WORDS.get(target[:2].lower(), {})

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return words.get(word.lower(), word)

    return f"({target[:2].lower()}) " + re.sub(r"[A-Za-z]+", swap, text)


class FakeProviders:
    """Both providers on one ``127.0.0.1`` port.

    Attributes:
        mode: ``ok``; ``slow`` (never answers in time); ``500``, ``429``, ``456``, ``403``.
        requests: What was received, as (provider, headers, JSON body).
    """

    def __init__(self, libre_key: str | None = None) -> None:
        self.mode = "ok"
        self.libre_key = libre_key
        self.requests: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/translate", self.libre)
        app.router.add_post("/v2/translate", self.deepl)
        self._runner = web.AppRunner(app, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _fail(self, errors: dict[str, tuple[int, dict[str, str]]]) -> web.Response | None:
        if self.mode == "slow":
            await asyncio.sleep(3)
        if self.mode in errors:
            status, body = errors[self.mode]
            return web.json_response(body, status=status)
        return None

    async def libre(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("libretranslate", dict(request.headers), body))
        failed = await self._fail(
            {
                "500": (500, {"error": "Cannot translate text: internal error"}),
                "429": (429, {"error": "Slowdown: 1 per 1 second"}),
            }
        )
        if failed is not None:
            return failed
        if self.libre_key is not None and body.get("api_key") != self.libre_key:
            return web.json_response(
                {"error": "Invalid API key. Visit the portal to get one."}, status=403
            )
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        if not isinstance(q, str) or not source or not target:
            return web.json_response({"error": "Invalid request: missing q parameter"}, status=400)
        if body.get("format", "text") not in ("text", "html"):
            return web.json_response({"error": "Invalid request: format"}, status=400)
        return web.json_response({"translatedText": fake_translate(q, target)})

    async def deepl(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(("deepl", dict(request.headers), body))
        if request.headers.get("Authorization") != f"DeepL-Auth-Key {DEEPL_KEY}":
            return web.json_response({"message": "Wrong endpoint or invalid key"}, status=403)
        failed = await self._fail(
            {
                "456": (456, {"message": "Quota Exceeded"}),
                "429": (429, {"message": "Too many requests"}),
                "500": (500, {"message": "Internal error"}),
            }
        )
        if failed is not None:
            return failed
        texts, target = body.get("text"), body.get("target_lang")
        if not isinstance(texts, list) or not target:
            return web.json_response(
                {"message": "Value for 'target_lang' not supported."}, status=400
            )
        if target in ("EN", "PT"):  # deprecated as targets: a variant is required
            return web.json_response(
                {"message": "targetLang='en' is deprecated, please use 'en-GB' or 'en-US'."},
                status=400,
            )
        ignored = body.get("ignore_tags") or []
        out = []
        for text in texts:
            if body.get("tag_handling") == "xml" and ignored:
                tag = ignored[0]
                pieces = re.split(rf"(<{tag}>.*?</{tag}>)", text)
                translated = "".join(
                    p
                    if p.startswith(f"<{tag}>")
                    else re.sub(
                        r"[A-Za-z]+",
                        lambda m: WORDS.get(target[:2].lower(), {}).get(
                            m.group(0).lower(), m.group(0)
                        ),
                        p,
                    )
                    for p in pieces
                )
                out.append(f"({target[:2].lower()}) {translated}")
            else:
                out.append(fake_translate(text, target))
        return web.json_response(
            {
                "translations": [
                    {"detected_source_language": body.get("source_lang", "EN"), "text": t}
                    for t in out
                ]
            }
        )
