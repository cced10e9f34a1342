"""The ``iopsbot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from bots import runner, tally
from core import __version__
from core.app import DatabaseNotReady
from core.config.errors import ConfigError
from core.config.settings import PLATFORMS, Settings, check_file, load_settings
from core.gatherings.calendars import CalendarUnavailable, branch_file
from core.logs import configure_logging


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iopsbot",
        description="One bot core for Telegram, Discord, Matrix and the console chat.",
    )
    parser.add_argument("--version", action="version", version=f"iopsbot {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (default: $IOPSBOT_CONFIG or config/iopsbot.toml)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="start the bot on the configured platforms")
    run.add_argument(
        "--platform",
        action="append",
        choices=PLATFORMS,
        help="start this platform (repeatable); default: those with credentials, else console",
    )
    sub.add_parser("console", help="chat with the bot in this terminal")
    db = sub.add_parser("db", help="database commands")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser("upgrade", help="apply the database migrations")
    check = sub.add_parser("check-config", help="validate a configuration file")
    check.add_argument("file", nargs="?", type=Path, help="a settings or organisation file")
    tally_parser = sub.add_parser("tally", help="recount a ballot file offline")
    tally.add_arguments(tally_parser)
    calendar = sub.add_parser("calendar", help="print a branch's gatherings as an .ics file")
    calendar.add_argument("branch", help="the branch's short name (slug), e.g. london-hackney")
    return parser


def _logging(settings: Settings, quiet: bool) -> None:
    level = "WARNING" if quiet else settings.file.bot.log_level
    fmt = "text" if quiet else settings.file.bot.log_format
    configure_logging(level, fmt, settings.secret_values())


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "tally":
        return tally.run(args)
    if args.command == "check-config":
        path = args.file or args.config or Path("config/iopsbot.toml")
        kind = check_file(path)
        print(f"{path}: valid {kind} file")
        return 0
    settings = load_settings(args.config)
    if args.command == "calendar":
        try:
            content = asyncio.run(
                branch_file(
                    settings.database_url, settings.organisation, args.branch, datetime.now(UTC)
                )
            )
        except CalendarUnavailable as exc:
            print(f"iopsbot: {exc}", file=sys.stderr)
            return 2
        if content is None:
            print(f"iopsbot: no branch {args.branch!r}", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(content)
        return 0
    if args.command == "db":
        _logging(settings, quiet=True)
        before, after = asyncio.run(runner.migrate(settings))
        if before == after:
            print(f"database is up to date (migration {after})")
        else:
            print(f"database migrated from {before or 'empty'} to {after}")
        return 0
    platforms = (
        ("console",)
        if args.command == "console"
        else tuple(dict.fromkeys(args.platform or settings.configured_platforms()))
    )
    # The console chat shares the terminal with the logs: only warnings go there.
    _logging(settings, quiet="console" in platforms)
    asyncio.run(runner.run(settings, platforms))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; user mistakes are one line on stderr and a non-zero exit."""
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"iopsbot: configuration error:\n{exc}", file=sys.stderr)
        return 2
    except (DatabaseNotReady, runner.PlatformUnavailable) as exc:
        print(f"iopsbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        logging.getLogger(__name__).debug("os error", exc_info=True)
        print(f"iopsbot: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
