"""Chat defence storage on both engines: settings, actions, ban runs, first-time questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import ChatMessage, Database
from storage.defence import DONE, PENDING, RUNNING, UNDONE, DefenceSettings, DefenceStore

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


@pytest.fixture
async def store(db: Database) -> DefenceStore:
    await db.channels.join(42, "chan", "Chan", at=NOW)
    return DefenceStore(db)


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(DefenceSettings(42), id="defaults"),
        pytest.param(DefenceSettings(42, guard="timeout", sensitivity="high"), id="guard"),
        pytest.param(DefenceSettings(42, guard="shield", notice_days=7), id="shield-notice"),
    ],
)
async def test_settings_round_trip(store: DefenceStore, settings: DefenceSettings) -> None:
    assert await store.settings(42) == DefenceSettings(42)
    await store.save_settings(settings, at=NOW)
    assert await store.settings(42) == settings


async def test_bad_settings_are_refused(store: DefenceStore) -> None:
    with pytest.raises(ValueError):
        await store.save_settings(DefenceSettings(42, sensitivity="extreme"), at=NOW)


async def test_actions_and_runs(store: DefenceStore) -> None:
    actions = await store.add_actions(42, "timeout", [(7, "seven"), (8, "eight")], at=NOW)
    assert [a.state for a in actions] == [PENDING, PENDING]
    await store.settle(actions[0].action_id, DONE, at=NOW, detail="ok")
    done = await store.actions(42, since=NOW - timedelta(hours=1), states=(DONE,))
    assert [a.user_id for a in done] == [7]
    assert await store.actions(42, since=NOW + timedelta(hours=1)) == []

    run = await store.new_run(
        42, [(9, "nine"), (10, "ten")], capture_id=None, requested_by="m", at=NOW
    )
    assert run.state == RUNNING
    assert [r.run_id for r in await store.runs(state=RUNNING)] == [run.run_id]
    pending = await store.actions(42, run_id=run.run_id, states=(PENDING,))
    assert [a.login for a in pending] == ["nine", "ten"]
    await store.set_run_state(run.run_id, UNDONE)
    last = await store.last_run(42)
    assert last is not None and last.state == UNDONE


async def test_first_messages_and_earlier_chatters(db: Database, store: DefenceStore) -> None:
    rows = [
        ChatMessage("a", 42, 1, "one", "", "hi", NOW - timedelta(days=3)),
        ChatMessage("b", 42, 1, "one", "", "again", NOW),
        ChatMessage("c", 42, 2, "two", "", "new here", NOW),
    ]
    await db.history.write_batch(messages=rows)
    firsts = await store.first_messages(42, [1, 2, 3])
    assert firsts == {1: NOW - timedelta(days=3), 2: NOW}
    assert await store.wrote_before(42, [1, 2, 3], NOW - timedelta(days=1)) == {1}


async def test_forgetting_the_channel_removes_its_defence_rows(
    db: Database, store: DefenceStore
) -> None:
    await store.save_settings(DefenceSettings(42, guard="timeout"), at=NOW)
    await store.new_run(42, [(9, "nine")], capture_id=None, requested_by="m", at=NOW)
    await db.channels.delete(42)
    assert await store.settings(42) == DefenceSettings(42)
    assert await store.last_run(42) is None
