"""The organisation's terms, protected from machine translation and put back right.

A machine translator knows nothing of what the organisation calls a "chapter" in Greek or
that "IOPS" is a name. Before a text goes to the provider, every glossary term found in it
(in the text's language, whole words, any case) is *protected*; after, it is *restored* as
the term the glossary gives for the target language:

- **DeepL** gets the target term itself inside an XML tag it is told to leave alone
  (``tag_handling=xml``, ``ignore_tags``): DeepL promises not to touch it, and it reads it
  as part of the sentence, so the words around it agree with it.
- **LibreTranslate** has no such promise, so the term becomes an opaque placeholder
  (``[[0]]``) that the engine passes through as it does numbers; restoring tolerates the
  spacing engines add inside brackets. A placeholder the engine loses costs the term, not
  the translation — which is only ever a draft for the translators.

DeepL's own glossary API would need a glossary kept in sync per language pair (and DeepL
offers only some pairs); protecting terms per request works for every pair and provider,
with nothing stored at the provider.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from core.config.organisation import GlossaryConfig


@dataclass(frozen=True)
class Glossary:
    """Terms never translated, and terms with a fixed rendering per language.

    Args:
        keep: Words kept as they are.
        terms: Each term by language code.
    """

    keep: tuple[str, ...] = ()
    terms: tuple[Mapping[str, str], ...] = ()

    @classmethod
    def from_config(cls, config: GlossaryConfig) -> Glossary:
        """The glossary of ``organisation.toml``."""
        return cls(tuple(config.keep), tuple(dict(t) for t in config.terms))

    def pairs(self, source: str, target: str) -> list[tuple[str, str]]:
        """(term as written in ``source``, term to write in ``target``), longest first.

        Longest first, so that "participatory society" is protected before "society".
        """
        found = [(word, word) for word in self.keep if word.strip()]
        found += [
            (term[source], term[target]) for term in self.terms if source in term and target in term
        ]
        return sorted(found, key=lambda pair: len(pair[0]), reverse=True)

    def fingerprint(self, source: str, target: str) -> str:
        """A digest of what applies between two languages (part of the cache key)."""
        return hashlib.sha256(
            json.dumps(self.pairs(source, target), ensure_ascii=False).encode()
        ).hexdigest()[:16]


def _pattern(term: str) -> re.Pattern[str]:
    # Whole words only ("chapter" but not "chapters'" inside "subchapter"); any case.
    return re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)


def protect(
    text: str, pairs: Sequence[tuple[str, str]], wrap: Callable[[int, str], str]
) -> tuple[str, list[str]]:
    """Replaces each glossary term in ``text`` with ``wrap(index, target term)``.

    Args:
        text: The original.
        pairs: From :meth:`Glossary.pairs`.
        wrap: Makes the protected form of the ``index``-th replacement.

    Returns:
        The protected text, and the target term of each replacement by index.
    """
    replacements: list[str] = []
    pieces: list[tuple[int, int, str]] = []  # spans already protected: never touched twice
    for source_term, target_term in pairs:
        for match in _pattern(source_term).finditer(text):
            start, end = match.span()
            if any(start < b and a < end for a, b, _t in pieces):
                continue
            pieces.append((start, end, target_term))
    pieces.sort()
    out: list[str] = []
    last = 0
    for start, end, target_term in pieces:
        out.append(text[last:start])
        out.append(wrap(len(replacements), target_term))
        replacements.append(target_term)
        last = end
    out.append(text[last:])
    return "".join(out), replacements


PLACEHOLDER = re.compile(r"\[\s*\[\s*(\d+)\s*\]\s*\]")


def placeholder(index: int, _term: str) -> str:
    """The opaque placeholder of one protected term (LibreTranslate)."""
    return f"[[{index}]]"


def restore_placeholders(text: str, replacements: Sequence[str]) -> str:
    """Puts the target terms back where the placeholders came out."""

    def put_back(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return replacements[index] if index < len(replacements) else match.group(0)

    return PLACEHOLDER.sub(put_back, text)
