"""``iopsbot.toml``: how this bot process runs (database, platforms, language, logging).

Secrets never live in the file: it names the environment variables that hold them, and a
literal token, password or key is rejected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.config.errors import ConfigError
from core.config.loading import read_toml, validate
from core.config.organisation import OrganisationConfig, load_organisation

PLATFORMS = ("console", "telegram", "discord", "matrix")
Platform = Literal["console", "telegram", "discord", "matrix"]
_SECRET_WORDS = ("token", "password", "secret", "api_key", "key")
DEFAULT_CONFIG = Path("config/iopsbot.toml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DatabaseSettings(_Strict):
    """``[database]``."""

    url: str = "sqlite+aiosqlite:///var/iopsbot.sqlite3"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value


class BotSettings(_Strict):
    """``[bot]``."""

    organisation: str = "organisation.toml"
    default_language: str | None = None
    platforms: tuple[Platform, ...] = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "json"
    secret_key_env: str = "IOPSBOT_SECRET_KEY"


class TelegramSettings(_Strict):
    """``[telegram]``.

    ``mode = "webhook"`` has Telegram post updates to ``webhook_url`` (served locally on
    ``webhook_listen``:``webhook_port``, behind a TLS proxy), each carrying the secret token
    from the environment variable named by ``webhook_secret_env``.
    """

    token_env: str = "TELEGRAM_BOT_TOKEN"
    api_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret_env: str = "TELEGRAM_WEBHOOK_SECRET"

    @model_validator(mode="after")
    def _webhook(self) -> TelegramSettings:
        if self.mode == "webhook" and not self.webhook_url.startswith("https://"):
            raise ValueError("webhook mode needs webhook_url, an https:// URL Telegram can reach")
        return self


class DiscordSettings(_Strict):
    """``[discord]``.

    Attributes:
        token_env: The environment variable holding the bot token.
        prefix: Typed commands in server channels start with it (``!decide …``), for
            where slash commands are unavailable.
        guild_ids: The servers whose slash commands are synced on start; empty: every
            server the bot is in.
        member_role: The server role (id or name) every approved member gets.
        roles: ``[discord.roles]``: branch slug -> the server role (id or name) its
            members get when approved into a chat linked to that branch.
        join_channels: ``[discord.join_channels]``: server id -> the channel where
            newcomers who join that server are greeted (default: its system channel).
        dms_per_minute: How many new private conversations the bot opens per minute
            at most (Discord quarantines bots that open many quickly).
    """

    token_env: str = "DISCORD_BOT_TOKEN"
    prefix: str = Field("!", min_length=1, max_length=3)
    guild_ids: tuple[int, ...] = ()
    member_role: str = ""
    roles: dict[str, str] = Field(default_factory=dict)
    join_channels: dict[int, int] = Field(default_factory=dict)
    dms_per_minute: int = Field(20, ge=1, le=600)

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        for slug, role in value.items():
            if not role.strip():
                raise ValueError(f"the role of {slug} is empty: give a role id or name")
        return value


class MatrixSettings(_Strict):
    """``[matrix]``."""

    homeserver: str = ""
    user_id: str = ""
    password_env: str = "MATRIX_PASSWORD"
    access_token_env: str = "MATRIX_ACCESS_TOKEN"
    # Element keeps "/" for its own commands: "!help" is what people type on Matrix.
    command_prefix: str = "!"
    # The name of the bot's session (device) in clients' session lists.
    device_name: str = "iopsbot"
    # End-to-end encryption (with the `e2e` extra installed): where the device's keys live.
    store_path: str = ""

    @field_validator("command_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if len(value) != 1 or value.isalnum() or value.isspace():
            raise ValueError("use one punctuation character, like ! or .")
        return value


class CalendarSettings(_Strict):
    """``[calendars]``: the calendar feed files of branches and members.

    Attributes:
        directory: Where the bot keeps every branch's and member's ``.ics`` feed,
            rewritten when gatherings change (relative to the working directory, like
            the database file); empty: no feed files.
        public_url: The address a web server serves that folder at, so that
            ``/calendar`` tells members where their own feed is; empty: not told.
    """

    directory: str = ""
    public_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and (not value.startswith(("https://", "http://")) or " " in value):
            raise ValueError("give the folder's web address, starting with https://")
        return value

    @model_validator(mode="after")
    def _served_folder(self) -> CalendarSettings:
        if self.public_url and not self.directory:
            raise ValueError("public_url needs a directory to serve")
        return self


class TranslationSettings(_Strict):
    """``[translation]``: the machine translation provider (none by default).

    Attributes:
        provider: ``none``, ``libretranslate`` or ``deepl``.
        url: The provider's address: a LibreTranslate instance (required for it); for
            DeepL, empty picks the Free or Pro API from the key.
        api_key_env: The environment variable holding the key (DeepL needs one;
            LibreTranslate instances may).
        timeout_seconds: How long one call may take before the content goes out untranslated.
    """

    provider: Literal["none", "libretranslate", "deepl"] = "none"
    url: str = ""
    api_key_env: str = "TRANSLATION_API_KEY"
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("use an http:// or https:// address")
        return value.rstrip("/")


class SettingsFile(_Strict):
    """The whole file as written."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    bot: BotSettings = Field(default_factory=BotSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    matrix: MatrixSettings = Field(default_factory=MatrixSettings)
    calendars: CalendarSettings = Field(default_factory=CalendarSettings)
    translation: TranslationSettings = Field(default_factory=TranslationSettings)


