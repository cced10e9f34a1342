"""Configuration: the demo loads; every kind of mistake names file, key and problem."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from core.config import ConfigError, Level, load_organisation, load_settings
from core.config.settings import check_file
from core.testing import DEMO_ORGANISATION

CONFIG_DIR = DEMO_ORGANISATION.parent


def test_demo_organisation_is_shaped_like_the_real_one() -> None:
    org = load_organisation(DEMO_ORGANISATION)
    assert org.organisation.languages == (
        "en",
        "es",
        "fr",
        "de",
        "pt",
        "it",
        "nl",
        "sv",
        "el",
        "ar",
    )
    chapters = [b for b in org.branches if b.level is Level.LOCAL]
    countries = {org.country_of(b.slug) for b in chapters}
    assert len(chapters) >= 8 and len(countries) >= 4
    for name in ("mission", "values", "decisions", "joining"):
        for lang in org.organisation.languages:
            assert org.text(name, lang).strip()
    # The texts really are in their languages, not copies of the English.
    assert len({org.text("mission", lang) for lang in org.organisation.languages}) == 10
    assert org.branch("london-hackney").parent == "london"
    assert org.country_of("athens-exarchia") == "GR"


def test_default_settings_file_loads_with_console_when_no_tokens() -> None:
    settings = load_settings(CONFIG_DIR / "iopsbot.toml", environ={})
    assert settings.configured_platforms() == ("console",)
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.default_language == "en"


def test_tokens_in_the_environment_choose_the_platforms() -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123456:" + "a" * 35,
        "IOPSBOT_DATABASE_URL": "postgresql+asyncpg://u@h/db",
    }
    settings = load_settings(CONFIG_DIR / "iopsbot.toml", environ=env)
    assert settings.configured_platforms() == ("telegram",)
    assert settings.database_url == "postgresql+asyncpg://u@h/db"
    assert settings.secret_values() == [env["TELEGRAM_BOT_TOKEN"]]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def settings_with(tmp_path: Path, body: str) -> Path:
    (tmp_path / "organisation.toml").write_bytes(DEMO_ORGANISATION.read_bytes())
    return write(tmp_path, "iopsbot.toml", body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[telegram]\ntoken = "123:abc"\n',
            "iopsbot.toml: telegram.token: secrets are not allowed",
        ),
        ('[bot]\nplatforms = ["icq"]\n', "iopsbot.toml: bot.platforms[0]: Input should be"),
        ('[bot]\nlog_levle = "INFO"\n', "iopsbot.toml: bot.log_levle: unknown key"),
        ('[database]\nurl = "mysql://x"\n', "iopsbot.toml: database.url: use sqlite+aiosqlite"),
        ('[bot]\ndefault_language = "ja"\n', "iopsbot.toml: bot.default_language: must be one of"),
        ("[bot\n", "iopsbot.toml: not valid TOML"),
    ],
)
def test_bad_settings_are_rejected_with_file_key_and_reason(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = settings_with(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    assert expected in str(info.value).replace(str(tmp_path) + "/", "")


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def demo_data() -> dict:
    with DEMO_ORGANISATION.open("rb") as fh:
        return tomllib.load(fh)


def dump(data: dict) -> str:
    """A tiny TOML writer for the shapes organisation.toml uses."""

    def value(v):
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + "}"
        return str(v).lower() if isinstance(v, bool) else str(v)

    out = ["[organisation]"] + [f"{k} = {value(v)}" for k, v in data["organisation"].items()]
    for name, texts in data["texts"].items():
        out.append(f"[texts.{name}]")
        out += [f"{k} = {value(v)}" for k, v in texts.items()]
    if "decisions" in data:
        out.append("[decisions]")
        out += [f"{k} = {value(v)}" for k, v in data["decisions"].items()]
    if "glossary" in data:
        out.append("[glossary]")
        out += [f"{k} = {value(v)}" for k, v in data["glossary"].items()]
    for branch in data["branches"]:
        out.append("[[branches]]")
        out += [f"{k} = {value(v)}" for k, v in branch.items()]
    return "\n".join(out) + "\n"


def break_org(tmp_path: Path, change) -> str:
    data = demo_data()
    change(data)
    path = write(tmp_path, "organisation.toml", dump(data))
    with pytest.raises(ConfigError) as info:
        load_organisation(path)
    return str(info.value).replace(str(tmp_path) + "/", "")


def test_the_toml_writer_round_trips_the_demo(tmp_path: Path) -> None:
    path = write(tmp_path, "organisation.toml", dump(demo_data()))
    assert load_organisation(path) == load_organisation(DEMO_ORGANISATION)


def index_of(data: dict, slug: str) -> int:
    return next(i for i, b in enumerate(data["branches"]) if b["slug"] == slug)


def test_missing_translation_of_a_newcomer_text(tmp_path: Path) -> None:
    message = break_org(tmp_path, lambda d: d["texts"]["mission"].pop("el"))
    assert "organisation.toml: texts.mission.el: missing translation" in message


def test_parent_that_does_not_exist(tmp_path: Path) -> None:
    def change(d):
        d["branches"][index_of(d, "london-hackney")]["parent"] = "londres"

    i = index_of(demo_data(), "london-hackney")
    message = break_org(tmp_path, change)
    assert (
        f"organisation.toml: branches[{i}].parent: no branch 'londres' is defined above" in message
    )


def test_chapter_directly_under_a_country(tmp_path: Path) -> None:
    def change(d):
        d["branches"][index_of(d, "london-hackney")]["parent"] = "uk"

    message = break_org(tmp_path, change)
    assert "a local branch must be part of a regional branch, not the national 'uk'" in message


def test_unknown_time_zone_and_language(tmp_path: Path) -> None:
    def change(d):
        d["branches"][1]["timezone"] = "Europe/Atlantis"
        d["organisation"]["default_language"] = "tlh"

    message = break_org(tmp_path, change)
    assert "branches[1].timezone: unknown time zone 'Europe/Atlantis'" in message
    assert "organisation: default_language 'tlh' is not in languages" in message


def test_duplicate_slug_and_bad_slug(tmp_path: Path) -> None:
    def change(d):
        d["branches"][2]["slug"] = d["branches"][1]["slug"]
        d["branches"][3]["slug"] = "Bad Slug"

    message = break_org(tmp_path, change)
    assert "branches[3].slug: use lowercase letters" in message


def test_check_config_tells_the_kind_of_file() -> None:
    assert check_file(CONFIG_DIR / "organisation.toml") == "organisation"
    assert check_file(CONFIG_DIR / "iopsbot.toml") == "settings"


def test_decision_defaults_are_checked(tmp_path: Path) -> None:
    def change(data: dict) -> None:
        data["decisions"] = {
            "others_weight": "3/2",
            "threshold": "most",
            "recall_petition_share": "0",
            "members_may_propose": ["atlantis"],
        }

    message = break_org(tmp_path, change)
    assert "decisions.others_weight: '3/2' must be between 0 and 1" in message
    assert (
        "decisions.threshold: use one of simple, two_thirds, three_quarters, unanimity" in message
    )
    assert "decisions.recall_petition_share: '0' must be between 0 and 1 and above 0" in message


def test_decision_defaults_name_existing_branches(tmp_path: Path) -> None:
    def change(data: dict) -> None:
        data["decisions"] = {"members_may_propose": ["atlantis"]}

    assert "decisions.members_may_propose[0]: no branch 'atlantis'" in break_org(tmp_path, change)


def test_telegram_webhook_settings(tmp_path: Path) -> None:
    organisation = Path(__file__).resolve().parents[1] / "config" / "organisation.toml"
    path = tmp_path / "iopsbot.toml"
    path.write_text(
        f'[bot]\norganisation = "{organisation}"\n[telegram]\nmode = "webhook"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="webhook_url"):
        load_settings(path, environ={})
    path.write_text(
        f'[bot]\norganisation = "{organisation}"\n[telegram]\nmode = "webhook"\n'
        'webhook_url = "https://bot.example.org/tg"\n',
        encoding="utf-8",
    )
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_URL": "http://127.0.0.1:9/bot"}
    settings = load_settings(path, environ=env)
    assert settings.telegram_api_url == "http://127.0.0.1:9/bot"
    assert not settings.has_credentials("telegram")  # webhook mode needs its secret too
    settings = load_settings(path, environ={**env, "TELEGRAM_WEBHOOK_SECRET": "s3cret-value"})
    assert settings.has_credentials("telegram")
    assert "s3cret-value" in settings.secret_values()
