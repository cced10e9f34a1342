"""The console chat driven as a real subprocess with a script, as an evaluator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.db.migrate import head_revision
from core.i18n import KNOWN_LANGUAGES, Catalogs, autonym

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    tmp_path: Path, *args: str, script: str = "", env: dict | None = None
) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    environ["IOPSBOT_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'console.sqlite3'}"
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bots.cli", *args],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environ,
        timeout=120,
    )


def console(tmp_path: Path, script: str) -> str:
    assert run_cli(tmp_path, "db", "upgrade").returncode == 0
    result = run_cli(tmp_path, "console", script=script)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_start_language_help_in_spanish(tmp_path: Path) -> None:
    script = ":join london-hackney\n/start\n/language\n:press Español\n/help\n:quit\n"
    out = console(tmp_path, script)  # a member: newcomers are onboarded instead (own tests)
    assert out.splitlines()[2:4] == [
        "> guest@dm:guest: /start",
        "[dm:guest] bot: Hello, guest! I am the assistant of International Organization for a "
        "Participatory Society. We have 15 local chapters so far.",
    ]
    assert (
        "> guest@dm:guest: /language\n"
        "[dm:guest] bot: Choose your language:\n"
        "    [1] ✓ English  [2] Español  [3] Français  [4] Deutsch  [5] Português  [6] Italiano"
        "  [7] Nederlands  [8] Svenska  [9] Ελληνικά  [10] العربية\n"
        "> guest@dm:guest: :press Español\n"
        "[dm:guest] bot: A partir de ahora te hablaré en Español.\n"
        "> guest@dm:guest: /help\n"
        "[dm:guest] bot: Comandos que puedes usar aquí:\n"
        "    /start — Bienvenida y qué puedo hacer por ti\n"
    ) in out


@pytest.mark.parametrize("lang", KNOWN_LANGUAGES)
def test_the_scripted_conversation_works_in_every_language(tmp_path: Path, lang: str) -> None:
    number = KNOWN_LANGUAGES.index(lang) + 1
    out = console(tmp_path, f"/start\n/language\n:press {number}\n/help\n")
    t = Catalogs(KNOWN_LANGUAGES).get(lang)
    confirmation = t.render(
        __import__("core.i18n", fromlist=["_"])._(
            "From now on I will speak to you in {language}.", language=autonym(lang)
        )
    )
    heading = t.render(__import__("core.i18n", fromlist=["_"])._("Commands you can use here:"))
    assert f"[dm:guest] bot: {confirmation}\n" in out
    assert f"[dm:guest] bot: {heading}\n    /start — " in out


def test_users_groups_time_and_bad_directives(tmp_path: Path) -> None:
    out = console(
        tmp_path,
        ":lang ar\n:as omar\n/help\n:as alice\n:chat london-hackney\n/start\n:chat nowhere\n"
        "/language xx\n:press 3\n:time +2h\n:time -1h\n:bogus\n:as\n:as a b c\n:press Español\n",
    )
    assert "-- you are omar, in your private chat with the bot" in out
    # The language hint was set for guest, not omar: omar is answered in English.
    assert "[dm:omar] bot: Commands you can use here:" in out
    assert "-- group chat london-hackney, linked to branch london-hackney" in out
    assert "This chat belongs to London – Hackney." in out
    assert "-- group chat nowhere (no branch has that slug: the chat is not linked)" in out
    assert (
        "[nowhere] bot: I don't speak “xx”. Choose one of: en, es, fr, de, pt, it, nl, sv, el, ar."
        in out
    )
    assert "-- no button '3' on the bot's last message with buttons here" in out
    assert "-- clock is now " in out
    assert "-- use :time +30m, +2h, +3d, +1w or a mix like +1d2h" in out
    assert "-- unknown console command :bogus (try :help)" in out
    assert "-- :as needs an argument (try :help)" in out
    assert "-- :as takes a name of letters, digits, '.', '-' or '_'" in out


def test_check_config_and_version(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--version")
    assert result.stdout.strip() == "iopsbot 0.1.0"
    bad = tmp_path / "iopsbot.toml"
    bad.write_text('[bot]\nplatfroms = ["console"]\n[telegram]\ntoken = "1:x"\n')
    (tmp_path / "organisation.toml").write_bytes(
        (ROOT / "config" / "organisation.toml").read_bytes()
    )
    result = run_cli(tmp_path, "check-config", str(bad))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{bad}: telegram.token: secrets are not allowed in configuration files" in result.stderr
    result = run_cli(tmp_path, "check-config", str(tmp_path / "missing.toml"))
    assert result.returncode == 2
    assert result.stderr.strip().endswith("missing.toml: file not found")


def test_run_refuses_what_cannot_start_in_one_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", "--platform", "telegram")
    assert result.returncode == 2
    assert result.stderr.strip() == "iopsbot: telegram: no credentials in the environment"
    result = run_cli(tmp_path, "console")  # the database was never migrated
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "iopsbot: the database is at migration none, the code needs "
        f"{head_revision()}: run `iopsbot db upgrade`"
    )


def test_a_secret_irv_vote_with_three_members_and_a_deadline(tmp_path: Path) -> None:
    script = "\n".join(
        [
            ":as alice",
            ":join london-hackney organiser",
            ":as bob",
            ":join london-hackney",
            ":as carol",
            ":join london-hackney",
            ":as alice",
            ":chat london-hackney",
            '/decide irv "Who coordinates?" "Ana" "Ben" "Chloé" --secret --closes 1h',
            ":as bob",
            ":chat london-hackney",
            ":press 1",
            ":dm",
            ":press Ben",
            ":press Chloé",
            ":press Done",
            ":press Confirm",
            ":as carol",
            "/vote #1 3 2",
            ":as alice",
            "/vote #1 1 3",
            ":time +2h",
            ":quit",
        ]
    )
    out = console(tmp_path, script + "\n")
    assert "Voted: 0 of 3 members (0%)." in out
    assert "[dm:bob] bot: Your ballot for decision #1:\n    1. Ben\n    2. Chloé" in out
    assert out.count("Receipt: ") == 3
    outcome = out[out.index("🗳 Outcome of decision #1") :]
    # Three first preferences for three candidates: a tie, broken by the recorded lot.
    assert "Round 1: Ana 1 · Ben 1 · Chloé 1. Tie between Ana, Ben, and Chloé" in outcome
    assert "a lot drawn with seed" in outcome
    winner = "Ben" if "eliminated Chloé" in outcome else "Chloé"
    assert f"Winner: {winner}" in outcome
    assert f"{winner} 2" in outcome and f"{winner} is elected." in outcome
    assert "(attached: decision-1.png" in outcome
