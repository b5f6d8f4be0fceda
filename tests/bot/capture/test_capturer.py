from __future__ import annotations

import asyncio
import sys
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.capture import (
    NOT_A_MODERATOR,
    CaptureBusy,
    CaptureProgress,
    Capturer,
    CaptureResult,
)
from bot.helix import Helix
from bot.helix.ratelimit import Priority, RateLimiters
from storage import Account, CaptureStatus, Database
from tests.bot.conftest import SimFactory, SimWorld, join
from twitchsim.scenarios import organic


async def run_capture(
    capturer: Capturer,
    world: SimWorld,
    *,
    channel_id: int | None = None,
    token: str = "t",
    progress: list[CaptureProgress] | None = None,
    on_progress: object = None,
) -> CaptureResult:
    def report(p: CaptureProgress) -> None:
        if progress is not None:
            progress.append(p)
        if callable(on_progress):
            on_progress(p)

    return await capturer.capture(
        channel_id=channel_id or world.channel_id,
        moderator_id=world.bot_id,
        requested_by_id=None,
        requested_by_login="mod",
        report_token=token,
        on_progress=report,
    )


def users_calls(world: SimWorld) -> int:
    return int(world.state.helix_calls["GET /helix/users"])


async def test_every_chatter_is_captured_once_with_creation_dates(
    world: SimWorld, db: Database
) -> None:
    scenario = organic(11, 3456)
    world.state.load_scenario(world.channel_id, scenario)
    await join(db, world.channel_id)
    progress: list[CaptureProgress] = []
    async with world.helix() as helix:
        result = await run_capture(Capturer(db=db, helix=helix), world, progress=progress)

    capture = result.capture
    assert capture.status is CaptureStatus.COMPLETE, capture.status_reason
    assert capture.chatter_total == capture.chatter_count == 3456
    assert capture.looked_up_count == 3456
    assert capture.viewer_count == scenario.viewer_count == result.viewer_count
    truth = {u.user_id: u.created_at for u in scenario.chatters}
    assert len(result.accounts) == 3456
    assert {a.user_id: a.created_at for a in result.accounts} == truth
    stored = await db.captures.chatters(capture.capture_id)
    assert sorted(c.user_id for c in stored) == sorted(truth)
    assert users_calls(world) == 35  # ceil(3456 / 100): each account looked up once
    # Reported promptly after the first page, with the total and a time estimate.
    first = progress[0]
    assert first.pages >= 1 and first.total == 3456 and first.chatters_seen >= 1000
    assert first.eta_s is not None and first.eta_s >= 0
    assert progress[-1].looked_up == 3456 and progress[-1].to_look_up == 0


async def test_429_storm_and_500_burst_mid_capture_lose_nobody(
    make_world: SimFactory, db: Database
) -> None:
    world = await make_world(latency_s=0.02)  # slow enough that faults land mid-capture
    scenario = organic(12, 6000)
    world.state.load_scenario(world.channel_id, scenario)
    await join(db, world.channel_id)
    limiters = RateLimiters()
    armed = False

    def storm(p: CaptureProgress) -> None:
        nonlocal armed
        if not armed:  # after the first page: the rest of the capture runs into the faults
            armed = True
            world.state.fail_next(6, status=429, path_prefix="users")
            world.state.fail_next(3, status=500, path_prefix="chat/chatters")
            world.state.fail_next(4, status=502, path_prefix="users")

    async with world.helix(limiters) as helix:
        result = await run_capture(Capturer(db=db, helix=helix), world, on_progress=storm)
    assert result.capture.status is CaptureStatus.COMPLETE, result.capture.status_reason
    assert result.capture.chatter_count == 6000
    assert {a.user_id for a in result.accounts if a.created_at} == {
        u.user_id for u in scenario.chatters
    }
    assert sum(b.throttled_count for b in limiters.buckets().values()) == 6
    assert world.state.faults.pending == 0


async def test_a_token_that_expires_mid_capture_is_refreshed(
    make_world: SimFactory, db: Database
) -> None:
    world = await make_world(latency_s=0.02)
    world.state.load_scenario(world.channel_id, organic(13, 5000))
    await join(db, world.channel_id)
    expired = False

    def expire(p: CaptureProgress) -> None:
        nonlocal expired
        if not expired:
            expired = True
            world.state.expire_token(world.bot_access)

    async with world.helix() as helix:
        result = await run_capture(Capturer(db=db, helix=helix), world, on_progress=expire)
    assert result.capture.status is CaptureStatus.COMPLETE, result.capture.status_reason
    assert result.capture.chatter_count == 5000
    assert world.tokens.refreshes == 1


