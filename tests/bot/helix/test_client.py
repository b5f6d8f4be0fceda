from __future__ import annotations

import asyncio
import dataclasses

import pytest

from bot.helix import (
    Helix,
    HelixAuthError,
    HelixError,
    HelixForbidden,
    HelixRateLimited,
    HelixUnavailable,
)
from bot.helix.ratelimit import Priority, RateLimiters
from storage.models import Account
from tests.bot.conftest import SimFactory, SimWorld
from twitchsim.scenarios import organic


async def test_chatter_pages_follow_the_cursor_and_carry_the_total(world: SimWorld) -> None:
    scenario = organic(1, 2500)
    world.state.load_chatters(world.channel_id, scenario.chatters)
    seen: list[int] = []
    async with world.helix() as helix:
        cursor = None
        while True:
            page = await helix.get_chatters(world.channel_id, world.bot_id, after=cursor)
            assert page.total == 2500
            seen.extend(c.user_id for c in page.chatters)
            cursor = page.cursor
            if cursor is None:
                break
    assert sorted(seen) == sorted(u.user_id for u in scenario.chatters)
    assert world.state.helix_calls["GET /helix/chat/chatters"] == 3


async def test_get_users_returns_accounts_and_leaves_out_gone_ones(world: SimWorld) -> None:
    users = organic(2, 150).chatters
    world.state.put_users(users)
    world.state.delete_user(users[0].user_id)
    ids = [u.user_id for u in users[:100]]
    async with world.helix() as helix:
        accounts = await helix.get_users(ids)
        rows = await helix.look_up(ids)  # the same answer as storage rows (a capture's)
        by_login = await helix.get_users_by_login([users[5].login.upper()])
        for call in (helix.get_users, helix.look_up):
            with pytest.raises(ValueError):
                await call([u.user_id for u in users[:101]])
        assert await helix.look_up([]) == []
    assert len(rows) == len(accounts) == 99
    for row, account in zip(rows, accounts, strict=True):
        assert Account(*row) == dataclasses.replace(account, looked_up_at=row.looked_up_at)
    assert {a.user_id for a in accounts} == set(ids[1:])
    first = next(a for a in accounts if a.user_id == users[1].user_id)
    assert first.created_at == users[1].created_at
    assert first.login == users[1].login
    assert first.looked_up_at is not None and first.looked_up_at.tzinfo is not None
    assert [a.user_id for a in by_login] == [users[5].user_id]


async def test_streams_and_moderated_channels(world: SimWorld) -> None:
    st = world.state
    st.set_stream(world.channel_id, True, viewer_count=1234)
    offline = world.add_channel("quiet")
    for i in range(120):  # more than one page of moderated channels
        world.add_channel(f"chan{i:03d}")
    async with world.helix() as helix:
        streams = await helix.get_streams([world.channel_id, offline])
        channels = await helix.get_moderated_channels(world.bot_id)
    assert [(s.user_id, s.viewer_count) for s in streams] == [(world.channel_id, 1234)]
    assert streams[0].started_at.tzinfo is not None
    assert len(channels) == 122
    assert {c.login for c in channels} >= {"streamer", "quiet", "chan119"}


async def test_moderators_of_a_channel_as_the_bot_sees_them(world: SimWorld) -> None:
    st = world.state
    mods = [st.add_user(f"mod{i:03d}").user_id for i in range(130)]  # more than one page
    for uid in mods:
        st.add_moderator(world.channel_id, uid)
    async with world.helix() as helix:
        found = await helix.get_moderators(world.channel_id, world.bot_id)
        other = world.state.add_channel("elsewhere").user_id
        with pytest.raises(HelixForbidden):  # the bot does not moderate it
            await helix.get_moderators(other, world.bot_id)
    assert found == {world.bot_id, *mods}
    assert world.channel_id not in found


async def test_a_429_waits_for_the_reset_and_the_caller_never_sees_it(world: SimWorld) -> None:
    world.state.fail_next(3, status=429, path_prefix="users")
    limiters = RateLimiters()
    async with world.helix(limiters) as helix:
        await helix.get_streams([world.channel_id])  # the bucket has heard from Twitch
        results = await asyncio.gather(*(helix.get_users([world.bot_id]) for _ in range(3)))
    assert all([a.user_id for a in r] == [world.bot_id] for r in results)
    assert limiters.bucket(None).throttled_count == 3


async def test_5xx_and_timeouts_are_retried_then_reported(world: SimWorld) -> None:
    st = world.state
    st.fail_next(2, status=503, path_prefix="users")
    st.hang_next(1, seconds=1.0, path_prefix="users")
    async with world.helix(timeout_s=0.3) as helix:
        assert len(await helix.get_users([world.bot_id])) == 1
        st.fail_next(10, status=500, path_prefix="streams")
        with pytest.raises(HelixUnavailable):
            await helix.get_streams([world.channel_id])
    assert st.helix_calls["GET /helix/streams"] == 5  # 1 + max_retries


async def test_an_expired_token_is_refreshed_once(world: SimWorld) -> None:
    world.state.expire_token(world.bot_access)
    async with world.helix() as helix:
        page = await helix.get_chatters(world.channel_id, world.bot_id)
    assert page.total == 0
    assert world.tokens.refreshes == 1


async def test_a_revoked_token_ends_in_an_auth_error(world: SimWorld) -> None:
    world.state.revoke_token(world.bot_access)
    async with world.helix() as helix:
        with pytest.raises(HelixAuthError):
            await helix.get_chatters(world.channel_id, world.bot_id)


async def test_not_a_moderator_is_forbidden(world: SimWorld) -> None:
    world.state.remove_moderator(world.channel_id, world.bot_id)
    async with world.helix() as helix:
        with pytest.raises(HelixForbidden, match="moderator"):
            await helix.get_chatters(world.channel_id, world.bot_id)


async def test_many_callers_share_a_small_bucket_without_a_429(make_world: SimFactory) -> None:
    world = await make_world(rate_capacity=20, rate_refill_per_s=100.0)
    users = organic(3, 1000).chatters
    world.state.put_users(users)
    limiters = RateLimiters(capacity=20, refill_per_s=100.0)
    async with world.helix(limiters) as helix:
        batches = [[u.user_id for u in users[i : i + 10]] for i in range(0, 1000, 10)]
        results = await asyncio.gather(*(helix.get_users(b) for b in batches))
    assert sum(len(r) for r in results) == 1000
    assert limiters.bucket(None).throttled_count == 0


async def test_waiting_too_long_for_the_rate_limit_gives_up(make_world: SimFactory) -> None:
    world = await make_world(rate_capacity=5, rate_refill_per_s=0.5)
    limiters = RateLimiters(capacity=5, refill_per_s=0.5, reserve_share=0.0)
    async with world.helix(limiters, max_rate_wait_s=0.3) as helix:
        for _ in range(5):
            await helix.get_users([world.bot_id], priority=Priority.CAPTURE)
        with pytest.raises(HelixRateLimited):
            await helix.get_users([world.bot_id], priority=Priority.CAPTURE)


async def test_the_client_has_an_explicit_life(world: SimWorld) -> None:
    helix = world.helix()
    with pytest.raises(HelixError, match="not open"):
        await helix.get_users([1])
    async with helix:
        pass
    await helix.close()  # safe twice
    with pytest.raises(HelixError):
        await helix.open()
    assert isinstance(world.helix(), Helix)
