"""Fault tests of issue 12 (point 6), end to end: `python -m bot run` as a real process
(tests/helpers/bot_process.py) against the fake Bot API on 127.0.0.1, SIGKILLed at random
moments, cut off from PostgreSQL, or out of disk, while people are typing.

What people type can be counted: after /start, each person says "I drank" K times, and the
bot answers each with "That's N drinks today". So, per person:

    answered      every N from 1 to K came back at least once
    applied once  no N skipped, none past K, and /reminders says "Drinks logged today: K"
    in order      the Ns came back in increasing order (a repeat of the last one aside)
    duplicates    replies beyond one per N: at most one per kill (or cut connection) overall

Each test prints its figures (run with -s) and puts them in its assertion message:

    .venv/bin/pytest -m faults -s

Before the durable inbox and outbox of issue 12, a killed bot lost what it had fetched and
not yet handled, and a resent update was applied twice (the figures are in the closing
note of that change). Everything is seeded (SEED), so a run repeats the same kill
schedule, though not the same timings.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import random
import re
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from tests.helpers.bot_process import BotProcess, bot_env
from tests.helpers.fake_bot_api import FakeBotApi, WebhookSender, free_port
from tests.helpers.postgres import PostgresServer

pytestmark = pytest.mark.faults

SEED = 12
SECRET = "fault-test_Secret-1"
HOOK = "telegram/fault"
DRANK = "I drank"
COUNT = re.compile(r"That's (\d+) drinks? today")
LOGGED = re.compile(r"Drinks logged today: (\d+)")


# Figures ----------------------------------------------------------------------------------------


@dataclass
class Figures:
    """What one fault test saw, over the people who typed."""

    test: str
    people: int
    per_person: int
    kills: int = 0
    cuts: int = 0  # database connections cut: like a kill, each may repeat a reply
    sent: int = 0
    answered: int = 0
    applied_twice: int = 0
    never_applied: int = 0
    duplicate_replies: int = 0
    most_duplicates: int = 0  # the most any one person got
    out_of_order: int = 0
    apologies: int = 0
    extra: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        more = "".join(f", {k} {v}" for k, v in self.extra.items())
        return (
            f"[{self.test}] {self.people} people x {self.per_person}: messages sent "
            f"{self.sent}, answered {self.answered}, applied twice {self.applied_twice}, "
            f"never applied {self.never_applied}, duplicate replies "
            f"{self.duplicate_replies} (at most {self.most_duplicates} to one person), "
            f"out of order {self.out_of_order}, apologies "
            f"{self.apologies}, kills {self.kills}, cuts {self.cuts}{more}"
        )

    def report(self) -> str:
        """The figures, and the first problems by person."""
        shown = "\n  ".join(self.problems[:10])
        rest = f"\n  ... and {len(self.problems) - 10} more" if len(self.problems) > 10 else ""
        return self.line() + (f"\n  {shown}{rest}" if shown else "")

    @property
    def nothing_lost(self) -> bool:
        return (
            self.answered == self.sent
            and self.applied_twice == 0
            and self.never_applied == 0
            and self.out_of_order == 0
            and self.most_duplicates <= self.kills + self.cuts
            and not self.problems
        )


def counts(fake: FakeBotApi, person: int, after: int = 0) -> list[int]:
    """The Ns of "That's N drinks today" sent to `person`, in the order sent."""
    return [int(m.group(1)) for t in fake.texts(person, after=after) if (m := COUNT.search(t))]


def tally(
    test: str,
    fake: FakeBotApi,
    people: Sequence[int],
    per_person: int,
    logged: dict[int, int | None],
    *,
    after: int,
    kills: int,
) -> Figures:
    """The figures, from the replies after call `after` and each person's final count."""
    k = per_person
    figures = Figures(test, len(people), k, kills=kills, sent=len(people) * k)
    for person in people:
        figures.apologies += sum(t.startswith("Sorry") for t in fake.texts(person, after=after))
        seen = counts(fake, person, after)
        distinct = sorted(set(seen))
        figures.answered += len(set(seen) & set(range(1, k + 1)))
        figures.duplicate_replies += len(seen) - len(distinct)
        figures.most_duplicates = max(figures.most_duplicates, len(seen) - len(distinct))
        if any(n in seen[:i] and seen[i - 1] != n for i, n in enumerate(seen)):
            figures.problems.append(f"person {person}: a repeat that was not in flight: {seen}")
        first = list(dict.fromkeys(seen))
        if first != sorted(first):
            figures.out_of_order += 1
        total = logged.get(person)
        if total is None:
            figures.problems.append(f"person {person}: no /reminders answer; replies {seen}")
            total = max(seen, default=0)
        figures.applied_twice += max(0, total - k)
        figures.never_applied += max(0, k - total)
        if distinct != list(range(1, k + 1)) or total != k:
            figures.problems.append(f"person {person}: replies {seen}, logged {total}")
    return figures


