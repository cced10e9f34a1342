"""``organisation.toml``: the federation's branches, languages and newcomer texts."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.config.errors import ConfigError
from core.config.loading import read_toml, validate

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REQUIRED_TEXTS = ("mission", "values", "decisions", "joining")
_COUNTRIES = frozenset(Locale("en").territories)


class Level(StrEnum):
    """The levels of the federation, from the top."""

    INTERNATIONAL = "international"
    NATIONAL = "national"
    REGIONAL = "regional"
    LOCAL = "local"

    @property
    def depth(self) -> int:
        """0 for international … 3 for a local chapter."""
        return list(Level).index(self)


def check_timezone(value: str) -> str:
    """Accepts an IANA time zone name."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name like Europe/London)"
        ) from None
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class OrganisationInfo(_Strict):
    """The ``[organisation]`` table."""

    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(min_length=1, max_length=40)
    default_language: str
    languages: tuple[str, ...] = Field(min_length=1)
    default_timezone: str = "UTC"
    names: dict[str, str] = Field(default_factory=dict)

    def display_name(self, language: str) -> str:
        """The organisation's name in ``language`` where one is configured."""
        return self.names.get(language, self.name)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            try:
                Locale.parse(code)
            except (UnknownLocaleError, ValueError):
                raise ValueError(f"unknown language code {code!r}") from None
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)

    @model_validator(mode="after")
    def _default_in_languages(self) -> Self:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages")
        return self


class BranchConfig(_Strict):
    """One ``[[branches]]`` entry."""

    slug: str
    name: str = Field(min_length=1, max_length=120)
    names: dict[str, str] = Field(default_factory=dict)
    level: Level
    parent: str | None = None
    country: str | None = None
    language: str
    timezone: str

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value) or len(value) > 64:
            raise ValueError("use lowercase letters, digits and single hyphens (max 64)")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and value not in _COUNTRIES:
            raise ValueError(f"unknown country code {value!r} (use ISO 3166-1 alpha-2, like GB)")
        return value

    def display_name(self, language: str) -> str:
        """The branch's name in ``language`` where one is configured."""
        return self.names.get(language, self.name)


class OrganisationConfig(_Strict):
    """The whole ``organisation.toml``."""

    organisation: OrganisationInfo
    texts: dict[str, dict[str, str]]
    branches: tuple[BranchConfig, ...] = Field(min_length=1)

    def branch(self, slug: str) -> BranchConfig | None:
        """The configured branch with ``slug``, if any."""
        return next((b for b in self.branches if b.slug == slug), None)

    def text(self, name: str, language: str) -> str:
        """A newcomer text in ``language`` (the default language's where missing)."""
        texts = self.texts[name]
        return texts.get(language) or texts[self.organisation.default_language]

    def country_of(self, slug: str) -> str | None:
        """The country a branch belongs to (its national ancestor's)."""
        branch = self.branch(slug)
        while branch is not None and branch.country is None and branch.parent:
            branch = self.branch(branch.parent)
        return branch.country if branch else None


def _cross_checks(cfg: OrganisationConfig) -> list[tuple[str, str]]:
    """Checks no single field can: completeness of texts, the shape of the tree."""
    problems: list[tuple[str, str]] = []
    langs = cfg.organisation.languages
    for name in REQUIRED_TEXTS:
        if name not in cfg.texts:
            problems.append((f"texts.{name}", "required text is missing"))
    for name, by_lang in cfg.texts.items():
        for code in langs:
            if not by_lang.get(code, "").strip():
                problems.append((f"texts.{name}.{code}", "missing translation"))
        for code in by_lang:
            if code not in langs:
                problems.append((f"texts.{name}.{code}", "not one of the organisation's languages"))
    for code in cfg.organisation.names:
        if code not in langs:
            problems.append(
                (f"organisation.names.{code}", "not one of the organisation's languages")
            )
    seen: dict[str, BranchConfig] = {}
    roots = 0
    for index, branch in enumerate(cfg.branches):
        key = f"branches[{index}]"
        if branch.slug in seen:
            problems.append((f"{key}.slug", f"{branch.slug!r} is used by another branch"))
        if branch.language not in langs:
            problems.append((f"{key}.language", f"{branch.language!r} is not in languages"))
        for code in branch.names:
            if code not in langs:
                problems.append((f"{key}.names.{code}", "not one of the organisation's languages"))
        if branch.level is Level.NATIONAL and branch.country is None:
            problems.append((f"{key}.country", "a national branch needs its country code"))
        if branch.level is not Level.NATIONAL and branch.country is not None:
            problems.append((f"{key}.country", "only national branches name a country"))
        if branch.parent is None:
            if branch.level is not Level.INTERNATIONAL:
                problems.append((f"{key}.parent", "required: which branch is this one part of?"))
            roots += 1
        else:
            parent = seen.get(branch.parent)
            if parent is None:
                problems.append(
                    (f"{key}.parent", f"no branch {branch.parent!r} is defined above this one")
                )
            elif parent.level.depth != branch.level.depth - 1:
                problems.append(
                    (
                        f"{key}.parent",
                        f"a {branch.level} branch must be part of a "
                        f"{list(Level)[max(branch.level.depth - 1, 0)]} branch, "
                        f"not the {parent.level} {parent.slug!r}",
                    )
                )
        seen.setdefault(branch.slug, branch)
    if roots != 1:
        problems.append(("branches", f"exactly one international branch is needed, found {roots}"))
    return problems


def load_organisation(path: Path) -> OrganisationConfig:
    """Reads and fully validates ``organisation.toml``.

    Raises:
        ConfigError: Listing every problem found, each as ``file: key: what is wrong``.
    """
    cfg = validate(path, OrganisationConfig, read_toml(path))
    problems = _cross_checks(cfg)
    if problems:
        raise ConfigError(path, problems)
    return cfg
