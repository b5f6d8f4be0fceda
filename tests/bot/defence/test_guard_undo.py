"""The guard and `!botcheck undo` racing: a timeout in flight when undo starts, and raid lines
arriving while it runs. After the undo nothing the guard did stays, and the undone raid is not
guarded again; a new raid is (issue 20)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.defence.moderation import BAN_SCOPE
from bot.defence.service import Defence
from storage import ChatMessage, Database
from storage.defence import DONE, FAILED, PENDING, UNDONE, DefenceSettings
from tests.bot.conftest import BOT_SCOPES, SimWorld, join


@dataclass
class Rig:
    world: SimWorld
    defence: Defence
    now: datetime
    sent: int = 0

    def raiders(self, prefix: str, n: int) -> list[tuple[int, str]]:
        out = []
        for i in range(n):
            user = self.world.state.add_user(
                f"{prefix}_{i:02d}", created_at=self.now - timedelta(days=1)
            )
            out.append((int(user.user_id), user.login))
        return out

    async def feed(self, users: list[tuple[int, str]], text: str, at: datetime) -> None:
        """Feed raid lines to the hub, as the recorder would once they are stored."""
        rows = []
        for i, (uid, login) in enumerate(users):
            self.sent += 1
            sent_at = at + timedelta(seconds=i * 0.2)
            channel = self.world.channel_id
            rows.append(ChatMessage(f"m-{self.sent}", channel, uid, login, login, text, sent_at))
        await self.defence.hub.feed(rows)

    @property
    def bans(self) -> set[int]:
        return set(self.world.state.channel(self.world.channel_id).bans)


@pytest.fixture
async def rig(world: SimWorld, db: Database, tmp_path: Path) -> AsyncIterator[Rig]:
    await join(db, world.channel_id)
    access, refresh = world.state.issue_user_token(world.bot_id, [*BOT_SCOPES, BAN_SCOPE])
    world.tokens.add_user(world.bot_id, access, refresh)
    now = datetime.now(UTC)
    async with world.helix(max_rate_wait_s=0.5) as helix:
        defence = Defence(
            db=db,
            helix=helix,
            moderator_id=world.bot_id,
            data_dir=tmp_path,
            public_url="http://127.0.0.1:1",
            page_ttl=timedelta(days=1),
            clock=lambda: datetime.now(UTC),
            interval_s=0.0,
        )
        defence.ages.start()
        await defence.change(DefenceSettings(world.channel_id, guard="timeout"))
        try:
            yield Rig(world, defence, now)
        finally:
            await defence.close()


async def in_flight(rig: Rig, fired: int) -> None:
    """Wait until the sim holds a Helix call in an armed hang (the timeout is in flight)."""
    async with asyncio.timeout(10):
        while rig.world.state.faults.fired < fired:
            await asyncio.sleep(0.01)


async def test_undo_with_a_timeout_in_flight_and_raid_lines_during_it(rig: Rig) -> None:
    defence, channel_id = rig.defence, rig.world.channel_id
    raiders = rig.raiders("spam", 10)
    rig.world.state.hang_next(1, seconds=0.8, path_prefix="/helix/moderation/bans")
    await rig.feed(raiders, "follow my channel now for free stuff", rig.now)
    await in_flight(rig, 1)  # the guard's first timeout is at Twitch, not answered yet

    undo = asyncio.create_task(defence.undo(channel_id))
    await asyncio.sleep(0.05)  # undo waits for the guard's call to land
    assert not undo.done()
    # The raid goes on while the undo runs: a raider writes again, a new account joins it,
    # and a moderator's line ("!botcheck undo" itself) reaches the hub.
    late = rig.raiders("late", 1)
    at = rig.now + timedelta(seconds=3)
    await rig.feed([raiders[0], *late], "follow my channel now for free stuff!", at)
    result = await undo
    await defence.hub.settled()

    assert result.done >= 1  # the in-flight timeout landed and was lifted
    assert rig.bans == set()
    actions = await defence.store.actions(channel_id)
    assert actions and {a.state for a in actions} <= {UNDONE, FAILED}
    assert all(a.detail == "cancelled by !botcheck undo" for a in actions if a.state == FAILED)

    # The undone raid is not guarded again, whatever its accounts say next.
    await rig.feed(raiders[:4], "follow my channel now for free stuff", at + timedelta(seconds=5))
    await defence.hub.settled()
    assert rig.bans == set()
    assert not await defence.store.actions(channel_id, states=(PENDING, DONE))

    # A new raid, after the first one ended (60 s quiet), is guarded again.
    second = rig.raiders("wave", 10)
    await rig.feed(second, "this stream is fake go to xyz", at + timedelta(seconds=120))
    await defence.hub.settled()
    assert rig.bans == {uid for uid, _ in second}
    entries = await defence.db.audit.recent(channel_id=channel_id, limit=50)
    assert {"guard", "undo"} <= {e.command for e in entries}
