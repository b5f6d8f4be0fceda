"""The queries behind silent chatters, platform signup rates and cross-channel presence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Account, ChatMessage, Database

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


async def test_chatted_is_none_until_chat_is_recorded(db: Database) -> None:
    await db.channels.join(1, "chan", "Chan", at=T0)
    assert await db.detection.chatted(1, [10, 11]) is None
    msg = ChatMessage("m1", 1, 10, "a", "a", "hi", T0)
    await db.history.write_batch(messages=[msg])
    assert await db.detection.chatted(1, [10, 11]) == {10}


async def test_creation_dates_and_sightings(db: Database) -> None:
    await db.channels.join(1, "chan", "Chan", at=T0)
    await db.accounts.upsert_many(
        [Account(10, "a", "a", created_at=T0 - timedelta(days=3)), Account(11, "b", "b")],
        seen_at=T0,
    )
    assert await db.detection.creation_dates() == [(10, T0 - timedelta(days=3))]
    row = await db.captures.start(
        channel_id=1,
        requested_by_id=None,
        requested_by_login="",
        report_token="t" * 32,
        started_at=T0,
    )
    await db.captures.add_chatters_bulk(row.capture_id, [(10, "a"), (11, "b")])
    got = await db.detection.sightings(T0 - timedelta(hours=1))
    assert [(c, at, sorted(ids)) for c, at, ids in got] == [(1, T0, [10, 11])]
    assert await db.detection.sightings(T0 + timedelta(minutes=1)) == []
