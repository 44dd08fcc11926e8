"""Command line: python -m bot [run | console | check | graph | eval | train-reader].

Without a sub-command: Telegram when TELEGRAM_BOT_TOKEN is set, else the console.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import app, eventloop
from bot.config import Settings
from bot.content.evaluation import evaluate, load_cases, render, set_path, shortfalls
from bot.content.graph import mermaid
from bot.errors import AlreadyPolling, ConfigError, ContentError, StoreError

DESCRIPTION = """\
Cramp Coach: a chat companion for muscle cramps during or after exercise.

Without a command it talks on Telegram when TELEGRAM_BOT_TOKEN is set, and
in this terminal otherwise. Settings come from environment variables; the
README lists them all.

Exit status: 0 done, 1 the content has problems, 2 a setting is wrong (named,
with the fix; a port in use too), 3 the database cannot be opened (DATABASE_URL,
with the fix), 4 Telegram cannot be reached, 5 Telegram refused TELEGRAM_BOT_TOKEN,
6 another process polls with this token or this database (polling is one process;
use WEBHOOK_URL for several).
Each is said in one or two lines (as one JSON object with LOG_FORMAT=json).

Operations: with WEBHOOK_URL, GET /healthz (200, or 503 naming the failing check)
and GET /metrics (Prometheus) are served on $PORT beside the webhook; in polling
mode on HEALTH_HOST:HEALTH_PORT when HEALTH_PORT is set."""


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
    evaluate = commands.add_parser(
        "eval",
        help="measure triage on a labelled message set (recall, false alarms, failures)",
        description="Send every message of a labelled set (tests/data/safety/<set>.yaml, or "
        "--file) through the real engine with the shipped content, and print per emergency "
        "sign and per care level the count, recall and false alarms, then the messages that "
        "failed. Exit status 1 when a threshold given by a flag is not met.",
    )
    which = evaluate.add_mutually_exclusive_group()
    which.add_argument("--set", default="dev", help="set name under tests/data/safety/")
    which.add_argument("--file", help="any labelled file in the same format")
    evaluate.add_argument("--lang", help="only messages in this language (e.g. en)")
    evaluate.add_argument(
        "--no-reader",
        action="store_true",
        help="the lexicons alone, without the learned reader (data/reader.json): what the "
        "words and rules catch by themselves",
    )
    evaluate.add_argument(
        "--fail-under-recall", type=float, metavar="PCT", help="minimum emergency recall, %%"
    )
    evaluate.add_argument(
        "--fail-under-urgent", type=float, metavar="PCT", help="minimum urgent recall, %%"
    )
    evaluate.add_argument(
        "--max-false-alarms",
        type=float,
        metavar="PCT",
        help="most calm messages (benign, self_care, see_doctor, dose_question) escalated, %%",
    )
    commands.add_parser(
        "train-reader",
        help="train the learned reader of warning signs again (needs scikit-learn)",
        description="Train the second reader of warning signs (bot/content/reader.py) on the "
        "labelled messages (tests/data/safety/dev.yaml, tests/data/messages.yaml, the spent "
        "conversation sets and the lexicon's answers) and write data/reader.json. Needed "
        "after any of them changes (the tests say so). Needs scikit-learn: "
        "pip install -e '.[train]'.",
    )
    return main


def run_train_reader(settings: Settings) -> int:
    """`python -m bot train-reader`: data/reader.json from the current corpus."""
    from bot.content import reader

    examples = reader.corpus(settings.data_dir.parent)
    model = reader.train(examples)
    path = settings.data_dir / reader.READER_FILE
    reader.write(model, path)
    print(f"{path}: {len(model['grams'])} n-grams, trained on {len(examples)} messages")
    return 0


def run_eval(settings: Settings, args: argparse.Namespace) -> int:
    """`python -m bot eval`: print the report; 1 when a threshold is missed."""
    path = Path(args.file) if args.file else set_path(settings.data_dir.parent, args.set)
    cases = load_cases(path)
    if args.lang:
        cases = [c for c in cases if c.lang == args.lang]
    label = (
        f"{path.as_posix()}"
        + (f" (lang {args.lang})" if args.lang else "")
        + (" (lexicons alone)" if args.no_reader else "")
        + ": "
    )
    report = evaluate(app.load(settings), cases, label, reader=not args.no_reader)
    print(render(report))
    missed = shortfalls(
        report,
        min_recall=args.fail_under_recall,
        min_urgent_recall=args.fail_under_urgent,
        max_false_alarms=args.max_false_alarms,
    )
    for line in missed:
        print(f"FAIL: {line}", file=sys.stderr)
    return 1 if missed else 0


log = logging.getLogger("bot")


def fail(message: str, json_lines: bool) -> None:
    """A start-up error: the bare lines on stderr, or one JSON log line with LOG_FORMAT=json
    (a log collector reads every line as JSON)."""
    if json_lines:
        log.error("%s", message)
    else:
        print(message, file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(os.environ)
    except ConfigError as exc:
        json_lines = os.environ.get("LOG_FORMAT", "").strip().lower() == "json"
        if json_lines:
            app.configure_logging("ERROR", "json")
        fail(f"Configuration error: {exc}", json_lines)
        return 2
    app.configure_logging(settings.log_level, settings.log_format)
    json_lines = settings.log_format == "json"
    command = args.command or ("run" if settings.telegram_token else "console")
    try:
        if command == "check":
            return app.check(settings)
        if command == "eval":
            return run_eval(settings, args)
        if command == "train-reader":
            return run_train_reader(settings)
        if command == "graph":
            print(mermaid(app.load(settings).content().dialogue))
            return 0
        if command == "console":
            # The chat owns the terminal: only errors are logged there.
            logging.getLogger().setLevel(max(logging.ERROR, logging.getLogger().level))
            return eventloop.run(app.console(settings, getattr(args, "user_id", 1)))
        if settings.telegram_token is None:
            fail(
                "Configuration error: TELEGRAM_BOT_TOKEN is not set. Get a token from "
                "@BotFather, or run 'python -m bot console' to chat in this terminal.",
                json_lines,
            )
            return 2
        app.run_telegram(settings)
        return 0
    except ConfigError as exc:  # DATABASE_URL is checked as the store opens; ports as bound
        fail(f"Configuration error: {exc}", json_lines)
        return 2
    except ContentError as exc:
        problems = "".join(f"\n  - {problem}" for problem in exc.problems)
        fail(f"The bot's content has problems:{problems}", json_lines)
        return 1
    except AlreadyPolling as exc:  # a second poller on this database
        fail(str(exc), json_lines)
        return app.EXIT_ANOTHER_POLLER
    except StoreError as exc:  # the database cannot be opened: unreachable, refused, ...
        fail(f"Database error: {exc}", json_lines)
        return 3
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
