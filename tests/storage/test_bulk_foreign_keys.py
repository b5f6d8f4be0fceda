"""The bulk paths' foreign keys hold on both engines: a row whose parent is missing is refused,
and deleting a parent removes its rows. On PostgreSQL three of them (chat_messages.channel_id,
capture_chatters.capture_id, account_names.user_id) are checked once per statement by triggers
(postgres migration 0012) rather than per row by constraints, so this is their contract."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import asyncpg
import pytest

from storage import Account, ChatMessage, Database

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
REFUSED = (sqlite3.IntegrityError, asyncpg.ForeignKeyViolationError)


def msg(i: int, channel_id: int = 42) -> ChatMessage:
    return ChatMessage(
        message_id=f"m{i}",
        channel_id=channel_id,
        user_id=1,
        login="u1",
        display_name="",
        text="hello",
        sent_at=T0,
    )


async def capture(db: Database) -> int:
    await db.channels.join(42, "chan", "Chan", at=T0)
    cap = await db.captures.start(
        channel_id=42,
        requested_by_id=2,
        requested_by_login="mod",
        report_token="t",
        started_at=T0,
    )
    return cap.capture_id


async def test_a_message_of_an_unknown_channel_is_refused_with_its_batch(db: Database) -> None:
    await db.channels.join(42, "chan", "Chan", at=T0)
    with pytest.raises(REFUSED):
        await db.history.write_batch(messages=[msg(1), msg(2, channel_id=43)])
    assert await db.history.count_messages(42) == 0


async def test_chatters_of_an_unknown_capture_are_refused(db: Database) -> None:
    cap = await capture(db)
    with pytest.raises(REFUSED):
        await db.captures.add_chatters(cap + 1, [(1, "u1")])


async def test_a_name_of_an_unknown_account_is_refused(db: Database) -> None:
    with pytest.raises(REFUSED):
        await db.execute(
            "INSERT INTO account_names (user_id, login, display_name, first_seen_at, "
            "last_seen_at) VALUES ($1, $2, $3, $4, $5)",
            7,
            "u7",
            "",
            0,
            0,
        )


async def test_deleting_parents_removes_their_rows(db: Database) -> None:
    cap = await capture(db)
    await db.captures.add_chatters(cap, [(1, "u1"), (2, "u2")])
    await db.accounts.upsert_many(
        [Account(user_id=1, login="u1", display_name="U1", created_at=T0, looked_up_at=T0)],
        seen_at=T0,
    )
    await db.history.write_batch(messages=[msg(1)])
    await db.captures.delete([cap])
    await db.execute("DELETE FROM accounts WHERE user_id = $1", 1)
    await db.channels.delete(42)
    assert await db.captures.chatters(cap) == []
    assert await db.accounts.names(1) == []
    assert await db.history.count_messages(42) == 0


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param("UPDATE chat_messages SET channel_id = 43", id="child"),
        pytest.param("UPDATE channels SET channel_id = 43", id="parent"),
    ],
)
async def test_a_key_of_a_bulk_foreign_key_is_never_changed(pg_url: str, sql: str) -> None:
    async with Database(pg_url) as db:
        await db.channels.join(42, "chan", "Chan", at=T0)
        await db.channels.join(43, "other", "Other", at=T0)
        await db.history.write_batch(messages=[msg(1)])
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            await db.execute(sql)
