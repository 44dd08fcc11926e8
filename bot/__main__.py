"""Command line: python -m bot [run | console | check | graph].

Without a sub-command: Telegram when TELEGRAM_BOT_TOKEN is set, else the console.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from bot import app, eventloop
from bot.config import Settings
from bot.content.graph import mermaid
from bot.errors import ConfigError, ContentError

DESCRIPTION = """\
Cramp Coach: a chat companion for muscle cramps during or after exercise.

Without a command it talks on Telegram when TELEGRAM_BOT_TOKEN is set, and
in this terminal otherwise. Settings come from environment variables; the
README lists them all."""


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bot",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = main.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser(
        "run",
        help="run on Telegram (long polling, or a webhook when WEBHOOK_URL is set)",
        description="Run the bot on Telegram. Needs TELEGRAM_BOT_TOKEN. Uses long polling, "
        "or serves a webhook on $PORT when WEBHOOK_URL (and WEBHOOK_SECRET) are set.",
    )
    console = commands.add_parser(
        "console",
        help="chat in this terminal (no network)",
        description="Chat with the bot in this terminal, on the same database. /quit (or "
        "/exit, or Ctrl-D) leaves. From a script (stdin not a terminal) each line is one "
        "message and /quit or end of input exits with 0. "
        "Buttons are numbered: type the number or the words. Where the question itself "
        "takes a number (pain from 0 to 10), buttons are numbered #1, #2... and a bare "
        "number is the answer. Charts and exports are saved under ./cramp_coach_files/. "
        "While the Telegram bot runs on the same database, chat as a --user-id it does "
        "not serve: it keeps the rows of the people it talks to in memory.",
    )
    console.add_argument(
        "--user-id",
        type=int,
        default=1,
        help="whose conversation this is (default: 1)",
    )
    commands.add_parser(
        "check",
        help="validate the dialogue, lexicons and rules; exit 1 on any problem",
        description="Load dialogues/*.yaml and data/ and report every problem with its "
        "file, state and fix. Exit status 0 when all is well, 1 when the content has "
        "problems, 2 when a setting is malformed.",
    )
    commands.add_parser(
        "graph",
        help="print the dialogue as a Mermaid state diagram",
        description="Print the dialogue state machine as a Mermaid stateDiagram-v2.",
    )
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    command = args.command or ("run" if settings.telegram_token else "console")
    try:
        if command == "check":
            return app.check(settings)
        if command == "graph":
            print(mermaid(app.load(settings).content().dialogue))
            return 0
        if command == "console":
            # The chat owns the terminal: only errors are logged there.
            logging.getLogger().setLevel(max(logging.ERROR, logging.getLogger().level))
            return eventloop.run(app.console(settings, getattr(args, "user_id", 1)))
        if settings.telegram_token is None:
            print(
                "Configuration error: TELEGRAM_BOT_TOKEN is not set. Get a token from "
                "@BotFather, or run 'python -m bot console' to chat in this terminal.",
                file=sys.stderr,
            )
            return 2
        app.run_telegram(settings)
        return 0
    except ConfigError as exc:  # DATABASE_URL is checked as the store opens
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except ContentError as exc:
        print("The bot's content has problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
