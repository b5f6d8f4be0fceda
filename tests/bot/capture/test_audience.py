"""A capture fills its chatters' analysis columns as they land (issue 21).

Whatever way an account arrives (known from storage, looked up, gone, its lookup failed), the
capture's `audience` holds every chatter once, in the order Twitch listed them, so that its
analysis is the analysis of the result's accounts.
"""

from __future__ import annotations

from bot.capture import Capturer, CaptureResult
from reports.analysis import analyze, analyze_audience
from storage import CaptureStatus, Database
from tests.bot.capture.test_capturer import run_capture
from tests.bot.conftest import SimFactory, join
from twitchsim.scenarios import organic


def assert_whole(result: CaptureResult) -> None:
    assert result.audience is not None
    columns = result.audience.columns()
    assert columns.user_ids.tolist() == [a.user_id for a in result.accounts]  # once, in order
    assert columns.accounts == list(result.accounts)
    now = result.capture.finished_at
    assert now is not None
    assert analyze_audience(result.audience, now=now) == analyze(result.accounts, now=now)


async def test_cold_warm_and_failed_lookups_all_land_in_the_audience(
    make_world: SimFactory, db: Database
) -> None:
    world = await make_world(latency_s=0.01)
    scenario = organic(21, 3_200)
    world.state.load_scenario(world.channel_id, scenario)
    await join(db, world.channel_id)
    gone = scenario.chatters[7].user_id
    world.state.users.pop(gone, None)  # Get Users no longer returns it
    async with world.helix() as helix:
        capturer = Capturer(db=db, helix=helix)
        cold = await run_capture(capturer, world, token="a" * 32)
        assert cold.capture.status is CaptureStatus.COMPLETE, cold.capture.status_reason
        assert_whole(cold)
        warm = await run_capture(capturer, world, token="b" * 32)  # everyone known now
        assert_whole(warm)

        # Lookups that keep failing: the capture ends partial, its chatters still all there.
        newcomers = organic(22, 400)
        world.state.load_scenario(world.channel_id, newcomers)
        world.state.fail_next(60, status=503, path_prefix="users")
        partial = await run_capture(capturer, world, token="c" * 32)
    assert partial.capture.status is CaptureStatus.PARTIAL, partial.capture.status_reason
    assert any(a.created_at is None for a in partial.accounts)
    assert_whole(partial)
