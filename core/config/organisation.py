"""``organisation.toml``: the federation's branches, languages and newcomer texts."""

from __future__ import annotations

import re
from enum import StrEnum
from fractions import Fraction
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
    """One ``[[branches]]`` entry.

    Attributes:
        auto_approve: Newcomers' applications to this branch are approved without waiting
            for its organisers (the organisers still see who joined in the chapter chat).
    """

    slug: str
    name: str = Field(min_length=1, max_length=120)
    names: dict[str, str] = Field(default_factory=dict)
    level: Level
    parent: str | None = None
    country: str | None = None
    language: str
    timezone: str
    auto_approve: bool = False

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


def _share(value: str, *, positive: bool = False) -> str:
    """Checks a share written as a fraction or decimal between 0 and 1 ("1/2", "0.2")."""
    try:
        share = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a number like 1/2 or 0.25") from None
    if not 0 <= share <= 1 or (positive and share == 0):
        above = " and above 0" if positive else ""
        raise ValueError(f"{value!r} must be between 0 and 1{above}")
    return value


class DecisionDefaults(_Strict):
    """How decisions are made unless the organiser who opens one says otherwise.

    Attributes:
        others_weight: Proportional say: the weight of members of the decision's branch who
            are outside the affected sub-branch (the affected members weigh 1).
        quorum: Share of the electorate's weight that must take part.
        threshold: simple, two_thirds, three_quarters or unanimity.
        reminder_hours: Reminders to those who have not voted, hours before closing.
        duration_hours: How long a decision stays open when no closing time is given.
        members_may_propose: Slugs of branches where any member (not only organisers) may
            open a decision.
        recall_petition_share: Share of a delegate's constituency whose signatures open a
            recall vote.
        recall_threshold: The majority a recall vote needs.
        recall_hours: How long a recall vote stays open.
        petition_hours: How long a recall petition collects signatures.
    """

    others_weight: str = "1/2"
    quorum: str = "0"
    threshold: str = "simple"
    reminder_hours: tuple[int, ...] = (24,)
    duration_hours: int = Field(default=72, ge=1, le=24 * 366)
    members_may_propose: tuple[str, ...] = ()
    recall_petition_share: str = "1/5"
    recall_threshold: str = "simple"
    recall_hours: int = Field(default=7 * 24, ge=1, le=24 * 366)
    petition_hours: int = Field(default=14 * 24, ge=1, le=24 * 366)

    @field_validator("others_weight", "quorum")
    @classmethod
    def _shares(cls, value: str) -> str:
        return _share(value)

    @field_validator("recall_petition_share")
    @classmethod
    def _positive_share(cls, value: str) -> str:
        return _share(value, positive=True)

    @field_validator("threshold", "recall_threshold")
    @classmethod
    def _threshold(cls, value: str) -> str:
        allowed = ("simple", "two_thirds", "three_quarters", "unanimity")
        if value not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return value

    @field_validator("reminder_hours")
    @classmethod
    def _hours(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 1 <= hours <= 24 * 366 for hours in value):
            raise ValueError("each reminder is between 1 and 8784 hours before closing")
        return tuple(sorted(set(value), reverse=True))


class GatheringDefaults(_Strict):
    """How gatherings are set up unless the organiser who announces one says otherwise.

    Attributes:
        reminder_hours: Reminders before each occurrence, in hours (168 = a week).
        duration_minutes: How long a gathering lasts when no end is given.
        horizon_days: How far ahead a repeating gathering's reminders are booked; the
            rest are booked as time passes.
    """

    reminder_hours: tuple[int, ...] = (168, 24, 2)
    duration_minutes: int = Field(default=120, ge=5, le=24 * 60)
    horizon_days: int = Field(default=90, ge=35, le=366)

    @field_validator("reminder_hours")
    @classmethod
    def _hours(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if len(value) > 6 or any(not 1 <= hours <= 30 * 24 for hours in value):
            raise ValueError("at most 6 reminders, each between 1 and 720 hours before")
        return tuple(sorted(set(value), reverse=True))


class GlossaryConfig(_Strict):
    """``[glossary]``: the organisation's terms, kept right by machine translation.

    Attributes:
        keep: Words never translated (the organisation's name, "IOPS").
        terms: Each term in the languages it has a fixed rendering in, e.g.
            ``{ en = "chapter", es = "capítulo", fr = "section locale" }``.
    """

    keep: tuple[str, ...] = ()
    terms: tuple[dict[str, str], ...] = ()


class OrganisationConfig(_Strict):
    """The whole ``organisation.toml``."""

    organisation: OrganisationInfo
    texts: dict[str, dict[str, str]]
    branches: tuple[BranchConfig, ...] = Field(min_length=1)
    decisions: DecisionDefaults = Field(default_factory=DecisionDefaults)
    gatherings: GatheringDefaults = Field(default_factory=GatheringDefaults)
    glossary: GlossaryConfig = Field(default_factory=GlossaryConfig)

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
    for index, term in enumerate(cfg.glossary.terms):
        for code, value in term.items():
            if code not in langs:
                problems.append((f"glossary.terms[{index}].{code}", "not one of the languages"))
            elif not value.strip():
                problems.append((f"glossary.terms[{index}].{code}", "empty term"))
    for index, slug in enumerate(cfg.decisions.members_may_propose):
        if slug not in seen:
            problems.append((f"decisions.members_may_propose[{index}]", f"no branch {slug!r}"))
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