def check(figures: Figures, *bots: BotProcess) -> None:
    """Print the figures (with how each bot took SIGTERM at the end) and assert on them."""
    for bot in bots:
        how = "SIGKILL after the grace" if bot.stop_forced else "exited"
        figures.extra[f"{bot.name} SIGTERM"] = f"{how} in {bot.stopped_in or 0:.1f} s"
    print("\n" + figures.report())
    assert figures.nothing_lost, figures.report()


# Driving the bot ----------------------------------------------------------------------------


async def greet(fake: FakeBotApi, people: Sequence[int], timeout: float = 30) -> None:  # noqa: ASYNC109
    """/start for everyone, answered before any fault (the welcome is not counted)."""
    mark = fake.mark()
    for person in people:
        fake.push_text(person, "/start")
    await until(lambda: all(fake.sent(p, after=mark) for p in people), timeout)


async def until(done: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
    """Until `done()` (checked every 50 ms: it reads the fake's calls); TimeoutError after."""
    async with asyncio.timeout(timeout):
        while not done():  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def settle(
    fake: FakeBotApi,
    done: Callable[[], bool],
    *,
    quiet: float = 2.0,
    timeout: float = 60.0,  # noqa: ASYNC109
) -> None:
    """Until `done()` and a short lull, or no message sent for `quiet` seconds (whatever
    is missing by then is lost), or `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_count, last_change = len(fake.sent()), loop.time()
    while loop.time() < deadline:
        await asyncio.sleep(0.1)
        if len(fake.sent()) != last_count:
            last_count, last_change = len(fake.sent()), loop.time()
        idle = loop.time() - last_change
        if (done() and idle > 0.5) or idle > quiet:
            return


async def final_counts(
    fake: FakeBotApi,
    people: Sequence[int],
    timeout: float = 30,  # noqa: ASYNC109
) -> dict[int, int | None]:
    """Each person's "Drinks logged today", asked with /reminders once the faults are over."""
    mark = fake.mark()
    for person in people:
        fake.push_text(person, "/reminders")

    def logged(person: int) -> int | None:
        for text in fake.texts(person, after=mark):
            if m := LOGGED.search(text):
                return int(m.group(1))
        return None

    with contextlib.suppress(TimeoutError):
        await until(lambda: all(logged(p) is not None for p in people), timeout)
    return {p: logged(p) for p in people}


async def type_drinks(
    fake: FakeBotApi,
    people: Sequence[int],
    k: int,
    rng: random.Random,
    *,
    after: int,
    round_wait: float = 1.5,
) -> None:
    """K rounds: in each, everyone says "I drank", in a shuffled order; the next round comes
    when everyone has the last round's answer, or when no message went out for `round_wait`
    seconds (the bot is down, or lost some)."""
    for done_rounds in range(k):
        order = list(people)
        rng.shuffle(order)
        for person in order:
            fake.push_text(person, DRANK)
        await settle(fake, all_done(fake, people, done_rounds + 1, after), quiet=round_wait)


async def kill_loop(
    bots: Sequence[BotProcess],
    kills: int,
    rng: random.Random,
    *,
    up_for: tuple[float, float] = (0.1, 0.7),
    down_for: tuple[float, float] = (0.0, 0.2),
) -> None:
    """`kills` times: let the bots run a random while, SIGKILL one, start it again."""
    for _ in range(kills):
        await asyncio.sleep(rng.uniform(*up_for))
        victim = rng.choice(list(bots))
        await victim.kill()
        await asyncio.sleep(rng.uniform(*down_for))
        await victim.start()


def all_done(fake: FakeBotApi, people: Sequence[int], k: int, after: int) -> Callable[[], bool]:
    return lambda: all(max(counts(fake, p, after), default=0) >= k for p in people)


@contextlib.asynccontextmanager
async def same_day() -> AsyncIterator[None]:
    """ "Drinks today" starts again at midnight UTC: a run across it proves nothing."""
    day = datetime.now(UTC).date()
    yield
    if datetime.now(UTC).date() != day:
        pytest.skip("the run crossed midnight UTC, where the count of drinks today restarts")


def webhook_env(fake: FakeBotApi, database_url: str, port: int) -> dict[str, str]:
    # WEBHOOK_URL is only what the bot registers with setWebhook (the fake records it and
    # posts to 127.0.0.1 itself); Settings insist on https, as Telegram does.
    return bot_env(
        fake,
        database_url,
        WEBHOOK_URL=f"https://127.0.0.1:{port}",
        WEBHOOK_SECRET=SECRET,
        WEBHOOK_PATH=HOOK,
        PORT=str(port),
    )


def hook_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/{HOOK}"


# 1. and 2. The SIGKILL loop, SQLite ---------------------------------------------------------

PEOPLE = list(range(1001, 1101))  # 100 people
K = 3  # "I drank" per person: 100 x (K + 2) replies at Telegram's 30 messages/s, and
# each restart takes over a second, so more would cost the suite more than it shows
KILLS = 10


async def typing_through(
    test: str,
    fake: FakeBotApi,
    people: Sequence[int],
    k: int,
    rng: random.Random,
    faults: Callable[[], Awaitable[object]],
    *,
    bots: Sequence[BotProcess] = (),
) -> Figures:
    """Everyone says /start, then K rounds of "I drank" while `faults()` runs (e.g. a
    kill_loop); then, with no more faults, what is missing is given time to come, and
    everyone's /reminders is read. The figures count the kills of `bots`."""
    clock = time.monotonic
    started = clock()
    await greet(fake, people)
    mark = fake.mark()
    greeted = clock()
    await asyncio.gather(type_drinks(fake, people, k, rng, after=mark), faults())
    typed = clock()
    await settle(fake, all_done(fake, people, k, mark))
    settled = clock()
    logged = await final_counts(fake, people)
    figures = tally(test, fake, people, k, logged, after=mark, kills=sum(b.kills for b in bots))
    figures.extra["seconds"] = (
        f"{clock() - started:.0f} (welcome {greeted - started:.0f}, typing with faults "
        f"{typed - greeted:.0f}, catching up {settled - typed:.0f}, "
        f"/reminders {clock() - settled:.0f})"
    )
    return figures


async def test_sigkill_loop_polling_sqlite(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    env = bot_env(fake, f"sqlite:///{tmp_path / 'db.sqlite'}", HEALTH_PORT=str(free_port()))
    async with same_day(), BotProcess(env, tmp_path / "bot.log") as bot:
        rng = random.Random(SEED)

        def kills() -> Awaitable[None]:
            return kill_loop([bot], KILLS, rng)

        figures = await typing_through("polling, SQLite", fake, PEOPLE, K, rng, kills, bots=[bot])
    check(figures, bot)


async def test_sigkill_loop_webhook_sqlite(fake_bot_api: FakeBotApi, tmp_path: Path) -> None:
    fake = fake_bot_api
    port = free_port()
    env = webhook_env(fake, f"sqlite:///{tmp_path / 'db.sqlite'}", port)
    async with (
        same_day(),
        BotProcess(env, tmp_path / "bot.log") as bot,
        WebhookSender(fake, [hook_url(port)], SECRET, seed=SEED, resend=0.03) as sender,
    ):
        rng = random.Random(SEED + 1)

        def kills() -> Awaitable[None]:
            return kill_loop([bot], KILLS, rng)

        figures = await typing_through("webhook, SQLite", fake, PEOPLE, K, rng, kills, bots=[bot])
        figures.extra.update(
            posts=sender.stats.posts,
            unanswered_posts=sender.stats.unanswered,
            resent_on_purpose=sender.stats.resent,
        )
    check(figures, bot)


# 3. Two webhook processes on PostgreSQL ------------------------------------------------------

FEW = list(range(2001, 2041))  # 40 people


REMINDED = list(range(2101, 2121))  # 20 people with a reminder falling due mid-run
REMINDER = "since your workout"  # in every reminder of a series (texts.yaml)


async def reminders_fall_due(database_url: str, people: Sequence[int], after: float) -> None:
    """After `after` seconds, a reminder falls due for each of `people`: a workout series
    row written straight into the reminders table (no dialogue sets one due within
    seconds), due a second ago, next in an hour. A series is not held back by quiet hours
    while the person's time zone is unknown, so each must go out exactly once."""
    await asyncio.sleep(after)
    conn = await asyncpg.connect(database_url, timeout=5)
    try:
        await conn.execute(
            "INSERT INTO reminders (user_id, kind, due_at, every, started_at, ends_at) "
            "SELECT p, 'series', now() - interval '1 second', interval '1 hour', "
            "now() - interval '1 hour', now() + interval '2 hours' FROM unnest($1::bigint[]) p",
            list(people),
        )
    finally:
        await conn.close()


async def test_two_webhook_processes_on_postgresql_one_killed(
    fake_bot_api: FakeBotApi, tmp_path: Path, postgres_url: str
) -> None:
    fake = fake_bot_api
    ports = [free_port(), free_port()]
    bots = [
        BotProcess(
            {**webhook_env(fake, postgres_url, port), "REMINDER_SWEEP_EVERY": "1s"},
            tmp_path / f"bot{i}.log",
            name=f"bot{i}",
        )
        for i, port in enumerate(ports)
    ]
    rng = random.Random(SEED + 2)
    try:
        for bot in bots:
            await bot.start()
        async with WebhookSender(
            fake, [hook_url(p) for p in ports], SECRET, seed=SEED, resend=0.03
        ) as sender:
            mark = fake.mark()
            await greet(fake, REMINDED)

            # Only the second process dies (three times, restarted each time): the first
            # carries on with whatever the load balancer moves over to it.
            def faults() -> Awaitable[object]:
                return asyncio.gather(
                    kill_loop(bots[1:], 3, rng, up_for=(0.3, 1.0), down_for=(0.3, 0.6)),
                    reminders_fall_due(postgres_url, REMINDED, after=1.0),
                )

            figures = await typing_through(
                "two webhooks, PostgreSQL", fake, FEW, K, rng, faults, bots=bots
            )
            reminded = {p: sum(REMINDER in t for t in fake.texts(p, after=mark)) for p in REMINDED}
            figures.extra.update(
                posts=sender.stats.posts,
                unanswered_posts=sender.stats.unanswered,
                resent_on_purpose=sender.stats.resent,
                reminders_due=len(REMINDED),
                reminded=sum(1 for n in reminded.values() if n),
                reminders_sent_twice=sum(max(0, n - 1) for n in reminded.values()),
            )
            figures.problems += [
                f"person {p}: the reminder went out {n} times"
                for p, n in reminded.items()
                if n != 1
            ]
    finally:
        for bot in bots:
            await bot.stop()
    check(figures, *bots)


# 4. PostgreSQL connections lost under the bot -----------------------------------------------


async def cut_connections(
    admin_url: str, database_url: str, times: int, rng: random.Random, done: list[int]
) -> None:
    """`times` times, after a random while: pg_terminate_backend on every connection to
    the test's own database (the server stays up: other tests use it). Counts in `done`."""
    name = database_url.rsplit("/", 1)[1]
    for _ in range(times):
        await asyncio.sleep(rng.uniform(0.3, 1.0))
        conn = await asyncpg.connect(admin_url, timeout=5)
        try:
            cut = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        finally:
            await conn.close()
        done.append(int(cut))


async def test_postgresql_connections_cut_under_the_bot(
    fake_bot_api: FakeBotApi,
    tmp_path: Path,
    postgres_url: str,
    postgres_server: PostgresServer,
) -> None:
    fake = fake_bot_api
    env = bot_env(fake, postgres_url, HEALTH_PORT=str(free_port()))
    rng = random.Random(SEED + 3)
    cut: list[int] = []
    async with same_day(), BotProcess(env, tmp_path / "bot.log") as bot:

        def faults() -> Awaitable[None]:
            return cut_connections(postgres_server.url, postgres_url, 5, rng, cut)

        figures = await typing_through("connections cut, PostgreSQL", fake, FEW, K, rng, faults)
        figures.cuts = len(cut)
        figures.extra.update(connections_cut=sum(cut), bot_alive=bot.running)
        if not bot.running:
            figures.problems.append("the bot exited:\n" + bot.log_tail())
    check(figures, bot)


# 5. SQLite out of disk -----------------------------------------------------------------------


@contextlib.contextmanager
def tiny_disk(where: Path, size: str = "8m") -> Iterator[Path]:
    """A tmpfs of `size` mounted at `where` for the block (root only: skips otherwise)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small filesystem to fill up needs root")
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


def fill(path: Path) -> int:
    """Write `path` until the filesystem has no byte left; the bytes written."""
    written = 0
    with path.open("wb", buffering=0) as filler:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    written += filler.write(b"\0" * chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return written


async def replies_after(
    fake: FakeBotApi,
    people: Sequence[int],
    mark: int,
    timeout: float = 10,  # noqa: ASYNC109
) -> dict[int, list[str]]:
    """Each person's messages after `mark`, once each has at least one (or at `timeout`)."""
    with contextlib.suppress(TimeoutError):
        await until(lambda: all(fake.texts(p, after=mark) for p in people), timeout)
    await fake.settle(0.3)
    return {p: fake.texts(p, after=mark) for p in people}


async def test_sqlite_disk_full_apologises_and_writes_nothing_half(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    fake = fake_bot_api
    people = [3001, 3002, 3003]
    with tiny_disk(tmp_path / "disk") as disk:
        env = bot_env(fake, f"sqlite:///{disk / 'db.sqlite'}", HEALTH_PORT=str(free_port()))
        async with same_day(), BotProcess(env, tmp_path / "bot.log") as bot:
            await greet(fake, people)
            mark = fake.mark()
            for person in people:
                fake.push_text(person, DRANK)
            before = await replies_after(fake, people, mark)

            log_mark = len(bot.log_text())
            filled = fill(disk / "filler")
            mark = fake.mark()
            for person in people:
                fake.push_text(person, DRANK)
            during = await replies_after(fake, people, mark)
            log_during = bot.log_text()[log_mark:]

            (disk / "filler").unlink()
            mark = fake.mark()
            for person in people:
                fake.push_text(person, DRANK)
            after = await replies_after(fake, people, mark)
            logged = await final_counts(fake, people)
            alive = bot.running and bot.starts == 1

    full_lines = [
        line for line in log_during.splitlines() if re.search(r"full|no space", line, re.I)
    ]
    apologies = sum(1 for p in people if any(t.startswith("Sorry") for t in during[p]))
    figures = [
        f"[disk full, SQLite] {len(people)} people: before {before}",
        f"filled {filled} bytes; during {during}",
        f"log lines naming it {full_lines[:3]}",
        f"after {after}; logged {logged}; apologies {apologies}; bot alive {alive}",
    ]
    report = "\n  ".join(figures)
    print("\n" + report)
    for person in people:
        assert [counts_in(t) for t in before[person]] == [1], report
        assert during[person] and all(t.startswith("Sorry") for t in during[person]), report
        # The message refused while the disk was full is applied once or not at all (a
        # durable inbox may keep it unconfirmed, so Telegram sends it again): never half.
        assert [counts_in(t) for t in after[person]] in ([2], [2, 3]), report
        assert logged[person] == counts_in(after[person][-1]), report
    assert full_lines, report
    assert alive, report


def counts_in(text: str) -> int | None:
    m = COUNT.search(text)
    return int(m.group(1)) if m else None
