"""Ban runs and the enforcer against twitchsim's moderation endpoints: paced, recorded,
resumable after a restart, and the guard's faults (Twitch refusing a ban, a 429 storm mid-run,
the bot unmodded mid-run, a missing scope)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from bot.defence.banruns import BanRuns
from bot.defence.enforcer import Enforcer
from bot.defence.moderation import BAN_SCOPE, SHIELD_SCOPE, Outcome
from bot.helix import Helix
from storage import Account, Capture, Database
from storage.defence import DONE, FAILED, PENDING, RUNNING, STOPPED, UNDONE, DefenceStore
from tests.bot.conftest import BOT_SCOPES, SimWorld, join


@dataclass
class Rig:
    world: SimWorld
    db: Database
    helix: Helix
    raiders: list[tuple[int, str]]
    said: list[str] = field(default_factory=list)

    def runs(self, *, interval_s: float = 0.0, retry_s: float = 0.05) -> BanRuns:
        enforcer = Enforcer(
            store=DefenceStore(self.db),
            audit=self.db.audit,
            helix=self.helix,
            moderator_id=self.world.bot_id,
            clock=lambda: datetime.now(UTC),
            interval_s=interval_s,
        )

        async def accounts(capture: Capture) -> list[Account]:
            return []

        async def say(channel_id: int, text: str) -> None:
            self.said.append(text)

        return BanRuns(
            db=self.db,
            enforcer=enforcer,
            capture_accounts=accounts,
            clock=lambda: datetime.now(UTC),
            say=say,
            retry_s=retry_s,
        )

    @property
    def bans(self) -> dict[int, object]:
        return dict(self.world.state.channel(self.world.channel_id).bans)


@pytest.fixture
async def rig(world: SimWorld, db: Database) -> AsyncIterator[Rig]:
    await join(db, world.channel_id)
    access, refresh = world.state.issue_user_token(
        world.bot_id, [*BOT_SCOPES, BAN_SCOPE, SHIELD_SCOPE]
    )
    world.tokens.add_user(world.bot_id, access, refresh)
    raiders = []
    for i in range(12):
        user = world.state.add_user(f"raider_{i:02d}")
        raiders.append((int(user.user_id), user.login))
    async with world.helix(max_rate_wait_s=0.5) as helix:
        yield Rig(world, db, helix, raiders)


async def start_run(rig: Rig, runs: BanRuns, targets: list[tuple[int, str]]) -> int:
    run = await runs.store.new_run(
        rig.world.channel_id, targets, capture_id=None, requested_by="mod", at=datetime.now(UTC)
    )
    return run.run_id


async def test_a_run_bans_everyone_then_unban_lifts_it(rig: Rig) -> None:
    runs = rig.runs()
    run_id = await start_run(rig, runs, rig.raiders)
    assert await runs.resume() == 1
    result = await runs.tasks[run_id]
    assert result.done == 12 and result.stopped is None
    assert set(rig.bans) == {uid for uid, _ in rig.raiders}
    assert (await runs.store.last_run(rig.world.channel_id)).state == DONE  # type: ignore[union-attr]
    assert rig.said[-1].startswith(f"Ban run {run_id}: banned 12")

    run, lifted = await runs.unban_last(rig.world.channel_id)
    assert run is not None and lifted.done == 12
    assert not rig.bans
    states = {a.state for a in await runs.store.actions(rig.world.channel_id, run_id=run_id)}
    assert states == {UNDONE}
    entries = await rig.db.audit.recent(channel_id=rig.world.channel_id)
    assert {"ban-run", "unban"} <= {e.command for e in entries}


async def test_a_restart_mid_run_resumes_where_it_stopped(rig: Rig) -> None:
    first = rig.runs(interval_s=0.05)
    run_id = await start_run(rig, first, rig.raiders)
    first.start((await first.store.runs(state=RUNNING))[0])
    while len(rig.bans) < 4:
        await asyncio.sleep(0.01)
    task = first.tasks[run_id]
    await first.halt(run_id)  # the process stops mid-run (SIGTERM: between two bans)
    assert task.result().halted
    assert (await first.store.last_run(rig.world.channel_id)).state == RUNNING  # type: ignore[union-attr]
    # One ban reached Twitch but its row was never settled: Twitch says "already banned".
    pending = await first.store.actions(rig.world.channel_id, run_id=run_id, states=(PENDING,))
    assert 0 < len(pending) < 12
    rig.world.state.ban(rig.world.channel_id, pending[0].user_id)

    second = rig.runs()  # a new process on the same database
    assert await second.resume() == 1
    result = await second.tasks[run_id]
    assert result.stopped is None
    assert set(rig.bans) == {uid for uid, _ in rig.raiders}
    actions = await second.store.actions(rig.world.channel_id, run_id=run_id)
    assert {a.state for a in actions} == {DONE}
    assert (await second.store.runs(state=RUNNING)) == []


async def test_twitch_refusing_a_ban_skips_that_account(rig: Rig) -> None:
    moderator = rig.world.state.add_user("a_moderator")
    rig.world.state.add_moderator(rig.world.channel_id, moderator.user_id)
    targets = [rig.raiders[0], (int(moderator.user_id), moderator.login), rig.raiders[1]]
    runs = rig.runs()
    run_id = await start_run(rig, runs, targets)
    await runs.resume()
    result = await runs.tasks[run_id]
    assert (result.done, result.refused, result.stopped) == (2, 1, None)
    actions = await runs.store.actions(rig.world.channel_id, run_id=run_id)
    assert [a.state for a in actions] == [DONE, FAILED, DONE]
    assert "may not be banned" in actions[1].detail


async def test_a_429_storm_mid_run_pauses_then_finishes(rig: Rig) -> None:
    runs = rig.runs()
    run_id = await start_run(rig, runs, rig.raiders)
    rig.world.state.fail_next(8, status=429, path_prefix="moderation/bans")
    await runs.resume()
    result = await asyncio.wait_for(runs.tasks[run_id], timeout=60)
    assert result.stopped is None
    assert set(rig.bans) == {uid for uid, _ in rig.raiders}
    entries = await rig.db.audit.recent(channel_id=rig.world.channel_id)
    assert any(e.outcome == "paused" for e in entries)


async def test_the_bot_unmodded_mid_run_stops_and_says_so(rig: Rig) -> None:
    runs = rig.runs(interval_s=0.05)
    run_id = await start_run(rig, runs, rig.raiders)
    await runs.resume()
    while len(rig.bans) < 3:
        await asyncio.sleep(0.01)
    rig.world.state.remove_moderator(rig.world.channel_id, rig.world.bot_id)
    result = await runs.tasks[run_id]
    assert result.stopped is Outcome.NOT_MODERATOR and result.left > 0
    assert (await runs.store.last_run(rig.world.channel_id)).state == STOPPED  # type: ignore[union-attr]
    assert "no longer a moderator" in rig.said[-1]


async def test_a_missing_scope_stops_at_once(rig: Rig) -> None:
    access, refresh = rig.world.state.issue_user_token(rig.world.bot_id, BOT_SCOPES)
    rig.world.tokens.add_user(rig.world.bot_id, access, refresh)
    runs = rig.runs()
    run_id = await start_run(rig, runs, rig.raiders)
    await runs.resume()
    result = await runs.tasks[run_id]
    assert result.stopped is Outcome.NO_SCOPE and result.done == 0
    assert not rig.bans
    assert "lacks a moderation scope" in rig.said[-1]
