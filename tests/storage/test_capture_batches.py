"""A capture's buffered writes land in one transaction, and what a capture reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.capture.slim import slim, slim_known
from storage import Account, Database
from storage.capture_batches import CaptureBatch

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CREATED = datetime(2019, 5, 4, 3, 2, 1, tzinfo=UTC)
DEFAULT = "https://static-cdn.jtvnw.net/user-default-pictures-uv/13e5fa74-default-300x300.png"
OWN = "https://static-cdn.jtvnw.net/jtv_user_pictures/abc-profile_image-300x300.png"


async def _capture(db: Database) -> int:
    await db.channels.join(1, "streamer", "Streamer", at=T0)
    row = await db.captures.start(
        channel_id=1,
        requested_by_id=None,
        requested_by_login="mod",
        report_token="tok-batches",
        started_at=T0,
    )
    return row.capture_id


@pytest.mark.parametrize(
    ("avatar", "description"),
    [
        pytest.param(DEFAULT, "", id="default-avatar-empty"),
        pytest.param(OWN, "hello there", id="own-avatar-description"),
        pytest.param("", " \t\n ", id="no-avatar-blank"),
        pytest.param(OWN, "", id="own-avatar-empty"),
        pytest.param("https://x/USER-DEFAULT-PICTURES.png", "x", id="case-matters"),
    ],
)
async def test_brief_reads_give_the_capture_what_full_reads_give(
    db: Database, avatar: str, description: str
) -> None:
    full = Account(7, "alice", "Alice", CREATED, "", "", avatar, description)
    await db.accounts.upsert_many([full], seen_at=T0)
    stored = (await db.accounts.get_many([7]))[7]
    brief = (await db.accounts.get_brief([7, 8]))[7]
    assert slim_known(brief, "alice", "Alice") == slim(stored, "alice", "Alice")


async def test_a_batch_writes_every_kind_in_one_go(db: Database) -> None:
    capture_id = await _capture(db)
    known = [Account(i, f"user{i}", f"User{i}", CREATED) for i in (1, 2)]
    await db.accounts.upsert_many(known, seen_at=T0)
    later = T0 + timedelta(hours=1)
    batch = CaptureBatch(
        capture_id=capture_id,
        at=later,
        looked_up=[Account(3, "newbie", "Newbie", CREATED, profile_image_url=OWN)],
        gone=[(4, "ghost", "Ghost")],
        renamed=[(1, "user1_renamed", "User1_renamed")],
        unchanged=[2],
        chatters=[(1, "user1_renamed"), (2, "user2"), (3, "newbie"), (4, "ghost")],
    )
    assert len(batch) == 8
    await db.capture_batches.write(batch)
    got = await db.accounts.get_many([1, 2, 3, 4])
    assert got[1].login == "user1_renamed" and got[1].last_seen_at == later
    assert got[2].last_seen_at == later
    assert got[3].created_at == CREATED and got[4].gone_at == later
    assert await db.accounts.earlier_logins([1]) == {1: ["user1"]}
    chatters = await db.captures.chatters(capture_id)
    assert sorted(c.user_id for c in chatters) == [1, 2, 3, 4]


async def test_a_batch_that_fails_writes_nothing(db: Database) -> None:
    capture_id = await _capture(db)
    bad = CaptureBatch(
        capture_id=capture_id + 999,  # no such capture: its chatter rows, the last write, fail
        at=T0,
        looked_up=[Account(3, "newbie", "Newbie", CREATED)],
        chatters=[(3, "newbie")],
    )
    with pytest.raises(Exception):  # noqa: B017 - either engine's integrity error
        await db.capture_batches.write(bad)
    assert await db.accounts.get_many([3]) == {}
    assert await db.captures.chatters(capture_id) == []
