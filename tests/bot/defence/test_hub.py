"""The detector hub: fed by the recorder's stored rows, first-time-here from storage, account
ages from the cache and Get Users in batches of 100, a trip handed on once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.defence.ages import AccountAges
from bot.defence.hub import ChannelState, DefenceHub
from bot.history.recorder import Recorder
from reports.raid_model import Raid
from storage import ChatMessage, Database
from storage.defence import DefenceSettings, DefenceStore
from tests.bot.conftest import SimWorld, join


def message(
    n: int, channel_id: int, user_id: int, login: str, text: str, at: datetime
) -> ChatMessage:
    return ChatMessage(f"m-{n}", channel_id, user_id, login, login, text, at)


async def test_stored_rows_reach_the_detector_and_a_spam_raid_trips_once(
    world: SimWorld, db: Database
) -> None:
    await join(db, world.channel_id)
    now = datetime.now(UTC)
    raiders = [
        world.state.add_user(f"spam_{i:02d}", created_at=now - timedelta(days=1)) for i in range(10)
    ]
    regular = world.state.add_user("old_friend", created_at=now - timedelta(days=2000))
    await db.history.write_batch(
        messages=[
            message(
                0, world.channel_id, regular.user_id, regular.login, "hey", now - timedelta(days=3)
            )
        ]
    )
    trips: list[Raid] = []
    active: list[Raid] = []

    async def on_raid(state: ChannelState, raid: Raid) -> None:
        trips.append(raid)

    async with world.helix() as helix:
        ages = AccountAges(db.accounts, helix, clock=lambda: now, batch_wait_s=0.01)
        hub = DefenceHub(
            store=DefenceStore(db),
            ages=ages,
            on_raid=on_raid,
            on_active=lambda state, raid: active.append(raid),
        )
        hub.start()
        ages.start()
        recorder = Recorder(db.history, interval_s=0.01)
        recorder.add_listener(hub.on_stored)
        async with recorder:
            rows = [
                message(
                    i + 1,
                    world.channel_id,
                    u.user_id,
                    u.login,
                    f"follow my channel now {i % 3}",
                    now + timedelta(seconds=i * 0.3),
                )
                for i, u in enumerate(raiders)
            ]
            rows.append(
                message(99, world.channel_id, regular.user_id, regular.login, "hello again", now)
            )
            for row in rows:
                await recorder.put(row)
            await recorder.flush()
        await hub.settled()
        await hub.close()
        await ages.close()

    assert len(trips) == 1
    raid = trips[0]
    assert raid.is_hostile and "raid" in raid.headline().lower()
    ids = {a.user_id for a in raid.accounts}
    assert ids <= {u.user_id for u in raiders} and len(ids) >= 6
    assert regular.user_id not in ids
    state = hub.channels[world.channel_id]
    assert regular.user_id in state.seen
    assert active and active[-1].is_hostile
    assert hub.fed == 11


async def test_unknown_accounts_are_looked_up_in_batches_of_100(
    world: SimWorld, db: Database
) -> None:
    now = datetime.now(UTC)
    users = [
        world.state.add_user(f"viewer_{i:03d}", created_at=now - timedelta(days=i + 1))
        for i in range(150)
    ]
    async with world.helix() as helix:
        ages = AccountAges(db.accounts, helix, clock=lambda: now, batch_wait_s=0.01)
        await ages.fill(u.user_id for u in users)
        assert ages.queued == 150
        calls = helix.calls
        await ages.lookup([u.user_id for u in users[:100]])
        await ages.lookup([u.user_id for u in users[100:]])
        assert helix.calls - calls == 2
    assert ages.queued == 0
    assert ages.created(users[5].user_id) is not None
    stored = await db.accounts.get_many([users[0].user_id])
    assert stored[users[0].user_id].created_at is not None  # into the account cache


async def test_settings_change_the_detector(world: SimWorld, db: Database) -> None:
    await join(db, world.channel_id)

    async def on_raid(state: ChannelState, raid: Raid) -> None:
        return None

    async with world.helix() as helix:
        ages = AccountAges(db.accounts, helix, clock=lambda: datetime.now(UTC))
        hub = DefenceHub(
            store=DefenceStore(db), ages=ages, on_raid=on_raid, on_active=lambda s, r: None
        )
        state = await hub.channel(world.channel_id)
        assert state.settings == DefenceSettings(world.channel_id)
        before = state.detector
        await hub.apply(DefenceSettings(world.channel_id, sensitivity="high"))
        assert state.detector is not before and state.detector.thresholds.min_messages == 5
