"""Compiled gettext catalogs, one :class:`Translator` per language."""

from __future__ import annotations

import gettext
from pathlib import Path

from core.i18n.translator import Translator

DOMAIN = "messages"


def default_locales_dir() -> Path:
    """The ``locales/`` folder of the source checkout (beside ``core/``)."""
    return Path(__file__).resolve().parents[2] / "locales"


class Catalogs:
    """Loads each language's compiled catalog once and hands out translators.

    Args:
        languages: The languages to load; the first one is the fallback.
        locales_dir: Folder holding ``<lang>/LC_MESSAGES/messages.mo``.

    Raises:
        FileNotFoundError: A language other than English has no compiled catalog (run
            ``make i18n``). English falls back to the source strings.
    """

    def __init__(self, languages: tuple[str, ...], locales_dir: Path | None = None) -> None:
        self._dir = locales_dir or default_locales_dir()
        self._translators: dict[str, Translator] = {}
        for language in languages:
            self._translators[language] = Translator(language, self._load(language))
        self.default = languages[0]

    def _load(self, language: str) -> gettext.NullTranslations:
        mo = self._dir / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists():
            with mo.open("rb") as fh:
                return gettext.GNUTranslations(fh)
        if language == "en":
            return gettext.NullTranslations()
        raise FileNotFoundError(f"no compiled catalog for {language!r} at {mo} (run `make i18n`)")

    @property
    def languages(self) -> tuple[str, ...]:
        """The loaded languages."""
        return tuple(self._translators)

    def get(self, language: str | None) -> Translator:
        """The translator for ``language``, or the default language's."""
        if language and language in self._translators:
            return self._translators[language]
        return self._translators[self.default]
