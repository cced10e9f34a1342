"""Logs are structured and never carry a secret."""

from __future__ import annotations

import io
import json
import logging

from core.logs import configure_logging

TOKEN = "123456789:AAH-very-secret-telegram-token-abcdefghi"
PASSWORD = "correct horse battery staple"


def test_secrets_never_reach_the_log() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", [TOKEN, PASSWORD], stream)
    log = logging.getLogger("iopsbot.test")
    log.info("calling https://api.telegram.org/bot%s/getUpdates", TOKEN, extra={"chat": "42"})
    log.warning("login failed", extra={"password": PASSWORD})
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        log.exception("boom")
    # An unknown Telegram token (e.g. from another config) is masked by its shape.
    log.info("url /bot987654321:ZZZ-another-token-0123456789abcdef/getMe")
    text = stream.getvalue()
    assert TOKEN not in text and PASSWORD not in text
    assert "987654321:ZZZ" not in text
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert lines[0]["msg"] == "calling https://api.telegram.org/bot***/getUpdates"
    assert lines[0]["chat"] == "42" and lines[0]["level"] == "info"
    assert lines[1]["password"] == "***"


def test_http_client_request_logs_are_quieted() -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", "text", [], stream)
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot1:x/getMe")
    logging.getLogger("httpcore").debug("send_request_headers.started")
    assert stream.getvalue() == ""
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
