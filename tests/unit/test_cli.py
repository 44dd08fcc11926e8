"""The command line as a newcomer uses it: help, check, graph, the console from a script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.shipped import ROOT


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environ,
        timeout=60,
        check=False,
    )


def console_env(tmp_path: Path) -> dict[str, str]:
    """A database of its own in tmp_path."""
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/coach.db"}


def run_console(tmp_path: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    """The console, in tmp_path, on a database of its own there."""
    return run_bot("console", stdin=stdin, env=console_env(tmp_path), cwd=tmp_path)


@pytest.mark.parametrize("command", [[], ["run"], ["console"], ["check"], ["graph"]])
def test_every_command_has_help(command: list[str]) -> None:
    done = run_bot(*command, "--help")
    assert done.returncode == 0
    assert "usage: python -m bot" in done.stdout


def test_graph_prints_a_mermaid_state_diagram() -> None:
    done = run_bot("graph")
    assert done.returncode == 0
    assert done.stdout.startswith("stateDiagram-v2")
    assert "ask_muscle --> ask_timing" in done.stdout
    assert "[*] --> emergency: red flag (from any state)" in done.stdout


def test_without_a_token_the_bot_opens_the_console_and_remembers_across_runs(
    tmp_path: Path,
) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/coach.db"}
    first = run_bot(stdin="calf crampin bad after run\n1\n", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Is your calf cramping right now" in first.stdout
    assert "   1. Cramping right now" in first.stdout
    assert "How long has it lasted so far?" in first.stdout
    second = run_bot("console", stdin="A few minutes\n", env=env, cwd=tmp_path)
    assert second.returncode == 0
    assert "How bad is it" in second.stdout  # "bad" alone is too loose to log: asked
    other = run_bot("console", "--user-id", "2", stdin="hi\n", env=env, cwd=tmp_path)
    assert "Hi, I'm Cramp Coach" in other.stdout


def test_quit_leaves_the_console_and_is_not_sent_to_the_bot(tmp_path: Path) -> None:
    done = run_console(tmp_path, "calf cramp\n  /QUIT \nthis line is never read\n")
    assert done.returncode == 0
    assert "I don't know the command" not in done.stdout
    assert "this line is never read" not in done.stdout
    assert done.stdout.rstrip().endswith("you>   /QUIT")


def test_console_survives_odd_input_without_a_traceback(tmp_path: Path) -> None:
    lines = [
        "",
        "x" * 10_000,
        "🦵💥🤬",
        "\x00\x1b[2J\x07",
        "'; DROP TABLE sessions; --",
        "{muscle}",
    ]
    done = run_console(tmp_path, "\n".join(lines) + "\n")
    assert done.returncode == 0
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.count("coach>") >= len(lines)


def test_history_chart_is_saved_and_its_path_printed(tmp_path: Path) -> None:
    done = run_console(tmp_path, "calf cramp 5 min mild right now, hot\n/history\n")
    saved = [line for line in done.stdout.splitlines() if "saved to" in line]
    assert saved, done.stdout
    path = tmp_path / saved[0].rsplit("saved to ", 1)[1]
    assert path.read_bytes().startswith(b"\x89PNG")


def test_a_console_killed_mid_conversation_resumes_where_it_was(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/coach.db"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("hamstring cramp\n")
    process.stdin.flush()
    deadline = time.monotonic() + 30
    seen = ""
    while "Cramping right now" not in seen and time.monotonic() < deadline:
        seen += process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()
    process.stdin.close()
    assert "Cramping right now" in seen
    resumed = run_bot("console", stdin="1\n", env={"DATABASE_URL": env["DATABASE_URL"]})
    assert "How long has it lasted so far?" in resumed.stdout


def test_a_bad_setting_stops_start_up_naming_the_variable() -> None:
    done = run_bot("console", env={"DATABASE_URL": "mysql://db/coach"})
    assert done.returncode == 2
    assert "DATABASE_URL" in done.stderr
    assert "Configuration error" in done.stderr
    assert "'mysql', which this version does not support" in done.stderr


def test_a_database_that_cannot_be_reached_stops_start_up_in_two_lines() -> None:
    done = run_bot("console", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/coach"})
    assert done.returncode == 3
    assert done.stderr.startswith("Database error: Could not reach PostgreSQL")
    assert "DATABASE_URL" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2


def test_broken_content_stops_start_up_naming_file_state_and_fix(tmp_path: Path) -> None:
    source = (ROOT / "dialogues" / "en" / "cramp.yaml").read_text(encoding="utf-8")
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "cramp.yaml").write_text(
        source.replace("save: muscle", "save: muscle\n    sey: typo"), encoding="utf-8"
    )
    done = run_bot("console", env={"DIALOGUES_DIR": str(tmp_path)}, stdin="hi\n")
    assert done.returncode == 1
    assert "cramp.yaml: state 'ask_muscle': unknown field 'sey'. Did you mean 'say'?" in done.stderr


def test_where_the_question_takes_a_number_a_bare_number_is_the_answer(tmp_path: Path) -> None:
    done = run_console(tmp_path, "calf cramp right now 5 min\n3\n/export\n")
    assert "   #3. Severe (7-10)" in done.stdout
    assert "Did any of these apply?" in done.stdout  # "3" was understood as 3 out of 10
    exported = next((tmp_path / "cramp_coach_files").glob("*.json")).read_text()
    assert '"severity": "mild"' in exported


def test_the_readme_console_example_reaches_the_advice(tmp_path: Path) -> None:
    """The README's `printf ... | python -m bot console` line, as a newcomer copies it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(x for x in readme.splitlines() if "printf '" in x and "bot console" in x)
    typed = line.split("printf '", 1)[1].split("'", 1)[0].replace("\\n", "\n")
    user = line.split("--user-id", 1)[1].split()[0]
    result = run_bot(
        "console", "--user-id", user, stdin=typed, env=console_env(tmp_path), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Care level" in result.stdout, result.stdout
