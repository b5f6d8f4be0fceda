from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from storage import Account, CaptureStatus, Database

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CREATED = datetime(2019, 5, 4, 3, 2, 1, tzinfo=UTC)


def account(user_id: int = 1001, login: str = "alice", **kw: object) -> Account:
    base = Account(user_id=user_id, login=login, display_name=login.title(), created_at=CREATED)
    return replace(base, **kw)  # type: ignore[arg-type]


async def test_upsert_keeps_created_at_and_records_a_rename(db: Database) -> None:
    await db.accounts.upsert_many([account()], seen_at=T0)
    later = T0 + timedelta(days=3)
    await db.accounts.upsert_many(
        [account(login="alice_new", created_at=CREATED + timedelta(days=9))], seen_at=later
    )
    stored = await db.accounts.get(1001)
    assert stored is not None
    assert stored.login == "alice_new"
    assert stored.created_at == CREATED
    assert stored.first_seen_at == T0 and stored.last_seen_at == later
    names = await db.accounts.names(1001)
    assert [n.login for n in names] == ["alice", "alice_new"]
    assert await db.accounts.earlier_logins([1001]) == {1001: ["alice"]}
    assert (await db.accounts.by_login("ALICE")) == stored  # found by the old name too


async def test_touch_seen_records_renames_of_known_accounts(db: Database) -> None:
    await db.accounts.upsert_many([account(), account(1002, "bob")], seen_at=T0)
    await db.accounts.touch_seen(
        [(1001, "alice", "Alice"), (1002, "robert", "Robert")], seen_at=T0 + timedelta(hours=1)
    )
    assert await db.accounts.earlier_logins([1001, 1002]) == {1002: ["bob"]}
    bob = await db.accounts.get(1002)
    assert bob is not None and bob.login == "robert" and bob.created_at == CREATED


async def test_gone_accounts_are_kept_with_unknown_creation(db: Database) -> None:
    await db.accounts.add_gone([(5, "ghost", "Ghost")], at=T0)
    ghost = await db.accounts.get(5)
    assert ghost is not None and ghost.created_at is None and ghost.gone_at == T0
    assert await db.accounts.looked_up_ids([5]) == set()


async def test_bulk_upsert_of_a_big_capture_is_one_call(db: Database) -> None:
    accounts = [account(10_000 + i, f"user{i}") for i in range(20_000)]
    assert await db.accounts.upsert_many(accounts, seen_at=T0) == 20_000
    ids = [a.user_id for a in accounts]
    assert len(await db.accounts.looked_up_ids(ids)) == 20_000
    got = await db.accounts.get_many(ids[:500])
    assert set(got) == set(ids[:500])


async def test_capture_life_cycle_and_interruption(db: Database) -> None:
    await db.channels.join(42, "Streamer", "Streamer", at=T0)
    cap = await db.captures.start(
        channel_id=42,
        requested_by_id=7,
        requested_by_login="mod",
        report_token="t" * 32,
        started_at=T0,
    )
    assert cap.status is CaptureStatus.RUNNING
    assert await db.captures.add_chatters(cap.capture_id, [(1, "a"), (2, "b")]) == 2
    assert await db.captures.add_chatters(cap.capture_id, [(2, "b"), (3, "c")]) == 3
    assert await db.captures.mark_interrupted(at=T0, reason="the process stopped") == 1
    done = await db.captures.get(cap.capture_id)
    assert done is not None
    assert done.status is CaptureStatus.INTERRUPTED and done.chatter_count == 3
    assert await db.captures.latest(42) is None  # an interrupted capture has no report
    assert await db.captures.count_with_user(42, 2) == 1


async def test_a_stop_reason_is_kept_beside_its_english(db: Database) -> None:
    await db.channels.join(42, "Streamer", "Streamer", at=T0)
    said = '{"say": "rate limited for too long", "with": {}}'
    ids = []
    for token in "ab":
        cap = await db.captures.start(
            channel_id=42,
            requested_by_id=7,
            requested_by_login="mod",
            report_token=token * 32,
            started_at=T0,
        )
        ids.append(cap.capture_id)
        assert cap.status_said == ""  # a row written without one (or before 0016/0014)
    await db.captures.finish(
        ids[0],
        status=CaptureStatus.PARTIAL,
        finished_at=T0,
        reason="rate limited for too long",
        reason_said=said,
    )
    assert await db.captures.mark_interrupted(at=T0, reason="stopped", reason_said='"x"') == 1
    first, second = [await db.captures.get(i) for i in ids]
    assert first is not None and second is not None
    assert (first.status_reason, first.status_said) == ("rate limited for too long", said)
    assert (second.status_reason, second.status_said) == ("stopped", '"x"')


@pytest.mark.parametrize(
    ("status", "listed"),
    [
        pytest.param(CaptureStatus.COMPLETE, True, id="complete"),
        pytest.param(CaptureStatus.PARTIAL, True, id="partial"),
        pytest.param(CaptureStatus.FAILED, False, id="failed"),
    ],
)
async def test_latest_report_skips_failed_captures(
    db: Database, status: CaptureStatus, listed: bool
) -> None:
    await db.channels.join(42, "s", "S", at=T0)
    cap = await db.captures.start(
        channel_id=42,
        requested_by_id=None,
        requested_by_login="",
        report_token="x" * 32,
        started_at=T0,
    )
    await db.captures.finish(cap.capture_id, status=status, finished_at=T0, reason="r")
    assert (await db.captures.latest(42) is not None) is listed
