from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import ChatMessage, Database, ModAction, ModerationEvent, ViewerSample
from storage.history import Removal

T0 = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def msg(i: int, user: int = 1, at: datetime = T0, text: str = "hello") -> ChatMessage:
    return ChatMessage(
        message_id=f"m{i}",
        channel_id=42,
        user_id=user,
        login=f"u{user}",
        display_name="",
        text=text,
        sent_at=at + timedelta(seconds=i),
        emotes=("Kappa",),
        badges=("vip/1",),
    )


async def joined(db: Database) -> None:
    await db.channels.join(42, "chan", "Chan", at=T0)


async def test_redelivered_messages_and_events_are_stored_once(db: Database) -> None:
    await joined(db)
    batch = [msg(1), msg(2)]
    event = ModerationEvent(
        "evt-1",
        42,
        ModAction.TIMEOUT,
        T0 + timedelta(seconds=5),
        moderator_id=9,
        target_id=1,
        duration_s=600,
    )
    await db.history.write_batch(messages=batch, events=[event])
    await db.history.write_batch(messages=batch, events=[event])
    assert await db.history.count_messages(42) == 2
    assert len(await db.history.events(42)) == 1
    stored = await db.history.message("m1")
    assert stored is not None and stored.emotes == ("Kappa",) and stored.badges == ("vip/1",)
    assert stored.deleted_at is not None  # the timeout removed the user's earlier messages


async def test_a_delete_marks_its_message(db: Database) -> None:
    await joined(db)
    await db.history.write_batch(
        messages=[msg(1), msg(2, user=2)],
        events=[
            ModerationEvent(
                "evt-2",
                42,
                ModAction.DELETE,
                T0 + timedelta(seconds=9),
                target_id=2,
                message_id="m2",
            )
        ],
    )
    kept, removed = await db.history.messages(42)
    assert kept.deleted_at is None and removed.deleted_at is not None


async def test_session_peak_and_average_follow_the_samples(db: Database) -> None:
    await joined(db)
    s = await db.history.start_session(
        channel_id=42, stream_id="s1", started_at=T0, title="t", category="c", report_token="x" * 32
    )
    again = await db.history.start_session(
        channel_id=42, stream_id="s1", started_at=T0, title="", category="", report_token="y" * 32
    )
    assert again.session_id == s.session_id and again.title == "t"
    await db.history.add_viewer_samples(
        [
            ViewerSample(s.session_id, T0 + timedelta(minutes=i), v)
            for i, v in enumerate([10, 30, 20])
        ]
    )
    await db.history.end_session(s.session_id, ended_at=T0 + timedelta(hours=1))
    done = await db.history.session(s.session_id)
    assert done is not None and done.peak_viewers == 30 and done.avg_viewers == 20
    assert not done.live and (await db.history.open_sessions()) == []


async def test_retention_drops_old_text_only(db: Database) -> None:
    await joined(db)
    old, new = msg(1, at=T0 - timedelta(days=40)), msg(2)
    await db.history.write_batch(messages=[old, new])
    assert await db.history.forget_text_before(T0 - timedelta(days=30)) == 1
    first, second = await db.history.messages(42)
    assert first.text is None and first.text_length == 5 and second.text == "hello"


async def test_forgetting_a_channel_removes_its_history(db: Database) -> None:
    await joined(db)
    await db.history.write_batch(messages=[msg(1)])
    await db.channels.delete(42)
    assert await db.history.count_messages(42) == 0


async def test_removals_mark_one_message_or_a_users_messages_so_far(db: Database) -> None:
    await joined(db)
    await db.history.write_batch(messages=[msg(1, user=1), msg(2, user=2), msg(3, user=2)])
    cut = T0 + timedelta(seconds=2, milliseconds=500)  # after m2, before m3
    await db.history.write_batch(
        removals=[Removal(42, cut, message_id="m1"), Removal(42, cut, user_id=2)]
    )
    await db.history.write_batch(removals=[Removal(42, cut + timedelta(hours=1), message_id="m1")])
    deleted = {m.message_id: m.deleted_at for m in await db.history.messages(42)}
    assert deleted == {"m1": cut, "m2": cut, "m3": None}  # the first removal's time stays
    assert await db.history.events(42) == []  # removals are not moderation events


async def test_sessions_lists_a_channels_streams_oldest_first(db: Database) -> None:
    await joined(db)
    for i, stream in enumerate(["s2", "s1"]):
        await db.history.start_session(
            channel_id=42,
            stream_id=stream,
            started_at=T0 - timedelta(days=i),
            title="",
            category="",
            report_token=f"t{i}",
        )
    assert [s.stream_id for s in await db.history.sessions(42)] == ["s1", "s2"]
    assert await db.history.sessions(7) == []


async def test_any_text_is_stored_as_it_was_said(db: Database) -> None:
    """Every text comes back as it was said; PostgreSQL text cannot hold NUL, which comes
    back as U+FFFD (the length still counts the original)."""
    await joined(db)
    texts = [
        "literal \\u0000 text",
        'say "hi" \\o/',
        "emoji 🐸🔥 and RTL \u202eabc",
        "tab\tnew\nline",
        "nul \x00 end",
        "",
    ]
    await db.history.write_batch(messages=[msg(i, text=t) for i, t in enumerate(texts)])
    stored = {m.message_id: (m.text, m.text_length) for m in await db.history.messages(42)}
    nul = "\ufffd" if db.name == "postgres" else "\x00"
    assert stored == {f"m{i}": (t.replace("\x00", nul), len(t)) for i, t in enumerate(texts)}
