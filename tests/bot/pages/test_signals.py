"""A capture's extra signals: silent chatters, platform rates (cached), presence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from bot.pages.signals import UNREAD, ChattedSoFar, Signals
from reports.platform import signup_rates
from storage import Account, Capture, ChatMessage, Database

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


async def _capture(db: Database, channel: int, at: datetime, ids: list[int]) -> Capture:
    row = await db.captures.start(
        channel_id=channel,
        requested_by_id=None,
        requested_by_login="",
        report_token=f"{channel}{int(at.timestamp())}".ljust(32, "x"),
        started_at=at,
    )
    if ids:
        await db.captures.add_chatters_bulk(row.capture_id, [(i, f"u{i}") for i in ids])
    return row


async def test_signals_for_a_capture(db: Database) -> None:
    for ch in (1, 2, 3):
        await db.channels.join(ch, f"chan{ch}", f"Chan{ch}", at=T0)
    # Presence counts channels within one UTC hour (18:00-19:00 here).
    now = T0 + timedelta(minutes=30)
    await _capture(db, 2, T0 + timedelta(minutes=5), [10, 11, 99])
    await _capture(db, 3, T0 + timedelta(minutes=10), [10, 99])
    await _capture(db, 3, T0 - timedelta(hours=3), [11])  # too long ago
    await _capture(db, 1, now, [10, 11, 12, 99])
    await db.history.write_batch(messages=[ChatMessage("m1", 1, 12, "u12", "u12", "hi", T0)])
    signals = Signals(db=db, k=3, exclude=[99])
    got = await signals.for_capture(1, now, [10, 11, 12, 99])
    assert got.chatted == {12}
    assert got.multi_channel == {10}  # 99 is the bot itself: excluded
    assert got.platform is None  # the cache is too small to speak for Twitch


async def test_presence_of_a_capture_still_writing_reads_its_chatters_from_memory(
    db: Database,
) -> None:
    # Issue 21: the answer does not wait for the capture's last writes. Its own chatters come
    # from the caller; the other captures are read aside. Equal to the stored capture's figure.
    for ch in (1, 2, 3):
        await db.channels.join(ch, f"chan{ch}", f"Chan{ch}", at=T0)
    now = T0 + timedelta(minutes=30)
    await _capture(db, 2, T0 + timedelta(minutes=5), [10, 11, 99])
    await _capture(db, 3, T0 + timedelta(minutes=10), [10, 99])
    writing = await _capture(db, 1, now, [])  # none of its chatters stored yet
    signals = Signals(db=db, k=3, exclude=[99])
    got = await signals.for_capture(1, now, [10, 11, 12, 99], capture_id=writing.capture_id)
    assert got.multi_channel == {10}
    await db.captures.add_chatters_bulk(writing.capture_id, [(i, f"u{i}") for i in (10, 11)])
    again = await signals.for_capture(1, now, [10, 11, 12, 99], capture_id=writing.capture_id)
    assert again.multi_channel == {10}  # the same once its chatters are stored


async def test_platform_rates_are_refreshed_when_stale_and_never_waited_for(db: Database) -> None:
    ticks = [0.0]
    signals = Signals(db=db, refresh_s=100.0, monotonic=lambda: ticks[0])
    accounts = [
        Account(1000 + i, f"a{i}", f"a{i}", created_at=T0 - timedelta(hours=i)) for i in range(1200)
    ]
    assert await signals.platform() is None and signals.stale()  # never worked out yet
    assert await signals.refresh() is None  # the cache is too small to speak for Twitch
    assert signals.stale()  # and a small cache is looked at again after the next check
    await db.accounts.upsert_many(accounts, seen_at=T0)
    ticks[0] = 50.0
    signals.refresh_soon()
    await signals.close()
    rates = await signals.platform()
    assert rates is not None and rates.accounts == 1200 and not signals.stale()
    # The same curve as from the dated pairs (the ids and seconds path spares the datetimes).
    same = signup_rates(await db.detection.creation_dates())
    assert (rates.first_day, rates.accounts) == (same.first_day, same.accounts)
    assert np.array_equal(rates.ids_per_day, same.ids_per_day, equal_nan=True)
    # Kept for refresh_s, then worked out again.
    await db.accounts.upsert_many([Account(5000, "late", "late", created_at=T0)], seen_at=T0)
    ticks[0] = 120.0
    signals.refresh_soon()
    await signals.close()
    assert (await signals.platform()) is rates
    ticks[0] = 151.0
    signals.refresh_soon()
    await signals.close()
    again = await signals.platform()
    assert again is not None and again.accounts == 1201


async def test_presence_needs_k_channels_captured_at_all(db: Database) -> None:
    for ch in (1, 2, 3):
        await db.channels.join(ch, f"chan{ch}", f"Chan{ch}", at=T0)
    now = T0 + timedelta(minutes=30)
    for ch in (1, 2, 3):
        await _capture(db, ch, now - timedelta(minutes=ch), [10, 11])
    assert await db.detection.channels_captured(now - timedelta(hours=1)) == 3
    at_three = await Signals(db=db, k=3).for_capture(1, now, [10, 11])
    assert at_three.multi_channel == {10, 11}
    at_four = await Signals(db=db, k=4).for_capture(1, now, [10, 11])
    assert at_four.multi_channel == frozenset()


async def test_chatted_read_along_the_pages_spares_the_read_at_the_end(db: Database) -> None:
    await db.channels.join(1, "chan1", "Chan1", at=T0)
    along = ChattedSoFar(db, 1)
    await along.add([10, 11])
    assert along.among([10, 11]) is None  # chat never recorded here (yet)
    await db.history.write_batch(
        messages=[
            ChatMessage("m1", 1, 12, "u12", "u12", "hi", T0),
            ChatMessage("m2", 1, 14, "u14", "u14", "yo", T0),
        ]
    )
    await along.add([12, 13])
    assert along.among([10, 11, 12, 13]) == {12}
    assert along.among([10, 11, 12, 13, 14]) is UNREAD  # 14 was never read along

    async def not_again(*args: object) -> None:
        raise AssertionError("chatted was read again at the end")

    reads = db.aside.detection
    real = reads.chatted
    reads.chatted = not_again  # type: ignore[method-assign,assignment]
    try:
        got = await Signals(db=db).for_capture(1, T0, [10, 11, 12, 13], along=along)
    finally:
        reads.chatted = real  # type: ignore[method-assign]
    assert got.chatted == {12}
    # A page the capture could not read along: the whole list is read at the end.
    got = await Signals(db=db).for_capture(1, T0, [10, 11, 12, 13, 14], along=along)
    assert got.chatted == {12, 14}
