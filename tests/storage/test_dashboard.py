"""The dashboard's queries: checks, comparisons, a chatter, sessions of checks, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import CaptureStatus, Database
from storage.api_tokens import hash_api_token
from storage.dashboard import Dashboard

T0 = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)


async def add_check(db: Database, channel_id: int, users: list[int], *, day: int) -> int:
    capture = await db.captures.start(
        channel_id=channel_id,
        requested_by_id=None,
        requested_by_login="mod",
        report_token=f"t{channel_id}-{day}".ljust(32, "x"),
        started_at=T0 + timedelta(days=day),
    )
    await db.captures.add_chatters(capture.capture_id, [(u, f"user{u}") for u in users])
    await db.captures.finish(
        capture.capture_id, status=CaptureStatus.COMPLETE, finished_at=T0 + timedelta(days=day)
    )
    return capture.capture_id


@pytest.fixture
async def store(db: Database) -> Dashboard:
    await db.channels.join(1, "alpha", "Alpha", at=T0)
    await db.channels.join(2, "beta", "Beta", at=T0)
    return Dashboard(db)


async def test_overlap_of_two_checks(db: Database, store: Dashboard) -> None:
    first = await add_check(db, 1, [10, 11, 12], day=0)
    second = await add_check(db, 1, [11, 12, 13, 14], day=1)
    overlap = await store.overlap(first, second)
    assert overlap.new == ((13, "user13"), (14, "user14"))
    assert overlap.gone == ((10, "user10"),)
    assert overlap.both == 2
    later = await db.captures.get(second)
    assert later is not None
    previous = await store.previous_check(later)
    assert previous is not None and previous.capture_id == first


async def test_checks_page_newest_first_and_series_oldest_first(
    db: Database, store: Dashboard
) -> None:
    ids = [await add_check(db, 1, [10 + i], day=i) for i in range(5)]
    await add_check(db, 2, [99], day=0)
    page = await store.checks(1, limit=2)
    assert [c.capture_id for c in page] == ids[::-1][:2]
    older = await store.checks(1, limit=10, before_id=page[-1].capture_id)
    assert [c.capture_id for c in older] == ids[::-1][2:]
    await store.set_metrics(ids[0], analysed=10, flagged=5)
    series = await store.series(1)
    assert [p.capture_id for p in series] == ids
    assert series[0].flagged_share == 0.5
    assert series[1].flagged_share is None


async def test_sessions_keep_their_checks_together(db: Database, store: Dashboard) -> None:
    a = await add_check(db, 1, [10], day=0)
    b = await add_check(db, 1, [11], day=1)
    other = await add_check(db, 2, [12], day=1)
    sid = await store.create_session(
        channel_id=1,
        name="raid",
        capture_ids=[a, b, other, a],
        created_by_id=5,
        created_by_login="mod",
        at=T0,
    )
    found = await store.session(sid)
    assert found is not None and found.capture_ids == (a, b)
    await store.keep_session(sid, True)
    assert [(await db.captures.get(i)).pinned for i in (a, b, other)] == [True, True, False]  # type: ignore[union-attr]
    assert [s.session_id for s in await store.sessions_of_check(a)] == [sid]


async def test_api_tokens_are_kept_as_hashes(db: Database) -> None:
    store = db.api_tokens
    token_id = await store.add(token="bc_secret", user_id=5, user_login="mod", name="script", at=T0)
    rows = await db.fetch("SELECT token_hash FROM api_tokens")
    assert [r[0] for r in rows] == [hash_api_token("bc_secret")]
    assert await store.user("bc_secret", at=T0) == (5, "mod")
    assert await store.user("bc_other", at=T0) is None
    assert not await store.revoke(token_id, user_id=6, at=T0)  # not theirs
    assert await store.revoke(token_id, user_id=5, at=T0)
    assert await store.user("bc_secret", at=T0) is None


async def test_a_channel_language_defaults_to_english_and_can_be_changed(db: Database) -> None:
    await db.channels.join(1, "alpha", "Alpha", at=T0)
    assert await db.channels.language(1) == "en"
    await db.channels.set_timezone(1, "Europe/Paris")
    await db.channels.set_language(1, "fr")
    await db.channels.set_language(1, "ja")
    assert await db.channels.language(1) == "ja"
    assert await db.channels.timezone(1) == "Europe/Paris"  # the other option stays
    await db.channels.delete(1)
    assert await db.channels.language(1) == "en"  # forgotten with the channel


async def test_a_channel_timezone_defaults_to_utc_and_can_be_changed(db: Database) -> None:
    await db.channels.join(1, "alpha", "Alpha", at=T0)
    assert await db.channels.timezone(1) == "UTC"
    await db.channels.set_answers_help(1, True)
    await db.channels.set_timezone(1, "Europe/Paris")
    await db.channels.set_timezone(1, "Pacific/Auckland")
    assert await db.channels.timezone(1) == "Pacific/Auckland"
    assert await db.channels.answers_help(1)  # the other option of the channel stays
    await db.channels.delete(1)
    assert await db.channels.timezone(1) == "UTC"  # forgotten with the channel
