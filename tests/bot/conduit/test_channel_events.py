"""Stream events on the conduit (issue 18): the join loop subscribes each channel to those that
are on and within reach, says once what cannot be had, and a channel's switch (`refresh`)
deletes and makes them again; chat defence's incoming raid always stays."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.bot import CHANNEL_SUBSCRIPTIONS
from bot.conduit.channels import ConduitChannels
from bot.helix.conduits import Conduits
from bot.twitch.oauth import BOT_SCOPES
from bot.twitch.tokens import save_token
from storage import Database
from tests.bot.conftest import SimWorld

KINDS = frozenset({"subs", "raids", "follows"})


class NoClaims:
    """The claims `ConduitChannels` reports its cost to (PostgreSQL's advisory locks elsewhere)."""

    async def record_state(self, **state: Any) -> None:
        self.state = state


def kinds_of(world: SimWorld, channel: int) -> list[str]:
    out = []
    for s in world.state.hub.subs.values():
        c = s.condition
        if str(channel) not in c.values():
            continue
        if s.type == "channel.raid":
            out.append("raid_out" if c.get("from_broadcaster_user_id") else "raid_in")
        else:
            out.append(s.type)
    return sorted(out)


async def loop(world: SimWorld, db: Database, helix: Any, scopes: tuple[str, ...]) -> Any:
    world.state.issue_user_token(world.bot_id, scopes)  # what Twitch knows the bot granted
    await save_token(
        db,
        user_id=str(world.bot_id),
        login="botcheck_bot",
        access_token=world.bot_access,
        refresh_token="r",
        scopes=list(scopes),
        expires_in=4 * 3600,
    )
    conduits = Conduits(helix)
    conduit = await conduits.create(1)
    return ConduitChannels(
        db=db,
        helix=helix,
        conduits=conduits,
        claims=NoClaims(),  # type: ignore[arg-type]
        conduit_id=conduit.id,
        shard_count=1,
        bot_id=str(world.bot_id),
        factories=CHANNEL_SUBSCRIPTIONS,
        joined={},
        clock=lambda: datetime.now(UTC),
        join_interval_s=300.0,
        owner_id=None,
        event_kinds=KINDS,
    )


async def test_the_switch_deletes_and_makes_them_and_the_log_says_why_once(
    world: SimWorld, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    channel = world.channel_id
    basics = len(CHANNEL_SUBSCRIPTIONS)
    async with world.helix() as helix:
        channels = await loop(world, db, helix, tuple(BOT_SCOPES))
        await channels.sync()
        have = kinds_of(world, channel)
        assert len(have) == basics + 2
        assert {"raid_in", "raid_out", "channel.follow"} <= set(have)
        assert "channel.subscribe" not in have  # the owner's channel only
        await channels.sync()  # nothing new: nothing made, and said once
        assert len(kinds_of(world, channel)) == basics + 2
        assert caplog.text.count("cannot get subscriptions") == 1
        assert "a moderator cannot be granted it" in caplog.text

        await db.stream_events.set_enabled(channel, False)
        await channels.refresh(channel, "streamer")
        off = kinds_of(world, channel)
        assert len(off) == basics and "raid_in" in off and "channel.follow" not in off
        await channels.sync()  # the join loop keeps them off
        assert kinds_of(world, channel) == off
        await db.stream_events.set_enabled(channel, True)
        await channels.refresh(channel, "streamer")
        assert kinds_of(world, channel) == have
        assert "stream events in streamer: deleted the channel.follow subscription" in caplog.text


async def test_without_the_followers_scope_follows_are_out_of_reach(
    world: SimWorld, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    scopes = tuple(s for s in BOT_SCOPES if s != "moderator:read:followers")
    async with world.helix() as helix:
        channels = await loop(world, db, helix, scopes)
        await channels.sync()
        have = kinds_of(world, world.channel_id)
        assert "raid_out" in have and "channel.follow" not in have
        assert "follows: the bot account has not granted moderator:read:followers" in caplog.text
