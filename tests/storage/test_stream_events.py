"""Stream events in storage (issue 18): stored once, tied to their session, read back, switched
per channel, forgotten with the channel; on both engines (the `db` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import Database, EventKind, StreamEvent

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def ev(key: str, kind: EventKind, minutes: float, **kw: object) -> StreamEvent:
    return StreamEvent(key, 42, kind, T0 + timedelta(minutes=minutes), **kw)  # type: ignore[arg-type]


async def setup(db: Database) -> int:
    await db.channels.join(42, "chan", "Chan", at=T0)
    session = await db.history.start_session(
        channel_id=42, stream_id="s1", started_at=T0, title="", category="", report_token="tok"
    )
    await db.history.end_session(session.session_id, ended_at=T0 + timedelta(hours=1))
    return session.session_id


async def test_each_event_is_stored_once_in_the_session_it_fell_in(db: Database) -> None:
    session_id = await setup(db)
    batch = [
        ev("a:sub", EventKind.SUB, 1, user_id=7, user_login="fan", tier="1000"),
        ev("b:gift", EventKind.GIFT, 2, tier="2000", amount=5),  # anonymous
        ev("c:raid_in", EventKind.RAID_IN, 3, user_id=9, user_login="big", amount=300),
        ev("d:follow", EventKind.FOLLOW, 90, user_id=8, user_login="late"),  # after the stream
    ]
    await db.history.write_batch(stream_events=batch)
    await db.history.write_batch(stream_events=batch[:2])  # a redelivery
    in_session = await db.stream_events.for_session(session_id)
    assert [e.kind for e in in_session] == [EventKind.SUB, EventKind.GIFT, EventKind.RAID_IN]
    assert in_session[1].user_id is None and in_session[1].amount == 5
    everything = await db.stream_events.in_channel(42)
    assert len(everything) == 4 and everything[-1].session_id is None
    assert everything[0] == batch[0].__class__(**{**_fields(batch[0]), "session_id": session_id})
    follows = await db.stream_events.in_channel(42, kinds=[EventKind.FOLLOW])
    assert [e.user_login for e in follows] == ["late"]


def _fields(e: StreamEvent) -> dict[str, object]:
    return {name: getattr(e, name) for name in StreamEvent.__slots__}


@pytest.mark.parametrize(
    ("since_min", "until_min", "found"),
    [
        pytest.param(0, 10, "c:raid_in", id="inside"),
        pytest.param(4, 10, None, id="before-the-window"),
        pytest.param(0, 2, None, id="after-the-window"),
    ],
)
async def test_last_raid_in(
    db: Database, since_min: int, until_min: int, found: str | None
) -> None:
    await setup(db)
    await db.history.write_batch(
        stream_events=[
            ev("c:raid_in", EventKind.RAID_IN, 3, user_login="big", amount=300),
            ev("e:raid_out", EventKind.RAID_OUT, 5, user_login="away", amount=20),
        ]
    )
    raid = await db.stream_events.last_raid_in(
        42, since=T0 + timedelta(minutes=since_min), until=T0 + timedelta(minutes=until_min)
    )
    assert (raid.dedupe_key if raid else None) == found


async def test_the_switch_and_forgetting(db: Database) -> None:
    await setup(db)
    assert await db.stream_events.enabled(42)
    await db.stream_events.set_enabled(42, False)
    assert not await db.stream_events.enabled(42)
    await db.history.write_batch(stream_events=[ev("a:follow", EventKind.FOLLOW, 1)])
    assert (await db.channels.counts(42))["stream events"] == 1
    await db.channels.delete(42)
    assert await db.stream_events.in_channel(42) == []
