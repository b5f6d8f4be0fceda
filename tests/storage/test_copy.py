from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import (
    Account,
    CaptureStatus,
    ChatMessage,
    Database,
    EventKind,
    ModAction,
    ModerationEvent,
    OAuthToken,
    StreamEvent,
    ViewerSample,
)
from storage.copy import (
    DERIVED,
    TABLES,
    TRANSIENT,
    CopyError,
    check,
    copy_database,
    table_counts,
)
from storage.dashboard import Dashboard

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


async def columns_of(db: Database, table: str) -> set[str]:
    if db.name == "sqlite":
        rows = await db.fetch(f"SELECT name FROM pragma_table_info('{table}')")
    else:
        rows = await db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1", table
        )
    return {r[0] for r in rows} - {"seq"}


async def test_the_copy_moves_every_column_of_both_schemas(db: Database) -> None:
    for table, cols in TABLES:
        assert await columns_of(db, table) == set(cols), table
    tables = (
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        if db.name == "sqlite"
        else "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename != 'schema_version'"
    )
    assert {r[0] for r in await db.fetch(tables)} == {t for t, _ in TABLES} | set(DERIVED) | set(
        TRANSIENT
    )


async def fill(db: Database) -> None:
    """A little of everything, including what is easy to lose: same-millisecond chat order,
    renames, NULLs, a fractional average, unicode."""
    await db.channels.join(42, "chan", "Chan", at=T0)
    await db.channels.join(43, "other", "Other", at=T0)
    await db.channels.leave(43, at=T0 + timedelta(hours=1))
    accounts = [
        Account(
            user_id=100 + i, login=f"u{i}", display_name=f"U{i}", created_at=T0 - timedelta(days=i)
        )
        for i in range(5)
    ]
    await db.accounts.upsert_many(accounts, seen_at=T0)
    await db.accounts.touch_seen([(100, "renamed", "Renamed")], seen_at=T0 + timedelta(days=1))
    await db.accounts.add_gone([(999, "gone", "Gone")], at=T0)
    cap = await db.captures.start(
        channel_id=42,
        requested_by_id=100,
        requested_by_login="u0",
        report_token="tok1",
        started_at=T0,
    )
    await db.captures.add_chatters(cap.capture_id, [(a.user_id, a.login) for a in accounts])
    await db.captures.finish(cap.capture_id, status=CaptureStatus.COMPLETE, finished_at=T0)
    await db.captures.set_result(cap.capture_id, verdict="ok", summary="5 chatters 🐸")
    await db.audit.record(
        at=T0,
        channel_id=42,
        user_id=100,
        user_login="u0",
        command="botcheck",
        args="",
        outcome="ok",
    )
    await db.tokens.save(
        OAuthToken(
            user_id=1,
            login="bot",
            access_token="a",
            refresh_token="r",
            scopes=("user:bot",),
            expires_at=None,
            updated_at=T0,
        )
    )
    same_ms = T0 + timedelta(minutes=5)
    messages = [
        ChatMessage(
            message_id=f"z{i}",
            channel_id=42,
            user_id=100 + i % 3,
            login=f"u{i % 3}",
            display_name="",
            text=f"héllo {i}",
            sent_at=same_ms,
            emotes=("Kappa",) if i % 2 else (),
        )
        for i in range(6)
    ]
    await db.history.write_batch(
        messages=messages,
        events=[
            ModerationEvent(
                "e1", 42, ModAction.TIMEOUT, same_ms, moderator_id=100, target_id=101, duration_s=60
            )
        ],
    )
    session = await db.history.start_session(
        channel_id=42, stream_id="s1", started_at=T0, title="t", category="c", report_token="st1"
    )
    await db.history.add_viewer_samples(
        [ViewerSample(session.session_id, T0 + timedelta(minutes=i), 10 + i) for i in range(4)]
    )
    await db.history.end_session(session.session_id, ended_at=T0 + timedelta(hours=1))
    # Stream events (issue 18): one in the session, one after it (no session), unicode text.
    await db.history.write_batch(
        stream_events=[
            StreamEvent("m1:resub", 42, EventKind.RESUB, T0, 101, "u1", "1000", None, 7, "ça 🐸"),
            StreamEvent("m2:raid_in", 42, EventKind.RAID_IN, T0 + timedelta(hours=2), amount=5),
        ]
    )
    await db.stream_events.set_enabled(42, False)
    dashboard = Dashboard(db)
    await dashboard.set_metrics(cap.capture_id, analysed=5, flagged=1)
    await dashboard.create_session(
        channel_id=42,
        name="raid night",
        capture_ids=[cap.capture_id],
        created_by_id=100,
        created_by_login="u0",
        at=T0,
    )
    await db.api_tokens.add(token="t" * 43, user_id=100, user_login="u0", name="cli", at=T0)
    await db.channels.set_timezone(42, "Europe/Paris")
    await db.channels.set_language(42, "de")


async def dump(db: Database) -> dict[str, list[tuple[object, ...]]]:
    from storage.copy import _order

    out = {}
    for table, cols in TABLES:
        rows = await db.fetch(
            f"SELECT {', '.join(cols)} FROM {table} ORDER BY {_order(table, db.name)}"
        )
        out[table] = [tuple(r) for r in rows]
    return out


async def test_sqlite_to_postgres_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    async with Database(tmp_path / "a.db") as a:
        await fill(a)
        original = await dump(a)
        async with Database(pg_url) as pg:
            counts = await copy_database(a, pg)
            assert counts == await table_counts(a)
            assert await dump(pg) == original
            for table in DERIVED:  # rebuilt by the target's trigger as the chat arrived
                assert await rollup(pg, table) == await rollup(a, table), table
            # New rows continue after the copied ids.
            cap = await pg.captures.start(
                channel_id=42,
                requested_by_id=None,
                requested_by_login="x",
                report_token="tok2",
                started_at=T0,
            )
            assert cap.capture_id > max(r[0] for r in original["captures"])
            async with Database(tmp_path / "b.db") as b:
                await copy_database(pg, b)
                back = await dump(b)
    original["captures"].append(back["captures"][-1])
    assert back == original
    assert [m.message_id for m in await _messages(tmp_path / "b.db")] == [f"z{i}" for i in range(6)]


async def rollup(db: Database, table: str) -> list[tuple[object, ...]]:
    return sorted(tuple(r) for r in await db.fetch(f"SELECT * FROM {table}"))


async def _messages(path: Path) -> list[ChatMessage]:
    async with Database(path) as db:
        return await db.history.messages(42)


async def test_a_target_with_rows_is_refused_unless_forced(db: Database, tmp_path: Path) -> None:
    await fill(db)
    async with Database(tmp_path / "target.db") as target:
        await target.channels.join(7, "seven", "Seven", at=T0)
        with pytest.raises(CopyError, match=r"not empty .*channels 1.*--force"):
            await copy_database(db, target)
        assert (await table_counts(target))["channels"] == 1
        await copy_database(db, target, force=True)
        assert await table_counts(target) == await table_counts(db)
        assert await target.channels.get(7) is None


async def test_check_reports_engine_schema_and_counts(db: Database) -> None:
    await fill(db)
    report = await check(db)
    assert report.engine == db.name
    assert report.schema_version == report.known_schema_version
    assert report.counts["chat_messages"] == 6
    assert report.counts["accounts"] == 6
