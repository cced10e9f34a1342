"""The languages the bot can speak and how to recognise them in platform hints."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

# The organisation's ten languages, in the order they are offered.
KNOWN_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "el", "ar")

RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "he", "fa", "ur"})


def autonym(language: str) -> str:
    """The language's name in itself ("Español", "العربية"), as a language menu shows it."""
    try:
        name = Locale.parse(language).get_display_name(language) or language
    except (UnknownLocaleError, ValueError):
        return language
    return name[:1].upper() + name[1:]


def normalise_language(hint: str | None, supported: tuple[str, ...]) -> str | None:
    """Maps a platform language hint onto one of ``supported``, or None.

    Platforms send tags such as ``pt-BR``, ``es_419`` or ``EN``; the primary subtag decides.

    Args:
        hint: The raw hint from the platform (may be None or malformed).
        supported: The organisation's language codes.

    Returns:
        A code from ``supported``, or None when the hint names none of them.
    """
    if not hint:
        return None
    primary = hint.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in supported else None
