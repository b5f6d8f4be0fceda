"""The newcomer list from recorded chat and the account cache, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import Account, ChatMessage, Database
from storage.newcomers import Newcomers

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHANNEL = 500


def msg(
    n: int, user: Account, text: str, at: datetime, badges: tuple[str, ...] = ()
) -> ChatMessage:
    return ChatMessage(f"m{n}", CHANNEL, user.user_id, user.login, user.login, text, at, badges)


async def test_young_first_time_chatters_newest_first(db: Database) -> None:
    def account(uid: int, login: str, days: float | None) -> Account:
        created = None if days is None else NOW - timedelta(days=days)
        return Account(user_id=uid, login=login, created_at=created)

    for cid in (CHANNEL, CHANNEL + 1):
        await db.channels.join(cid, f"chan{cid}", f"Chan{cid}", at=NOW - timedelta(days=30))
    fresh = account(1, "fresh", 2)
    fresher = account(2, "fresher", 0.5)
    veteran = account(3, "veteran", 900)  # old account, first time here: not young
    back = account(4, "back_again", 3)  # young, but wrote here last week
    unknown = account(5, "not_looked_up", None)  # age unknown yet: not listed
    new_mod = account(6, "new_mod", 1)  # a moderator's badge: never listed
    other = account(7, "elsewhere", 1)  # first message in another channel only
    await db.accounts.upsert_many([fresh, fresher, veteran, back, new_mod, other], seen_at=NOW)
    await db.accounts.upsert_many([Account(user_id=5, login="not_looked_up")], seen_at=NOW)
    hour = timedelta(hours=1)
    rows = [
        msg(1, back, "hi again", NOW - timedelta(days=7)),
        msg(2, fresh, "first words", NOW - 3 * hour),
        msg(3, fresh, "second words", NOW - 2 * hour),
        msg(4, fresher, "hello", NOW - hour),
        msg(5, veteran, "long time lurker", NOW - hour),
        msg(6, back, "back", NOW - hour),
        msg(7, unknown, "who am i", NOW - hour),
        msg(8, new_mod, "hi chat", NOW - hour, ("moderator/1",)),
        ChatMessage("m9", CHANNEL + 1, other.user_id, "elsewhere", "elsewhere", "yo", NOW - hour),
    ]
    await db.history.write_batch(messages=rows)
    found = await Newcomers(db).recent(
        CHANNEL, since=NOW - timedelta(hours=24), young_since=NOW - timedelta(days=7)
    )
    assert [(n.login, n.text) for n in found] == [("fresher", "hello"), ("fresh", "first words")]
    assert found[1].first_at == NOW - 3 * hour
    assert round(found[1].age_days(NOW), 1) == 2.0
    # A shorter window leaves out who first wrote before it; younger accounts only with days=1.
    short = await Newcomers(db).recent(
        CHANNEL, since=NOW - 2 * hour, young_since=NOW - timedelta(days=7)
    )
    assert [n.login for n in short] == ["fresher"]
    young = await Newcomers(db).recent(
        CHANNEL, since=NOW - timedelta(hours=24), young_since=NOW - timedelta(days=1)
    )
    assert [n.login for n in young] == ["fresher"]