async def test_a_second_capture_looks_up_nobody_it_knows_and_records_renames(
    world: SimWorld, db: Database
) -> None:
    scenario = organic(14, 2500)
    st = world.state
    st.load_scenario(world.channel_id, scenario)
    await join(db, world.channel_id)
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        await run_capture(capturer, world, token="first")
        calls = users_calls(world)
        renamed = scenario.chatters[7]
        st.put_users([replace(renamed, login="brand_new_name", display_name="Brand_New_Name")])
        st.load_chatters(world.channel_id, [st.users[u.user_id] for u in scenario.chatters])
        later = datetime.now(UTC) + timedelta(days=1)
        second = await run_capture(
            Capturer(db=db, helix=helix, clock=lambda: later), world, token="second"
        )
    assert users_calls(world) == calls  # nothing looked up again
    assert second.capture.status is CaptureStatus.COMPLETE
    assert second.capture.looked_up_count == 0
    assert dict(second.renames) == {renamed.user_id: [renamed.login]}
    names = await db.accounts.names(renamed.user_id)
    assert {n.login for n in names} == {renamed.login, "brand_new_name"}
    account = next(a for a in second.accounts if a.user_id == renamed.user_id)
    assert account.login == "brand_new_name" and account.created_at == renamed.created_at
    # Everyone else was seen again under the names we had: last seen moves, no new names.
    same = scenario.chatters[8]
    stored = await db.accounts.get(same.user_id)
    assert stored is not None and stored.last_seen_at == later.replace(microsecond=0)
    [name] = await db.accounts.names(same.user_id)
    assert name.last_seen_at == later.replace(microsecond=0)
    assert second.capture.chatter_count == 2500


async def test_gone_accounts_are_recorded_as_such(world: SimWorld, db: Database) -> None:
    scenario = organic(15, 300)
    st = world.state
    st.load_scenario(world.channel_id, scenario)
    gone = scenario.chatters[:3]
    for u in gone:
        st.delete_user(u.user_id)  # suspended: still listed in chat, unknown to Get Users
    await join(db, world.channel_id)
    async with world.helix() as helix:
        result = await run_capture(Capturer(db=db, helix=helix), world)
    assert result.capture.status is CaptureStatus.COMPLETE
    assert result.capture.chatter_count == 300
    by_id = {a.user_id: a for a in result.accounts}
    for u in gone:
        assert by_id[u.user_id].created_at is None and by_id[u.user_id].gone_at is not None
        stored = await db.accounts.get(u.user_id)
        assert stored is not None and stored.gone_at is not None
    assert sum(1 for a in result.accounts if a.created_at) == 297


async def test_losing_moderator_status_mid_capture_ends_partial(
    make_world: SimFactory, db: Database
) -> None:
    world = await make_world(latency_s=0.02)
    world.state.load_scenario(world.channel_id, organic(16, 5000))
    await join(db, world.channel_id)
    unmodded = False

    def unmod(p: CaptureProgress) -> None:
        nonlocal unmodded
        if not unmodded:
            unmodded = True
            world.state.remove_moderator(world.channel_id, world.bot_id)

    async with world.helix() as helix:
        result = await run_capture(Capturer(db=db, helix=helix), world, on_progress=unmod)
    capture = result.capture
    assert capture.status is CaptureStatus.PARTIAL
    assert capture.status_reason == NOT_A_MODERATOR
    assert 1000 <= capture.chatter_count < 5000
    assert capture.chatter_total == 5000
    # What was captured is complete in itself: every captured chatter has an account.
    assert len(result.accounts) == capture.chatter_count
    assert all(a.created_at for a in result.accounts)


async def test_not_a_moderator_at_all_fails(world: SimWorld, db: Database) -> None:
    world.state.remove_moderator(world.channel_id, world.bot_id)
    await join(db, world.channel_id)
    async with world.helix() as helix:
        result = await run_capture(Capturer(db=db, helix=helix), world)
    assert result.capture.status is CaptureStatus.FAILED
    assert result.capture.status_reason == NOT_A_MODERATOR


async def test_two_channels_share_the_limiter_without_a_429(
    make_world: SimFactory, db: Database
) -> None:
    # A small, fast bucket: the captures have to wait for points, and must never overdraw.
    world = await make_world(rate_capacity=30, rate_refill_per_s=150.0, latency_s=0.005)
    other = world.add_channel("other")
    world.state.load_scenario(world.channel_id, organic(17, 3000))
    world.state.load_scenario(other, organic(18, 3000))
    await join(db, world.channel_id)
    await join(db, other, "other")
    limiters = RateLimiters(capacity=30, refill_per_s=150.0)
    async with world.helix(limiters) as helix:
        capturer = Capturer(db=db, helix=helix)
        a, b = await asyncio.gather(
            run_capture(capturer, world, token="a"),
            run_capture(capturer, world, channel_id=other, token="b"),
        )
    for r in (a, b):
        assert r.capture.status is CaptureStatus.COMPLETE, r.capture.status_reason
        assert r.capture.chatter_count == 3000
    assert sum(b.throttled_count for b in limiters.buckets().values()) == 0


