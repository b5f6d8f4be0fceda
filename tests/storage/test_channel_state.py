"""Per-channel state shared by bot processes (issue 16): marks and atomic stream sessions, on both
engines; "two processes" are two `Database`s on one database (two pools on PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import Database
from storage.channel_state import Opened

AT = datetime(2026, 12, 1, 15, tzinfo=UTC)
SAME = timedelta(minutes=2)


async def test_marks_expire_are_taken_once_and_claimed_once(db: Database) -> None:
    marks = db.marks
    await marks.set(7, "cooldown", until=AT + timedelta(seconds=60), now=AT)
    mark = await marks.get(7, "cooldown", now=AT + timedelta(seconds=10))
    assert mark is not None and mark.left(AT + timedelta(seconds=10)) == timedelta(seconds=50)
    assert await marks.get(7, "cooldown", now=AT + timedelta(seconds=60)) is None  # expired
    assert await marks.get(8, "cooldown", now=AT) is None  # another channel

    # "Told about the cooldown": the first claim wins until the mark ends, then again.
    until = AT + timedelta(seconds=60)
    assert await marks.claim(7, "told:5", now=AT, until=until)
    assert not await marks.claim(7, "told:5", now=AT + timedelta(seconds=1), until=until)
    assert await marks.claim(7, "told:6", now=AT, until=until)
    assert await marks.claim(7, "told:5", now=until, until=until + timedelta(seconds=60))

    # A pending forget is taken once, and not after its minute.
    await marks.set(7, "forget", until=AT + timedelta(seconds=60), now=AT, by="42")
    taken = await marks.take(7, "forget", now=AT + timedelta(seconds=5))
    assert taken is not None and taken.by_user == "42"
    assert await marks.take(7, "forget", now=AT + timedelta(seconds=6)) is None
    await marks.set(7, "forget", until=AT + timedelta(seconds=60), now=AT)
    assert await marks.take(7, "forget", now=AT + timedelta(seconds=61)) is None
    await marks.clear(7)
    assert await marks.get(7, "told:6", now=AT) is None
    await marks.set(7, "cooldown", until=AT + timedelta(seconds=60), now=AT)
    await db.channels.delete(7)  # forgetting a channel forgets its marks too
    assert await marks.get(7, "cooldown", now=AT) is None


async def test_a_forget_confirmed_in_two_processes_at_once_is_taken_once(
    db_target: Path | str,
) -> None:
    async with Database(db_target) as one, Database(db_target) as two:
        await one.marks.set(9, "forget", until=AT + timedelta(seconds=60), now=AT)
        got = await asyncio.gather(
            *(d.marks.take(9, "forget", now=AT) for d in (one, two, one, two))
        )
        assert sum(m is not None for m in got) == 1


@pytest.mark.parametrize(
    ("second_id", "offset_s"),
    [
        pytest.param("s1", 0, id="same-stream-id"),
        pytest.param("helix-1764601200", 1, id="poll-id-same-start"),
    ],
)
async def test_two_processes_opening_one_stream_make_one_session(
    db_target: Path | str, second_id: str, offset_s: int
) -> None:
    async with Database(db_target) as one, Database(db_target) as two:
        await one.channels.join(5, "streamer", "Streamer", at=AT)
        opens = []
        for i, db in enumerate((one, two) * 4):
            opens.append(
                db.history.streams.open(
                    channel_id=5,
                    stream_id="s1" if i % 2 == 0 else second_id,
                    started_at=AT + timedelta(seconds=offset_s * (i % 2)),
                    title="Hi",
                    category="",
                    report_token=f"token-{i:02d}-" + "x" * 16,
                    same_within=SAME,
                    now=AT,
                )
            )
        done = await asyncio.gather(*opens)
        assert sum(d.opened for d in done) == 1  # one caller made it (and announces it)
        assert len({d.session.session_id for d in done}) == 1
        assert len(await one.history.sessions(5)) == 1

        session = done[0].session
        closes = [
            db.history.streams.close(session.session_id, ended_at=AT + timedelta(hours=1))
            for db in (one, two, one, two)
        ]
        closed = await asyncio.gather(*closes)
        assert sum(c is not None for c in closed) == 1  # one caller says "ended"
        assert not (await one.history.sessions(5))[0].live


async def test_a_new_stream_closes_the_old_session_once(db: Database) -> None:
    await db.channels.join(5, "streamer", "Streamer", at=AT)
    streams = db.history.streams

    async def open_(stream_id: str, at: datetime, token: str) -> Opened:
        return await streams.open(
            channel_id=5,
            stream_id=stream_id,
            started_at=at,
            title="",
            category="",
            report_token=token * 22,
            same_within=SAME,
            now=at,
        )

    first = await open_("s1", AT, "a")
    later = AT + timedelta(hours=3)
    second = await open_("s2", later, "b")
    assert second.opened
    assert [(s.session_id, s.ended_at) for s in second.closed] == [
        (first.session.session_id, later)
    ]
    again = await open_("s1", AT, "c")  # a late redelivery of the first: not reopened
    assert not again.opened and not again.session.live and not again.closed
    assert (await streams.close(second.session.session_id, ended_at=later)) is not None
