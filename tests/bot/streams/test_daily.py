"""Daily reports: cut at local midnight (DST days, UTC+13), written once, missed days caught up."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.streams.daily import DailyReporter, day_bounds, last_full_day
from storage import ChatMessage, Database


@pytest.mark.parametrize(
    ("day", "zone", "start", "hours"),
    [
        pytest.param(date(2026, 6, 1), "UTC", datetime(2026, 6, 1, tzinfo=UTC), 24, id="utc"),
        pytest.param(
            date(2026, 3, 29),
            "Europe/Paris",
            datetime(2026, 3, 28, 23, tzinfo=UTC),
            23,
            id="paris-spring-forward",
        ),
        pytest.param(
            date(2026, 10, 25),
            "Europe/Paris",
            datetime(2026, 10, 24, 22, tzinfo=UTC),
            25,
            id="paris-fall-back",
        ),
        pytest.param(
            date(2026, 7, 1),
            "Pacific/Tongatapu",
            datetime(2026, 6, 30, 11, tzinfo=UTC),
            24,
            id="utc-plus-13",
        ),
    ],
)
def test_a_day_runs_from_local_midnight_to_the_next(
    day: date, zone: str, start: datetime, hours: int
) -> None:
    lo, hi = day_bounds(day, zone)
    assert lo == start
    assert hi - lo == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("now", "zone", "day"),
    [
        pytest.param(
            datetime(2026, 7, 1, 10, 59, tzinfo=UTC),
            "Pacific/Tongatapu",
            date(2026, 6, 30),
            id="tonga-before",
        ),
        pytest.param(
            datetime(2026, 7, 1, 11, 0, tzinfo=UTC),
            "Pacific/Tongatapu",
            date(2026, 7, 1),
            id="tonga-midnight",
        ),
        pytest.param(
            datetime(2026, 3, 29, 21, 59, tzinfo=UTC),
            "Europe/Paris",
            date(2026, 3, 28),
            id="paris-dst-before",
        ),
        pytest.param(
            datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
            "Europe/Paris",
            date(2026, 3, 29),
            id="paris-dst-midnight",
        ),
    ],
)
def test_the_last_full_day_changes_at_local_midnight(now: datetime, zone: str, day: date) -> None:
    assert last_full_day(now, zone) == day


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def reporter(db: Database, tmp_path: Path, clock: Clock, catch_up: int = 7) -> DailyReporter:
    return DailyReporter(
        db=db,
        data_dir=tmp_path,
        public_url="http://localhost",
        ttl=timedelta(days=30),
        clock=clock,
        channels=lambda: [42],
        catch_up_days=catch_up,
    )


async def _channel(db: Database, zone: str) -> None:
    await db.channels.join(42, "chan", "Chan", at=datetime(2026, 3, 20, tzinfo=UTC))
    await db.channels.set_timezone(42, zone)
    await db.history.write_batch(
        messages=[
            ChatMessage(
                message_id=f"d-{i}",
                channel_id=42,
                user_id=1 + i % 3,
                login=f"u{i % 3}",
                display_name="",
                text="hi",
                # 28 Mar 23:30 UTC is 29 Mar 00:30 in Paris; the last, 21:30 UTC, is 23:30 CEST.
                sent_at=datetime(2026, 3, 28, 23, 30, tzinfo=UTC) + timedelta(hours=i),
            )
            for i in range(23)
        ]
    )


async def test_written_once_at_local_midnight_on_a_dst_day(db: Database, tmp_path: Path) -> None:
    await _channel(db, "Europe/Paris")
    clock = Clock(datetime(2026, 3, 29, 21, 59, tzinfo=UTC))  # 23:59 CEST on the 29th
    daily = reporter(db, tmp_path, clock, 2)
    assert await daily.run_once() == [(42, date(2026, 3, 27)), (42, date(2026, 3, 28))]
    clock.now = datetime(2026, 3, 29, 22, 0, 30, tzinfo=UTC)  # just past midnight
    assert await daily.run_once() == [(42, date(2026, 3, 29))]
    assert await daily.run_once() == []
    assert await reporter(db, tmp_path, clock, 2).run_once() == []  # a restart writes nothing
    row = await db.daily_reports.get(42, date(2026, 3, 29))
    assert row is not None and row.done
    body = json.loads(row.body)
    # The 23-hour day (02:00-03:00 never was): one message in each of its hours.
    assert len(body["hours"]) == 23
    assert body["messages"] == 23
    assert {h["messages"] for h in body["hours"]} == {1}
    directory = await daily.resolve(row.report_token)
    assert directory is not None
    assert "Daily report" in (directory / "index.html").read_text()
    assert (directory / "daily.csv").read_text().count("\n") == 24


async def test_two_processes_write_a_day_once(db: Database, tmp_path: Path) -> None:
    await _channel(db, "UTC")
    clock = Clock(datetime(2026, 3, 30, 0, 1, tzinfo=UTC))
    a, b = reporter(db, tmp_path, clock), reporter(db, tmp_path, clock)
    a.catch_up_days = b.catch_up_days = 1
    first, second = await asyncio.gather(a.run_once(), b.run_once())
    assert sorted(first + second) == [(42, date(2026, 3, 29))]
    assert await db.daily_reports.count(42) == 1


async def test_missed_days_are_caught_up_after_downtime(db: Database, tmp_path: Path) -> None:
    await _channel(db, "Pacific/Tongatapu")
    clock = Clock(datetime(2026, 3, 26, 11, 0, 30, tzinfo=UTC))  # midnight of the 27th in Tonga
    daily = reporter(db, tmp_path, clock)
    written = await daily.run_once()
    assert [d for _, d in written] == [date(2026, 3, 20 + i) for i in range(7)]
    clock.now += timedelta(days=3)  # down for three days
    assert [d for _, d in await daily.run_once()] == [date(2026, 3, 27 + i) for i in range(3)]


async def test_a_pending_claim_of_a_dead_process_is_taken_over(
    db: Database, tmp_path: Path
) -> None:
    await _channel(db, "UTC")
    now = datetime(2026, 3, 30, 0, 1, tzinfo=UTC)
    day = date(2026, 3, 29)
    assert await db.daily_reports.claim(42, day, timezone="UTC", token="t" * 32, now=now)
    later = reporter(db, tmp_path, Clock(now + timedelta(minutes=1)))
    later.catch_up_days = 1
    assert await later.run_once() == []  # still being written elsewhere
    later = reporter(db, tmp_path, Clock(now + timedelta(minutes=11)))
    later.catch_up_days = 1
    assert await later.run_once() == [(42, day)]