async def test_one_capture_per_channel_and_cancellation(
    make_world: SimFactory, db: Database
) -> None:
    world = await make_world(latency_s=0.05)
    world.state.load_scenario(world.channel_id, organic(19, 5000))
    await join(db, world.channel_id)
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        running = asyncio.create_task(run_capture(capturer, world, token="one"))
        while (p := capturer.progress(world.channel_id)) is None or p.pages < 1:
            await asyncio.sleep(0.01)
        with pytest.raises(CaptureBusy) as busy:
            await run_capture(capturer, world, token="two")
        assert busy.value.progress.total == 5000
        await capturer.cancel_all("botcheck is shutting down")
        result = await running
    assert result.capture.status is CaptureStatus.INTERRUPTED
    assert result.capture.status_reason == "botcheck is shutting down"
    assert capturer.progress(world.channel_id) is None
    assert (await db.captures.latest(world.channel_id)) is None  # never counted as complete


_KILLED = textwrap.dedent(
    """
    import asyncio, sys
    from bot.capture import Capturer
    from bot.helix import Helix
    from storage import Database
    from tests.bot.conftest import SimTokens

    async def main(db_path, helix_url, auth_url, client_id, secret, channel, bot, access):
        tokens = SimTokens(auth_url, client_id, secret)
        tokens.add_user(bot, access, "unused")
        async with Database(db_path) as db, Helix(
            base_url=helix_url, client_id=client_id, tokens=tokens
        ) as helix:
            def started(p):
                print("page", p.pages, flush=True)
            await Capturer(db=db, helix=helix).capture(
                channel_id=int(channel), moderator_id=int(bot), requested_by_id=None,
                requested_by_login="mod", report_token="killed", on_progress=started)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_a_killed_process_leaves_an_interrupted_capture(
    make_world: SimFactory, tmp_path: Path
) -> None:
    world = await make_world(latency_s=0.0)
    world.state.load_scenario(world.channel_id, organic(20, 3000))
    world.state.hang_next(1, seconds=30.0, path_prefix="chat/chatters")  # page 1 never lands
    db_path = tmp_path / "killed.db"
    async with Database(db_path) as db:
        await join(db, world.channel_id)
    sim = world.sim
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _KILLED,
        str(db_path),
        sim.helix_url,
        sim.auth_url,
        sim.client_id,
        sim.client_secret,
        str(world.channel_id),
        str(world.bot_id),
        world.bot_access,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        async with Database(db_path) as db:
            for _ in range(200):  # the capture row appears, then the process hangs on page 1
                if await db.captures.by_token("killed") is not None:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the capture never started")
    finally:
        proc.kill()
        await proc.wait()
    async with (
        Database(db_path) as db,
        Helix(base_url=sim.helix_url, client_id=sim.client_id, tokens=world.tokens) as helix,
    ):
        assert await Capturer(db=db, helix=helix).recover() == 1
        capture = await db.captures.by_token("killed")
        assert capture is not None
        assert capture.status is CaptureStatus.INTERRUPTED
        assert await db.captures.latest(world.channel_id) is None


async def test_the_global_cap_queues_captures_beyond_it(
    make_world: SimFactory, db: Database
) -> None:
    world = await make_world(latency_s=0.02)
    other = world.add_channel("other")
    world.state.load_scenario(world.channel_id, organic(21, 3000))
    world.state.load_scenario(other, organic(22, 1000))
    await join(db, world.channel_id)
    await join(db, other, "other")
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix, max_concurrent=1)
        first = asyncio.create_task(run_capture(capturer, world, token="a"))
        while (p := capturer.progress(world.channel_id)) is None or p.pages < 1:
            await asyncio.sleep(0.005)
        second = asyncio.create_task(run_capture(capturer, world, channel_id=other, token="b"))
        await asyncio.sleep(0.05)
        waiting = capturer.progress(other)
        assert waiting is not None and waiting.pages == 0  # queued behind the first
        a, b = await asyncio.gather(first, second)
    assert a.capture.finished_at is not None and b.capture.started_at >= a.capture.started_at
    assert a.capture.status is b.capture.status is CaptureStatus.COMPLETE


async def test_chat_commands_are_not_starved_by_a_capture(
    make_world: SimFactory, db: Database
) -> None:
    # A bucket so small that the capture waits on it; interactive calls keep their reserve.
    world = await make_world(rate_capacity=40, rate_refill_per_s=40.0, latency_s=0.005)
    # 12 pages + 120 lookups: about 1.5 s, most of it waiting for points.
    world.state.load_scenario(world.channel_id, organic(23, 12_000))
    await join(db, world.channel_id)
    limiters = RateLimiters(capacity=40, refill_per_s=40.0, reserve_share=0.25)
    async with world.helix(limiters) as helix:
        capture = asyncio.create_task(run_capture(Capturer(db=db, helix=helix), world))
        await asyncio.sleep(0.3)  # the capture has drained the buckets down to the reserve
        streams = await asyncio.wait_for(
            helix.get_streams([world.channel_id], priority=Priority.INTERACTIVE), 1.0
        )
        assert not capture.done()
        result = await capture
    assert streams and streams[0].user_id == world.channel_id
    assert result.capture.status is CaptureStatus.COMPLETE


async def test_bulk_storage_writes_match_the_row_by_row_ones(tmp_path: Path) -> None:
    """The capture's one-statement writes (storage additions) store what the originals do."""
    t0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    users = organic(24, 300).chatters
    accounts = [
        Account(
            user_id=u.user_id,
            login=u.login,
            display_name=u.display_name,
            created_at=u.created_at,
            profile_image_url=u.profile_image_url,
            description=u.description or 'it\'s "quoted" ✓',
            looked_up_at=t0,
        )
        for u in users
    ]
    renamed = [replace(a, login=a.login + "_x") for a in accounts[:50]]
    dumps = []
    for bulk in (False, True):
        async with Database(tmp_path / f"{bulk}.db") as db:
            await join(db, 1, "chan")
            cap = await db.captures.start(
                channel_id=1,
                requested_by_id=None,
                requested_by_login="m",
                report_token="t",
                started_at=t0,
            )
            later = t0 + timedelta(days=1)
            if bulk:
                await db.accounts.upsert_many(accounts, seen_at=t0)
                await db.accounts.upsert_many(renamed, seen_at=later)
                await db.accounts.touch_seen_unchanged(
                    [a.user_id for a in accounts[50:]], seen_at=later
                )
                await db.captures.add_chatters_bulk(
                    cap.capture_id, [(a.user_id, a.login) for a in accounts] * 2
                )
            else:
                await db.accounts.upsert_many(accounts, seen_at=t0)
                await db.accounts.upsert_many(renamed, seen_at=later)
                await db.accounts.touch_seen(
                    [(a.user_id, a.login, a.display_name) for a in accounts[50:]], seen_at=later
                )
                await db.captures.add_chatters(
                    cap.capture_id, [(a.user_id, a.login) for a in accounts] * 2
                )
            ids = [a.user_id for a in accounts]
            stored = await db.accounts.get_many(ids)
            names = [await db.accounts.names(i) for i in ids[45:55]]
            chatters = await db.captures.chatters(cap.capture_id)
            dumps.append((stored, names, chatters, await db.accounts.earlier_logins(ids)))
    assert dumps[0] == dumps[1]
    assert len(dumps[1][2]) == 300 and len(dumps[1][3]) == 50


async def test_renames_read_page_by_page_equal_one_read_at_the_end(
    world: SimWorld, db: Database
) -> None:
    """Earlier logins come with each page's match (off the tail); renamed-now ones are re-read."""
    scenario = organic(15, 2500)
    st = world.state
    st.load_scenario(world.channel_id, scenario)
    await join(db, world.channel_id)
    back, before, now = scenario.chatters[3], scenario.chatters[1200], scenario.chatters[2400]
    later = datetime.now(UTC)

    async def capture_with(names: dict[int, str], token: str) -> CaptureResult:
        nonlocal later
        st.put_users([replace(st.users[uid], login=login) for uid, login in names.items()])
        st.load_chatters(world.channel_id, [st.users[u.user_id] for u in scenario.chatters])
        later += timedelta(days=1)
        at = later
        return await run_capture(Capturer(db=db, helix=helix, clock=lambda: at), world, token=token)

    async with world.helix() as helix:
        await run_capture(Capturer(db=db, helix=helix), world, token="first")
        # `back` leaves its name and comes back to it; `before` was renamed a capture ago.
        await capture_with({back.user_id: "away_for_now", before.user_id: "before_x"}, "second")
        third = await capture_with({back.user_id: back.login, now.user_id: "now_x"}, "third")
    ids = [u.user_id for u in scenario.chatters]
    assert dict(third.renames) == await db.accounts.earlier_logins(ids)
    assert dict(third.renames) == {
        back.user_id: ["away_for_now"],
        before.user_id: [before.login],
        now.user_id: [now.login],
    }
