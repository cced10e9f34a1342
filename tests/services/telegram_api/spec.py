"""Checks Bot API calls and objects against the machine-readable Bot API specification.

The specification (``../shared/specs/telegram-bot-api.json``, Bot API 10.1) lists every
method with its fields, their types and whether each is required, and every type. A call
arrives as form fields (python-telegram-bot sends strings, JSON-serialised objects and
multipart uploads); objects inside are JSON. Every problem found is returned as a line.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_NAME = "telegram-bot-api.json"
_INTEGER = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")

# Limits the specification states in prose, checked here as numbers (UTF-16 units, as
# Telegram counts them; callback data in bytes).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_LIMIT = 64
# An inline keyboard button must have exactly one of these.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart call."""

    filename: str
    content: bytes


def find_spec() -> Path:
    """The specification: $IOPSBOT_SPECS, else the copy kept in ``tests/services/specs/``
    (MIT, its licence beside it), else ``shared/specs/`` beside the checkout."""
    env = os.environ.get("IOPSBOT_SPECS")
    if env:
        return Path(env) / SPEC_NAME
    kept = Path(__file__).resolve().parents[1] / "specs" / SPEC_NAME
    if kept.exists():
        return kept
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "specs" / SPEC_NAME
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{SPEC_NAME} not found beside the checkout (set IOPSBOT_SPECS)")


@cache
def load_spec() -> dict[str, Any]:
    """The specification, read once."""
    data: dict[str, Any] = json.loads(find_spec().read_text(encoding="utf-8"))
    return data


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class Spec:
    """The Bot API contract."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        data = data or load_spec()
        self.version: str = data["version"]
        self.methods: dict[str, Any] = data["methods"]
        self.types: dict[str, Any] = data["types"]

    # ----------------------------------------------------------------- calls

    def check_call(self, method: str, params: dict[str, str | Upload]) -> list[str]:
        """Every way a call breaks the contract (empty when it keeps it)."""
        spec = self.methods.get(method)
        if spec is None:
            return [f"{method}: no such Bot API method"]
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [
            f"{method}: required field {name} missing"
            for name, f in fields.items()
            if f["required"] and name not in params
        ]
        for name, value in params.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{method}: unknown field {name}")
                continue
            problems += self._form_value(f"{method}.{name}", value, field["types"], params)
        if not problems:
            problems += self._limits(method, params)
        return problems

    def _form_value(
        self, path: str, value: str | Upload, types: list[str], params: dict[str, str | Upload]
    ) -> list[str]:
        if isinstance(value, Upload):
            return [] if "InputFile" in types else [f"{path}: a file where {types} is expected"]
        attempts = []
        for kind in types:
            problems = self._form_one(path, value, kind, params)
            if not problems:
                return []
            attempts.append(problems)
        if len(attempts) == 1:
            return attempts[0]
        return [f"{path}: none of {types}; nearest: {'; '.join(min(attempts, key=len))}"]

    def _form_one(
        self, path: str, value: str, kind: str, params: dict[str, str | Upload]
    ) -> list[str]:
        if kind == "String":
            return []
        if kind == "Integer":
            return [] if _INTEGER.match(value) else [f"{path}: {value[:40]!r} is not an Integer"]
        if kind == "Float":
            return [] if _FLOAT.match(value) else [f"{path}: {value[:40]!r} is not a Float"]
        if kind == "Boolean":
            return [] if value in ("true", "false") else [f"{path}: {value!r} is not a Boolean"]
        if kind == "InputFile":
            name = value.removeprefix("attach://")
            ok = value.startswith("attach://") and isinstance(params.get(name), Upload)
            return [] if ok else [f"{path}: not an upload"]
        try:
            decoded = json.loads(value)
        except ValueError:
            return [f"{path}: not JSON-serialised {kind}"]
        return self.check_object(decoded, kind, path)

    def _limits(self, method: str, params: dict[str, str | Upload]) -> list[str]:
        problems = []
        text = params.get("text")
        if method in ("sendMessage", "editMessageText") and isinstance(text, str):
            if not text.strip():
                problems.append(f"{method}.text: empty")
            if utf16_len(text) > TEXT_LIMIT:
                problems.append(f"{method}.text: {utf16_len(text)} > {TEXT_LIMIT} characters")
        caption = params.get("caption")
        if isinstance(caption, str) and utf16_len(caption) > CAPTION_LIMIT:
            problems.append(f"{method}.caption: {utf16_len(caption)} > {CAPTION_LIMIT}")
        answer = method == "answerCallbackQuery" and isinstance(text, str)
        if answer and utf16_len(str(text)) > CALLBACK_ANSWER_LIMIT:
            problems.append(f"{method}.text: {utf16_len(text)} > {CALLBACK_ANSWER_LIMIT}")
        return problems

    # ----------------------------------------------------------------- objects

    def check_object(self, value: Any, kind: str, path: str) -> list[str]:
        """Every way a JSON value fails to be a ``kind`` (a type name or ``Array of …``)."""
        if kind.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: not an array"]
            inner = kind[len("Array of ") :]
            return [
                p
                for i, item in enumerate(value)
                for p in self.check_object(item, inner, f"{path}[{i}]")
            ]
        if kind == "Integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
            return [] if ok else [f"{path}: {value!r} is not an Integer"]
        if kind == "Float":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            return [] if ok else [f"{path}: {value!r} is not a Float"]
        if kind == "Boolean":
            return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a Boolean"]
        if kind in ("String", "InputFile"):
            return [] if isinstance(value, str) else [f"{path}: {value!r} is not a String"]
        spec = self.types.get(kind)
        if spec is None:
            return [f"{path}: unknown type {kind}"]
        if "subtypes" in spec:
            attempts = [self.check_object(value, sub, path) for sub in spec["subtypes"]]
            if any(not problems for problems in attempts):
                return []
            return [f"{path}: matches none of {kind}'s forms: {min(attempts, key=len)}"]
        if not isinstance(value, dict):
            return [f"{path}: {kind} must be an object"]
        fields = {f["name"]: f for f in spec.get("fields", [])}
        problems = [
            f"{path}: {kind}.{name} missing"
            for name, f in fields.items()
            if f["required"] and name not in value
        ]
        for name, item in value.items():
            field = fields.get(name)
            if field is None:
                problems.append(f"{path}: unknown field {kind}.{name}")
                continue
            attempts = [self.check_object(item, t, f"{path}.{name}") for t in field["types"]]
            if all(attempts):
                if len(attempts) == 1:
                    problems += attempts[0]
                else:
                    nearest = "; ".join(min(attempts, key=len))
                    problems.append(f"{path}.{name}: none of {field['types']}; nearest: {nearest}")
        if kind == "InlineKeyboardButton" and not problems:
            problems += _button(value, path)
        return problems


def _button(button: dict[str, Any], path: str) -> list[str]:
    problems = []
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if len(actions) != 1:
        problems.append(f"{path}: an inline button needs exactly one action, has {actions}")
    data = button.get("callback_data")
    if isinstance(data, str) and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
        problems.append(f"{path}: callback_data is {len(data.encode())} bytes (1-64 allowed)")
    return problems
