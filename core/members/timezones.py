"""Time zones for a member's profile: recognising a typed zone and proposing likely ones."""

from __future__ import annotations

from collections.abc import Mapping
from zoneinfo import available_timezones

from babel.core import get_global

MAX_SUGGESTIONS = 6
# Button arguments allow [A-Za-z0-9_.-]: a zone's "/" travels as "." (no IANA name has one).
_SLASH, _DOT = "/", "."
_MAX_ARG = 40
_ALIASES = {"utc": "UTC", "gmt": "UTC", "z": "UTC"}


def resolve_zone(text: str) -> str | None:
    """The IANA zone named by ``text`` (any case, spaces for underscores); None if unknown.

    Only names from the zone database are accepted, never a path: ``ZoneInfo`` would read
    a file for whatever it is given.
    """
    typed = "_".join(text.strip().split())
    if not typed or len(typed) > 64:
        return None
    if typed.casefold() in _ALIASES:
        return _ALIASES[typed.casefold()]
    by_folded = {zone.casefold(): zone for zone in available_timezones()}
    return by_folded.get(typed.casefold())


def suggest_zones(home: str | None, country: str | None, fallback: str) -> list[str]:
    """Zones to offer as buttons: the chapter's first, then the rest of its country's.

    Args:
        home: The member's chapter's zone, if they have a chapter.
        country: The chapter's country (ISO 3166 code), if known.
        fallback: The organisation's default zone, offered when nothing else is known.
    """
    zones: list[str] = []
    territory_zones: Mapping[str, list[str]] = get_global("territory_zones")
    for zone in [home, *territory_zones.get(country or "", [])]:
        if zone and zone not in zones and zone_to_arg(zone) is not None:
            zones.append(zone)
    if not zones:
        zones.append(fallback)
    return zones[:MAX_SUGGESTIONS]


def zone_to_arg(zone: str) -> str | None:
    """A zone as a button argument; None for the few that cannot travel in one."""
    arg = zone.replace(_SLASH, _DOT)
    if len(arg) > _MAX_ARG or not all(c.isalnum() or c in "_.-" for c in arg) or not arg.isascii():
        return None
    return arg


def zone_from_arg(arg: str) -> str | None:
    """The zone a button argument stands for; None when it is no known zone."""
    zone = arg.replace(_DOT, _SLASH)
    return zone if zone in available_timezones() else None
