"""Stream sessions and viewer polling against twitchsim's Get Streams, with a real SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.pages import new_report_token
from bot.streams.tracker import StreamTracker
from storage import Database, StreamSession, ViewerSample
from tests.bot.conftest import SimWorld


class Heard:
    """A StreamListener that remembers what it was told."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []
        self.ended: list[tuple[str, int]] = []

    def stream_started(self, login: str, session: StreamSession) -> None:
        self.started.append((login, session.session_id))

    def stream_ended(self, login: str, session: StreamSession) -> None:
        self.ended.append((login, session.session_id))


def now() -> datetime:
    return datetime.now(UTC)


@asynccontextmanager
async def tracking(
    world: SimWorld, db: Database, **kw: Any
) -> AsyncIterator[tuple[StreamTracker, Heard]]:
    """A tracker on the sim's Helix for the world's channel; closed (with its Helix) after."""
    helix = world.helix()
    await helix.open()
    await db.channels.join(world.channel_id, "streamer", "Streamer", at=now())
    heard = Heard()
    tracker = StreamTracker(
        db.history,
        helix,
        clock=now,
        listener=heard,
        channels=db.channels,
        report_token=new_report_token,
        **kw,
    )
    try:
        yield tracker, heard
    finally:
        await tracker.close()
        await helix.close()


async def test_online_then_polls_then_offline_make_one_session(
    world: SimWorld, db: Database
) -> None:
    joined: list[int] = []
    async with tracking(world, db, joined=lambda: joined) as (tracker, heard):
        cid = world.channel_id
        stream = world.state.set_stream(cid, True, viewer_count=40, title="Hi", game="Chess")
        started = stream.started_at
        s = await tracker.online(cid, "streamer", stream.stream_id, started)
        again = await tracker.online(cid, "streamer", stream.stream_id, started)  # redelivered
        assert again.session_id == s.session_id
        joined[:] = [cid]
        for viewers, game in ((55, "Chess"), (70, "Art"), (65, "Art")):
            world.state.set_stream(cid, True, viewer_count=viewers, game=game)
            result = await tracker.poll()
            assert (result.live, result.opened, result.closed) == (1, 0, 0)
        ended = await tracker.offline(cid, "streamer", now())
        assert [e.session_id for e in ended] == [s.session_id]
        sessions = await db.history.sessions(cid)
        assert len(sessions) == 1
        done = sessions[0]
        assert (done.title, done.category, done.stream_id) == ("Hi", "Art", stream.stream_id)
        assert done.ended_at is not None and done.peak_viewers == 70
        kept = await db.history.viewer_samples(s.session_id)
        assert [x.viewers for x in kept][-3:] == [55, 70, 65]
        # Each sample keeps the category of its moment (issue 18: category changes).
        assert [x.category for x in kept][-3:] == ["Chess", "Art", "Art"]
        assert heard.started == [("streamer", s.session_id)]
        assert heard.ended == [("streamer", s.session_id)]


async def test_a_missed_online_is_opened_by_the_poll_and_not_twice(
    world: SimWorld, db: Database
) -> None:
    joined: list[int] = []
    async with tracking(world, db, joined=lambda: joined) as (tracker, heard):
        cid = world.channel_id
        world.state.set_stream(cid, True, viewer_count=12, title="Late", game="Art")
        joined[:] = [cid]
        first = await tracker.poll()
        second = await tracker.poll()
        assert (first.opened, second.opened) == (1, 0)
        (s,) = await db.history.open_sessions()
        stream = world.state.channel(cid).stream
        assert s.stream_id == stream.stream_id and s.title == "Late"  # Twitch's id, from Helix
        # stream.online arriving after the poll is the same broadcast.
        same = await tracker.online(cid, "streamer", stream.stream_id, stream.started_at)
        assert same.session_id == s.session_id
        assert len(heard.started) == 1


