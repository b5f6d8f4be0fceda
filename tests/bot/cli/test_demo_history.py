"""The demo's seeded history: the analytics queries find something sensible in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.demo_history import DAYS, ChannelPlan, seed_history, write_daily_reports
from reports import zones
from storage import Database
from storage.emotes import decode, encode
from storage.newcomers import Newcomers
from storage.stream_events import EventKind

NOW = datetime(2026, 3, 18, 16, 30, tzinfo=UTC)
PLANS = (
    ChannelPlan(501, "cozy_corner", "Europe/Paris", ("Just Chatting", "Stardew Valley"), 20),
    ChannelPlan(502, "speedrun_sam", "UTC", ("Celeste", "Just Chatting"), 18),
)


def _third_party(channel_id: int, text: str) -> tuple[str, ...]:
    return tuple(encode("7tv", f"id{channel_id}{len(w)}", w) for w in text.split())


async def _seeded(db: Database, tmp_path: Path) -> int:
    for plan in PLANS:
        await db.channels.join(plan.channel_id, plan.login, plan.login, at=NOW - timedelta(hours=1))
    summary = await seed_history(db, PLANS, seed=7, now=NOW, find_emotes=_third_party)
    assert summary.streams >= 2 * DAYS // 2
    assert len(summary.renamed) == 4
    return await write_daily_reports(
        db,
        PLANS,
        data_dir=tmp_path,
        public_url="http://127.0.0.1:1",
        ttl=timedelta(days=30),
        now=NOW,
    )


async def test_every_analytics_page_has_something(db: Database, tmp_path: Path) -> None:
    daily = await _seeded(db, tmp_path)
    assert daily == 2 * 7
    plan = PLANS[0]
    cid, tz = plan.channel_id, zones.zone(plan.timezone)
    assert await db.channels.timezone(cid) == "Europe/Paris"

    top = await db.stats.top_chatters(cid, limit=10)
    assert len(top) == 10
    assert top[0].messages > top[-1].messages
    assert await db.stats.rising_chatters(cid, now=NOW)

    rivals = await db.chatters.rivals(cid, top[0].user_id, tz)
    assert rivals
    assert 0 < rivals[0].similarity <= 1
    assert rivals[0].similarity > 0.8  # regulars share their hours with a group

    emotes = await db.stats.top_emotes(cid, limit=10)
    assert any(decode(e.name).provider == "7tv" for e in emotes)
    assert any(decode(e.name).provider is None for e in emotes)

    peaks = await db.stream_stats.peak_times(cid, zone=plan.timezone, now=NOW)
    busiest = max(peaks.by_hour, key=lambda s: s.messages)
    assert 19 <= busiest.hour <= 23  # evenings in Paris
    categories = await db.stream_stats.categories(cid, since=NOW - timedelta(days=30), until=NOW)
    assert len(categories) >= 2

    events = await db.stream_events.in_channel(cid)
    kinds = {e.kind for e in events}
    assert {EventKind.SUB, EventKind.FOLLOW, EventKind.RAID_IN} <= kinds
    assert all(e.session_id is not None for e in events)

    assert await db.daily_reports.count(cid) == 7
    newcomers = await Newcomers(db).recent(
        cid, since=NOW - timedelta(hours=24), young_since=NOW - timedelta(days=7)
    )
    assert len(newcomers) >= 3


async def test_search_finds_a_renamed_chatter_by_the_earlier_name(
    db: Database, tmp_path: Path
) -> None:
    await _seeded(db, tmp_path)
    summary = await seed_history(db, PLANS, seed=7, now=NOW)  # again: nothing new
    earlier, current = summary.renamed[0]
    found = await db.search.complete(PLANS[0].channel_id, earlier)
    assert any(m.login == current and m.earlier == earlier for m in found)


@pytest.mark.parametrize("seed", [pytest.param(7, id="seed-7"), pytest.param(8, id="seed-8")])
async def test_the_same_seed_writes_the_same_history(tmp_path: Path, seed: int) -> None:
    counts = []
    for n in range(2):
        async with Database(tmp_path / f"{n}.db") as db:
            await db.channels.join(501, "cozy_corner", "cozy", at=NOW)
            await seed_history(db, PLANS[:1], seed=seed, now=NOW)
            counts.append(
                await db.fetch(
                    "SELECT user_id, count(*), max(sent_at) FROM chat_messages "
                    "GROUP BY user_id ORDER BY user_id"
                )
            )
    assert [tuple(r) for r in counts[0]] == [tuple(r) for r in counts[1]]
