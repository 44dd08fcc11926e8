"""The bot's Prometheus metrics (prometheus-client), in a registry of the running bot's own.

    metrics = Metrics()                       a fresh CollectorRegistry: two bots in one
                                              process (or two tests) never share a count
    metrics.received() / handled(seconds)     an update arrived / its handlers finished
    metrics.error(where, exc)                 an error, by where it happened and its kind
    metrics.swept(report)                     a reminder sweep's outcome counts
    Lateness(store, metrics, clock)           the store as the sweep sees it: notes how
                                              far behind schedule each sent reminder went
    body, content_type = metrics.exposition() what GET /metrics answers

    cramp_updates_received_total               updates taken in from Telegram
    cramp_updates_handled_total                updates whose handlers finished (errors too)
    cramp_turn_seconds                         histogram: one update's handling, from when
                                               its person's turn comes to the replies sent
    cramp_errors_total{where,kind}             where: update | polling | reminders;
                                               kind: the exception's class name
    cramp_reminders_total{outcome}             sent (messages) | skipped (quiet hours, too
                                               late) | blocked | failed (left due)
    cramp_reminder_late_seconds                histogram: seconds behind schedule a
                                               reminder was recorded as sent
    cramp_inbox_depth                          updates kept and not yet handled
    cramp_outbox_depth                         messages queued and not yet sent
    process_*                                  memory, CPU, open files (Linux)

The depths are read from the database at each inbox round (every few seconds, all
processes together on PostgreSQL) and set by `metrics.backlog(inbox, outbox)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from bot.core.schedule import Advance
from bot.service.sweep import SweepReport
from bot.service.turns import Clock
from bot.store import Store

#: Seconds: a turn is a few milliseconds; sending a reply with retries may take seconds.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
#: Seconds behind schedule: a sweep every 10 s, pacing, a pause for Telegram, downtime.
LATE_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 6 * 3600.0)


class Metrics:
    """Every metric of one running bot, in `registry` (a new one unless given)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.updates_received = Counter(
            "cramp_updates_received",
            "Updates taken in from Telegram.",
            registry=self.registry,
        )
        self.updates_handled = Counter(
            "cramp_updates_handled",
            "Updates whose handlers finished, with an error or not.",
            registry=self.registry,
        )
        self.turn_seconds = Histogram(
            "cramp_turn_seconds",
            "Seconds one update's handling took, replies sent included.",
            buckets=TURN_BUCKETS,
            registry=self.registry,
        )
        self.errors = Counter(
            "cramp_errors",
            "Errors, by where they happened (update, polling, reminders) and class name.",
            ("where", "kind"),
            registry=self.registry,
        )
        self.reminders = Counter(
            "cramp_reminders",
            "Reminders by outcome: sent (messages), skipped, blocked, failed (left due).",
            ("outcome",),
            registry=self.registry,
        )
        for outcome in ("sent", "skipped", "blocked", "failed"):
            self.reminders.labels(outcome)  # present from the start, at 0
        self.reminder_late_seconds = Histogram(
            "cramp_reminder_late_seconds",
            "Seconds behind schedule a reminder was recorded as sent.",
            buckets=LATE_BUCKETS,
            registry=self.registry,
        )

        self.inbox_depth = Gauge(
            "cramp_inbox_depth",
            "Updates kept in the inbox and not yet handled (at the last inbox round).",
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "cramp_outbox_depth",
            "Messages queued in the outbox and not yet sent (at the last inbox round).",
            registry=self.registry,
        )

    def backlog(self, inbox: int, outbox: int) -> None:
        self.inbox_depth.set(inbox)
        self.outbox_depth.set(outbox)

    def received(self) -> None:
        self.updates_received.inc()

    def handled(self, seconds: float) -> None:
        self.updates_handled.inc()
        self.turn_seconds.observe(seconds)

    def error(self, where: str, exc: BaseException | None) -> None:
        self.errors.labels(where, type(exc).__name__ if exc is not None else "unknown").inc()

    def swept(self, report: SweepReport) -> None:
        """Sweep.forever's `on_report`: one sweep's counts."""
        for outcome, count in (
            ("sent", report.sent),
            ("skipped", report.skipped),
            ("blocked", report.blocked),
            ("failed", report.failed),
        ):
            if count:
                self.reminders.labels(outcome).inc(count)

    def exposition(self) -> tuple[bytes, str]:
        """The text format Prometheus scrapes, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Lateness:
    """The store as the reminder sweep sees it: every call goes to `store`, and
    `advance_reminders` first notes, for each reminder recorded as sent, how many seconds
    after its due time that is (`clock`, the service's). The sweep records a reminder
    right after sending it, so this is how late it reached Telegram."""

    def __init__(self, store: Store, metrics: Metrics, clock: Clock) -> None:
        self._store = store
        self._metrics = metrics
        self._clock = clock

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def advance_reminders(self, changes: Sequence[Advance]) -> int:
        now: datetime = self._clock()
        for change in changes:
            if change.sent_at is not None:
                late = (now - change.reminder.due_at).total_seconds()
                self._metrics.reminder_late_seconds.observe(max(0.0, late))
        return await self._store.advance_reminders(changes)
