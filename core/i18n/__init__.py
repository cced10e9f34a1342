"""UI languages: lazy messages, catalogs and per-recipient translators."""

from core.i18n.catalogs import Catalogs
from core.i18n.languages import KNOWN_LANGUAGES, autonym, normalise_language
from core.i18n.message import Msg, _, ngettext, pgettext
from core.i18n.translator import Translator

__all__ = [
    "KNOWN_LANGUAGES",
    "Catalogs",
    "Msg",
    "Translator",
    "_",
    "autonym",
    "ngettext",
    "normalise_language",
    "pgettext",
]
