"""The Prometheus metrics: a registry per bot, and what each metric counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.core.schedule import Advance, Reminder
from bot.service import SweepReport
from bot.service.metrics import Lateness, Metrics
from bot.store.memory import MemoryStore

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_two_bots_in_one_process_count_apart() -> None:
    first, second = Metrics(), Metrics()  # the default registry would refuse the second
    first.received()
    first.handled(0.02)
    assert samples(first)[("cramp_updates_received_total", ())] == 1
    assert samples(first)[("cramp_updates_handled_total", ())] == 1
    assert samples(first)[("cramp_turn_seconds_bucket", (("le", "0.025"),))] == 1
    assert samples(first)[("cramp_turn_seconds_bucket", (("le", "0.01"),))] == 0
    assert samples(second)[("cramp_updates_received_total", ())] == 0


def test_errors_by_where_and_kind() -> None:
    metrics = Metrics()
    metrics.error("update", RuntimeError("boom"))
    metrics.error("update", RuntimeError("boom"))
    metrics.error("polling", TimeoutError())
    found = samples(metrics)
    assert found[("cramp_errors_total", (("kind", "RuntimeError"), ("where", "update")))] == 2
    assert found[("cramp_errors_total", (("kind", "TimeoutError"), ("where", "polling")))] == 1


def test_a_sweep_report_counts_reminders_by_outcome() -> None:
    metrics = Metrics()
    assert samples(metrics)[("cramp_reminders_total", (("outcome", "sent"),))] == 0
    metrics.swept(SweepReport(due=6, sent=3, skipped=2, blocked=1))
    metrics.swept(SweepReport(due=1, failed=1))
    found = samples(metrics)
    counts = {
        o: found[("cramp_reminders_total", (("outcome", o),))]
        for o in ("sent", "skipped", "blocked", "failed")
    }
    assert counts == {"sent": 3, "skipped": 2, "blocked": 1, "failed": 1}


async def test_lateness_is_noted_for_each_reminder_recorded_as_sent() -> None:
    metrics = Metrics()
    store = MemoryStore()
    late = Lateness(store, metrics, clock=lambda: NOW)
    due = [
        Reminder(
            1, "daily", NOW - timedelta(seconds=42), timedelta(hours=2), NOW - timedelta(days=1)
        ),
        Reminder(
            2, "daily", NOW - timedelta(seconds=7), timedelta(hours=2), NOW - timedelta(days=1)
        ),
        Reminder(3, "daily", NOW - timedelta(hours=3), timedelta(hours=2), NOW - timedelta(days=1)),
    ]
    saved = [await store.save_reminder(r) for r in due]
    changes = [
        Advance(saved[0], NOW + timedelta(hours=2), NOW),
        Advance(saved[1], NOW + timedelta(hours=2), NOW),
        Advance(saved[2], NOW + timedelta(hours=2), None),  # skipped: not late, not sent
    ]
    assert await late.advance_reminders(changes) == 3  # still the store's answer
    assert [r.due_at for r in await late.reminders(1)] == [NOW + timedelta(hours=2)]
    found = samples(metrics)
    assert found[("cramp_reminder_late_seconds_count", ())] == 2
    assert found[("cramp_reminder_late_seconds_sum", ())] == 49
    assert found[("cramp_reminder_late_seconds_bucket", (("le", "10.0"),))] == 1