@dataclass(frozen=True)
class Settings:
    """Everything a bot process needs, with environment overrides applied.

    Attributes:
        path: The settings file it came from.
        file: The validated file.
        organisation: The validated organisation file it points to.
        database_url: After ``IOPSBOT_DATABASE_URL``.
        secrets: Secret values found in the environment, by purpose (never logged).
    """

    path: Path
    file: SettingsFile
    organisation: OrganisationConfig
    database_url: str
    secrets: Mapping[str, str]
    telegram_api_url: str
    matrix_homeserver: str
    matrix_user_id: str

    @property
    def default_language(self) -> str:
        """The language used when nothing better is known about a person or chat."""
        return self.file.bot.default_language or self.organisation.organisation.default_language

    def configured_platforms(self) -> tuple[str, ...]:
        """The platforms to start: those listed, else those with credentials, else console."""
        if self.file.bot.platforms:
            return tuple(self.file.bot.platforms)
        found = [p for p in ("telegram", "discord", "matrix") if self.has_credentials(p)]
        return tuple(found) or ("console",)

    def has_credentials(self, platform: str) -> bool:
        """Whether the environment holds what ``platform`` needs to log in."""
        if platform == "console":
            return True
        if platform == "matrix":
            has_secret = "matrix_password" in self.secrets or "matrix_access_token" in self.secrets
            return bool(self.matrix_homeserver and self.matrix_user_id and has_secret)
        if platform == "telegram" and self.file.telegram.mode == "webhook":
            return "telegram_token" in self.secrets and "telegram_webhook_secret" in self.secrets
        return f"{platform}_token" in self.secrets

    def secret_values(self) -> list[str]:
        """Every secret value, for the log redactor."""
        return [v for v in self.secrets.values() if v]


def _reject_literal_secrets(data: dict[str, Any]) -> list[tuple[str, str]]:
    problems = []
    for section, table in data.items():
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            is_secret = any(
                key == w or key.endswith("_" + w) for w in _SECRET_WORDS
            ) and not key.endswith("_env")
            if is_secret and isinstance(value, str):
                problems.append(
                    (
                        f"{section}.{key}",
                        "secrets are not allowed in configuration files; put the value in an "
                        f"environment variable and name it with {key}_env",
                    )
                )
    return problems


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Loads ``iopsbot.toml`` (and the organisation file it names) and the environment.

    A missing default file is not an error: the defaults apply. A file named explicitly must
    exist.

    Args:
        path: The settings file; default ``$IOPSBOT_CONFIG`` or ``config/iopsbot.toml``.
        environ: The environment (``os.environ`` by default).

    Raises:
        ConfigError: Any problem in either file, each as ``file: key: what is wrong``.
    """
    env = os.environ if environ is None else environ
    explicit = path is not None or "IOPSBOT_CONFIG" in env
    path = Path(path or env.get("IOPSBOT_CONFIG") or DEFAULT_CONFIG)
    if path.exists() or explicit:
        data = read_toml(path)
        problems = _reject_literal_secrets(data)
        if problems:
            raise ConfigError(path, problems)
        file = validate(path, SettingsFile, data)
    else:
        file = SettingsFile()
    org_path = (path.parent / file.bot.organisation).resolve()
    organisation = load_organisation(org_path)
    if file.bot.default_language and (
        file.bot.default_language not in organisation.organisation.languages
    ):
        raise ConfigError(
            path,
            [("bot.default_language", "must be one of the organisation's languages")],
        )
    unknown = [slug for slug in file.discord.roles if organisation.branch(slug) is None]
    if unknown:
        raise ConfigError(
            path, [(f"discord.roles.{slug}", "no branch has this slug") for slug in unknown]
        )
    translation = file.translation
    if translation.provider == "libretranslate" and not translation.url:
        raise ConfigError(path, [("translation.url", "LibreTranslate needs the instance's url")])
    if translation.provider == "deepl" and not env.get(translation.api_key_env):
        raise ConfigError(
            path,
            [("translation.api_key_env", f"DeepL needs a key in ${translation.api_key_env}")],
        )
    secrets = {
        name: env[var]
        for name, var in (
            ("secret_key", file.bot.secret_key_env),
            ("telegram_token", file.telegram.token_env),
            ("telegram_webhook_secret", file.telegram.webhook_secret_env),
            ("discord_token", file.discord.token_env),
            ("matrix_password", file.matrix.password_env),
            ("matrix_access_token", file.matrix.access_token_env),
            ("translation_api_key", file.translation.api_key_env),
        )
        if env.get(var)
    }
    return Settings(
        path=path,
        file=file,
        organisation=organisation,
        database_url=env.get("IOPSBOT_DATABASE_URL") or file.database.url,
        secrets=secrets,
        telegram_api_url=env.get("TELEGRAM_API_URL") or file.telegram.api_url,
        matrix_homeserver=env.get("MATRIX_HOMESERVER") or file.matrix.homeserver,
        matrix_user_id=env.get("MATRIX_USER_ID") or file.matrix.user_id,
    )


def check_file(path: Path) -> str:
    """Validates either kind of config file; returns what it was, for ``check-config``.

    Raises:
        ConfigError: The file is not valid.
    """
    data = read_toml(path)
    if "organisation" in data and "branches" in data:
        load_organisation(path)
        return "organisation"
    load_settings(path, environ={})
    return "settings"
