"""Protecting glossary terms: whole words, any case, longest first, restored tolerantly."""

from __future__ import annotations

from core.translation.glossary import Glossary, placeholder, protect, restore_placeholders

GLOSSARY = Glossary(
    keep=("IOPS",),
    terms=(
        {"en": "participatory society", "es": "sociedad participativa"},
        {"en": "society", "es": "sociedad"},
        {"en": "chapter", "es": "capítulo"},
    ),
)


def test_longest_term_first_and_whole_words_only() -> None:
    pairs = GLOSSARY.pairs("en", "es")
    text, replacements = protect(
        "A Participatory Society starts in a chapter, not in subchapters. iops", pairs, placeholder
    )
    assert text == "A [[0]] starts in a [[1]], not in subchapters. [[2]]"
    assert replacements == ["sociedad participativa", "capítulo", "IOPS"]


def test_restore_tolerates_spaces_engines_add() -> None:
    assert restore_placeholders("Una [ [0] ] en un [[1]].", ["sociedad", "capítulo"]) == (
        "Una sociedad en un capítulo."
    )
    # A placeholder the engine invented is left as it is rather than guessed.
    assert restore_placeholders("x [[7]]", ["a"]) == "x [[7]]"


def test_only_pairs_with_both_languages_apply() -> None:
    assert GLOSSARY.pairs("en", "fr") == [("IOPS", "IOPS")]
    assert GLOSSARY.fingerprint("en", "es") != GLOSSARY.fingerprint("en", "fr")