async def test_reconcile_settles_sessions_left_open_by_a_previous_run(
    world: SimWorld, db: Database
) -> None:
    async with tracking(world, db) as (tracker, heard):
        live_id = world.channel_id
        gone_id = world.add_channel("gone")
        await db.channels.join(gone_id, "gone", "Gone", at=now())
        stream = world.state.set_stream(live_id, True, viewer_count=300)
        still = await db.history.start_session(
            channel_id=live_id,
            stream_id=stream.stream_id,
            started_at=stream.started_at,
            title="",
            category="",
            report_token="tok-live",
        )
        old_start = now().replace(microsecond=0) - timedelta(hours=3)  # ms precision
        stale = await db.history.start_session(
            channel_id=gone_id,
            stream_id="old",
            started_at=old_start,
            title="",
            category="",
            report_token="tok-gone",
        )
        last_seen = old_start + timedelta(hours=1)
        await db.history.add_viewer_samples([ViewerSample(stale.session_id, last_seen, 9)])
        result = await tracker.reconcile()  # joined list is still empty: open sessions count
        assert (result.live, result.closed) == (1, 1)
        live = await db.history.session(still.session_id)
        gone = await db.history.session(stale.session_id)
        assert live is not None and live.live and live.peak_viewers == 300
        assert gone is not None and gone.ended_at == last_seen
        assert heard.ended == [("gone", stale.session_id)]


async def test_polls_ask_100_channels_a_call(world: SimWorld, db: Database) -> None:
    joined: list[int] = []
    async with tracking(world, db, joined=lambda: joined) as (tracker, _):
        ids = [world.add_channel(f"chan{i}") for i in range(150)]
        for cid in ids[:3]:
            await db.channels.join(cid, "c", "C", at=now())
            world.state.set_stream(cid, True, viewer_count=5)
        before = world.state.helix_calls["GET /helix/streams"]
        joined[:] = ids
        result = await tracker.poll()
        assert world.state.helix_calls["GET /helix/streams"] - before == 2
        assert (result.live, result.opened, result.samples) == (3, 3, 3)


async def test_a_failed_poll_changes_nothing(world: SimWorld, db: Database) -> None:
    joined: list[int] = []
    async with tracking(world, db, joined=lambda: joined) as (tracker, heard):
        cid = world.channel_id
        started = now() - timedelta(hours=1)
        s = await db.history.start_session(
            channel_id=cid,
            stream_id="x",
            started_at=started,
            title="",
            category="",
            report_token="t",
        )
        world.state.fail_next(10, 500, "/helix/streams")
        joined[:] = [cid]
        result = await tracker.poll()
        assert result.closed == 0
        after = await db.history.session(s.session_id)
        assert after is not None and after.live
        assert heard.ended == []


async def test_a_poll_that_lags_behind_offline_leaves_the_ended_session_alone(
    world: SimWorld, db: Database
) -> None:
    """Get Streams may list a stream a minute after stream.offline: no sample, no new session."""
    joined: list[int] = []
    async with tracking(world, db, joined=lambda: joined) as (tracker, heard):
        cid = world.channel_id
        stream = world.state.set_stream(cid, True, viewer_count=40, title="Hi", game="Chess")
        s = await tracker.online(cid, "streamer", stream.stream_id, stream.started_at)
        joined[:] = [cid]
        await tracker.poll()
        await tracker.offline(cid, "streamer", now())
        world.state.set_stream(cid, True, viewer_count=999)  # Helix still says live
        result = await tracker.poll()
        assert (result.opened, result.closed) == (0, 0)
        (done,) = await db.history.sessions(cid)
        assert done.session_id == s.session_id and done.ended_at is not None
        assert done.peak_viewers == 40
        assert 999 not in [x.viewers for x in await db.history.viewer_samples(s.session_id)]
        assert len(heard.started) == 1


async def test_two_processes_hearing_one_stream_make_one_session_announced_once(
    world: SimWorld, db: Database, db_target: Path | str
) -> None:
    """Conduit mode: stream.online reaching two processes (a rebalance, a redelivery), each
    also polling Get Streams: one session, one "started", one "ended"."""
    async with Database(db_target) as other:  # a second process: its own pool
        joined: list[int] = []
        async with (
            tracking(world, db, joined=lambda: joined) as (one, heard_one),
            tracking(world, other, joined=lambda: joined) as (two, heard_two),
        ):
            cid = world.channel_id
            joined[:] = [cid]
            stream = world.state.set_stream(cid, True, viewer_count=9, title="Both")
            started, sid = stream.started_at, stream.stream_id
            await asyncio.gather(
                one.online(cid, "streamer", sid, started),
                two.online(cid, "streamer", sid, started),
                one.poll(),
                two.poll(),
                two.online(cid, "streamer", sid, started),
            )
            sessions = await db.history.sessions(cid)
            assert len(sessions) == 1
            assert len(heard_one.started) + len(heard_two.started) == 1
            world.state.set_stream(cid, False)
            at = now()
            await asyncio.gather(one.offline(cid, "streamer", at), two.offline(cid, "streamer", at))
            assert len(heard_one.ended) + len(heard_two.ended) == 1
            assert not (await db.history.sessions(cid))[0].live
