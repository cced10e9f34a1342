"""Checks the Discord adapter's HTTP requests against Discord's OpenAPI description.

simcord records every REST call the real discord.py client makes (method, path, JSON
body). Each one must name a path of ``discord-openapi.json`` (templates matched segment
by segment) with that method, and its body must validate against the request schema:
required properties present, no unknown property where the schema is closed, types right.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

# The copy kept in tests/services/specs/ (MIT, its licence beside it); else ``shared/``
# beside the repository, or at /work/shared (a worktree elsewhere).
_ROOT = Path(__file__).resolve().parents[2]
SPEC = next(
    (
        candidate
        for candidate in (
            _ROOT / "tests" / "services" / "specs" / "discord-openapi.json",
            _ROOT.parent / "shared" / "specs" / "discord-openapi.json",
            Path("/work/shared/specs/discord-openapi.json"),
        )
        if candidate.exists()
    ),
    _ROOT.parent / "shared" / "specs" / "discord-openapi.json",
)


KNOWN_GAPS = frozenset(
    {
        # discord.py sends the documented ``nsfw`` flag of application commands, which the
        # OpenAPI description's command request schemas do not list yet.
        ("/applications/{application_id}/guilds/{guild_id}/commands", "'nsfw' was unexpected"),
        # discord.py's message edits carry ``tts: false`` (shared code with sends);
        # Discord ignores it on an edit.
        ("/channels/{channel_id}/messages/{message_id}", "'tts' was unexpected"),
    }
)


@dataclass(frozen=True)
class Problem:
    """One request that does not match the description."""

    method: str
    path: str
    what: str


@functools.cache
def spec() -> dict[str, Any]:
    """The OpenAPI document."""
    return dict(json.loads(SPEC.read_text()))


def _closed(node: Any) -> Any:
    """The schema with every object that lists its properties closed to others.

    Discord's description leaves objects open, and Discord ignores fields it does not
    know, so a misspelt field would pass silently: the checker is stricter on purpose.
    Objects combined with ``allOf`` stay open (each part lists only its own fields).
    """
    if isinstance(node, list):
        return [_closed(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _closed(value) for key, value in node.items()}
    if "allOf" in node:
        out["allOf"] = [_open(part) for part in out["allOf"]]
    types = node.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types)
    if is_object and "properties" in node and "additionalProperties" not in node:
        out["additionalProperties"] = False
    return out


def _open(node: Any) -> Any:
    if isinstance(node, dict) and node.get("additionalProperties") is False:
        return {key: value for key, value in node.items() if key != "additionalProperties"}
    return node


@functools.cache
def _components() -> dict[str, Any]:
    components = dict(_closed(spec()["components"]))
    schemas = dict(components["schemas"])
    # Discord takes a snowflake as a string or as a JSON number; discord.py sends numbers.
    schemas["SnowflakeType"] = {
        "anyOf": [spec()["components"]["schemas"]["SnowflakeType"], {"type": "integer"}]
    }
    components["schemas"] = schemas
    return components


def _messages(error: jsonschema.ValidationError) -> list[str]:
    where = "/".join(map(str, error.absolute_path)) or "(body)"
    if not error.context:
        return [f"{where}: {error.message[:300]}"]
    # A oneOf / anyOf failure: say why each alternative failed.
    return [message for sub in error.context for message in _messages(sub)]


@functools.cache
def _templates() -> list[tuple[re.Pattern[str], str]]:
    out = []
    for template in spec()["paths"]:
        pattern = re.sub(r"\\\{[^/]+?\\\}", r"[^/]+", re.escape(template))
        out.append((re.compile(f"^{pattern}$"), template))
    # Literal segments win over placeholders (``/messages/@original`` over ``/{id}``).
    out.sort(key=lambda item: item[1].count("{"))
    return out


def match(path: str) -> str | None:
    """The path template ``path`` is an instance of."""
    for pattern, template in _templates():
        if pattern.match(path):
            return template
    return None


def _json_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
    body = operation.get("requestBody")
    if body is None:
        return None
    content = body.get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    return None if media is None else dict(media["schema"])


def check(method: str, path: str, body: Any) -> list[Problem]:
    """What is wrong with one request (nothing: an empty list)."""
    template = match(path)
    if template is None:
        return [Problem(method, path, "no such path in the description")]
    operation = spec()["paths"][template].get(method.lower())
    if operation is None:
        return [Problem(method, path, f"{template} has no {method}")]
    if body is None:
        return []
    schema = _json_schema(operation)
    if schema is None:
        return [Problem(method, path, "a body where the description has none")]
    # References are "#/components/…": resolve them against a root that has them.
    root = {**_closed(schema), "components": _components()}
    validator = jsonschema.Draft202012Validator(root)
    return [
        Problem(method, path, message)
        for error in validator.iter_errors(body)
        for message in _messages(error)
        if not any(t == template and gap in message for t, gap in KNOWN_GAPS)
    ]


def check_all(requests: list[Any]) -> list[Problem]:
    """Checks simcord's ``env.http_requests``; returns every problem found."""
    problems: list[Problem] = []
    for request in requests:
        problems += check(request.method, request.path, _wire(request.json))
    return problems


def _wire(value: Any) -> Any:
    """discord.py's transport values as they go on the wire (JSON: datetimes as text)."""
    return json.loads(json.dumps(value, default=str)) if value is not None else None
