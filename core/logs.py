"""Structured logs that never show a secret.

Every record is one JSON object (or one readable line) with the event's context fields.
Known secret values (tokens, passwords, keys) and anything shaped like a Telegram bot token
are masked in every record, including in the URLs that HTTP libraries log; httpx and
httpcore are quieted to warnings because they log request URLs, which carry Telegram tokens.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

_TELEGRAM_TOKEN = re.compile(r"(?<![0-9])[0-9]{5,}:[A-Za-z0-9_-]{30,}")
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}
NOISY_LOGGERS = ("httpx", "httpcore", "aiosqlite", "asyncio", "nio", "discord.http", "telegram.ext")
MASK = "***"


class Redactor:
    """Masks secret values in text.

    Args:
        secrets: Exact values to mask (short ones are ignored: they would mask ordinary words).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """``text`` with every secret masked."""
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _TELEGRAM_TOKEN.sub(MASK, text)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context, exception."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """The record as redacted JSON."""
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **_extras(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self._redact(json.dumps(entry, default=str, ensure_ascii=False))


class TextFormatter(logging.Formatter):
    """``time level logger: message key=value…``, redacted."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        """The record as one redacted line (plus a traceback when there is one)."""
        line = super().format(record)
        extras = " ".join(f"{k}={v!r}" for k, v in _extras(record).items())
        return self._redact(f"{line} {extras}" if extras else line)


def configure_logging(
    level: str = "INFO",
    fmt: str = "json",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Sets up the root logger once for this process.

    Args:
        level: The root level.
        fmt: ``json`` or ``text``.
        secrets: Values that must never appear in a log line.
        stream: Where to write (stderr by default).

    Returns:
        The installed handler.
    """
    redact = Redactor(secrets)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redact) if fmt == "json" else TextFormatter(redact))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    return handler
