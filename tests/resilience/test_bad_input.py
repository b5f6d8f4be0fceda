"""Bad input: fuzzed command arguments typed in chat, malformed EventSub payloads, broken files
given to `botcheck analyze`. Nothing escapes as an exception, every answer is one inert
message, and what cannot be used is reported and skipped."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from tests.resilience.conftest import VIEWER, Channel, assert_inert, channel_id, wait_for

# Examples are spread over channels: one channel gets at most 100 bot messages per 30 s (the
# pacer waits beyond that, as Twitch requires), which 100 quick examples would reach.
FUZZ_CHANNELS = 4

COMMANDS = ["!botcheck", "!whois", "!report", "!top", "!stats", "!chatstats", "!stream"]

ATTACKS = [
    "/ban everyone",
    ".ban everyone",
    "/me is hacked",
    "\\/ban x",
    "!botcheck",
    " /timeout a 600",
    "\u202e/ban x",  # right-to-left override before a command
    "\u200b/ban x",  # zero-width space before a command
    "\n/ban x",
    "'; DROP TABLE chat_messages; --",
    "<script>alert(1)</script>",
    "%s%s%s%n",
    "{0.__class__.__mro__}",
    "../../../etc/passwd",
    "@" * 600,
    "30d" * 200,
    "9999999999999999999999d",
    "-30d",
    "0d",
    "forget confirm",
    "keep",
    "stream keep",
    "7d 7d 7d",
    "\x00\x01\x02",
]

ARGS = st.one_of(
    st.just(""),
    st.sampled_from(ATTACKS),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=300, max_size=1200),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(ATTACKS), st.text(max_size=20)),
)


class Errors(logging.Handler):
    """Collect every ERROR (or worse) any logger emits: an escaped exception lands here."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
async def fuzz_env(make_env: Any) -> AsyncIterator[tuple[Any, Errors]]:
    errors = Errors()
    root = logging.getLogger()
    root.addHandler(errors)
    try:
        channels = [Channel(f"fuzz_{i}", "organic", 40) for i in range(FUZZ_CHANNELS)]
        async with make_env(channels, cooldown_s=0) as env:
            yield env, errors
    finally:
        root.removeHandler(errors)


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(command=st.sampled_from(COMMANDS), args=ARGS, where=st.integers(0, FUZZ_CHANNELS - 1))
async def test_fuzzed_command_arguments_get_one_inert_answer(
    fuzz_env: tuple[Any, Errors], command: str, args: str, where: int
) -> None:
    env, errors = fuzz_env
    login = f"fuzz_{where}"
    before = len(env.sent(login))
    await env.say(login, env.moderators[login], f"{command} {args}")
    await wait_for(
        lambda: len(env.sent(login)) > before,
        timeout=20,
        what=f"an answer to {command} {args[:60]!r}",
    )
    while env.running.services.capturer.progress(channel_id(env.world, login)) is not None:
        await asyncio.sleep(0.02)  # a check it started: let it end before the next example
    await asyncio.sleep(0.05)
    new = env.sent(login)[before:]
    assert_inert(new)
    for text in new:
        assert "DROP TABLE" not in text and "<script>" not in text
    assert not errors.records, [r.getMessage()[:200] for r in errors.records]
    assert not env.running.task.done()


async def test_malformed_eventsub_payloads_are_logged_and_skipped(
    make_env: Any, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_env() as env:
        world = env.world
        cid = channel_id(world, "chan_a")
        hub = world.hub
        bad_events: list[dict[str, Any]] = [
            {},
            {"message_id": "x"},
            {"broadcaster_user_id": None, "message": None},
            {"broadcaster_user_id": str(cid), "message": {"text": 5}},
            {"broadcaster_user_id": str(cid), "chatter_user_id": [], "message": "str"},
        ]
        with caplog.at_level(logging.WARNING):
            good = await world.say("chan_a", VIEWER, "before the junk")
            for event in bad_events:
                for sub_type in ("channel.chat.message", "channel.moderate", "stream.online"):
                    hub.publish(sub_type, cid, event)
            # A notification that is not even JSON, straight onto the socket.
            for session in hub.sessions.values():
                if session.conn is not None:
                    session.conn.queue.put_nowait("{not json")
                    for frame in (
                        {"metadata": {"message_type": "no_such_type"}, "payload": {}},
                        {
                            "metadata": {
                                "message_type": "notification",
                                "subscription_type": "channel.chat.message",
                            },
                            "payload": {"event": None},
                        },
                    ):
                        session.conn.queue.put_nowait(json.dumps(frame))
            after = await world.say("chan_a", VIEWER, "after the junk")
            asked = await world.say("chan_a", env.moderators["chan_a"], "!botcheck help")
            await env.wait_sent("chan_a", 1, timeout=20)
        await env.running.services.recorder.flush()
        messages = await env.running.services.db.history.messages(cid)
        # What viewers said, and the bot's own answer (it is chat too); none of the junk.
        assert {m.message_id for m in messages if m.login != "botcheck_bot"} == {
            good,
            after,
            asked,
        }
        assert caplog.records  # the junk was logged, not silently swallowed
        assert not env.running.task.done()
        assert cid in env.bot.joined


FRAMES = [
    pytest.param({"metadata": {}, "payload": {}}, id="no-message-type"),
    pytest.param({"payload": {}}, id="no-metadata"),
    pytest.param([1, 2, 3], id="not-an-object"),
    pytest.param({"metadata": {"message_type": "session_welcome"}, "payload": {}}, id="welcome"),
    pytest.param(
        {"metadata": {"message_type": "session_reconnect"}, "payload": {"session": {}}},
        id="reconnect-without-url",
    ),
    pytest.param({"metadata": {"message_type": "revocation"}, "payload": {}}, id="revocation"),
]


@pytest.mark.parametrize("frame", FRAMES)
async def test_frames_twitchio_would_die_on_are_skipped(
    make_env: Any, caplog: pytest.LogCaptureFixture, frame: Any
) -> None:
    """TwitchIO 3.3.2's reader dies on these (bot/compat.py `_checked_frame` guards it): the
    bot must keep reading the same socket, with no reconnect and nothing lost."""
    async with make_env() as env:
        hub = env.world.hub
        sessions = set(hub.sessions)
        with caplog.at_level(logging.WARNING):
            for session in hub.sessions.values():
                assert session.conn is not None
                session.conn.queue.put_nowait(json.dumps(frame))
            line = await env.world.say("chan_a", VIEWER, "right after the bad frame")
            await env.say("chan_a", env.moderators["chan_a"], "!botcheck help")
            await env.wait_sent("chan_a", 1, timeout=10)
        assert "Unable to parse JSON" in caplog.text  # logged
        assert set(hub.sessions) == sessions  # the same socket, still read
        await env.running.services.recorder.flush()
        assert await env.running.services.db.history.message(line) is not None


BROKEN_FILES = [
    pytest.param(
        "broken.csv",
        b"user_id,login,created_at\n"
        b"1,alpha,2020-01-01T00:00:00Z\n"
        b"two,beta,2020-01-01T00:00:00Z\n"
        b"3,gamma,not-a-date\n"
        b"4,,2020-01-01T00:00:00Z\n"
        b"5,delta\n"
        b"6,epsilon,2020-01-02T00:00:00Z\n",
        {3, 4, 5, 6},
        4,
        id="csv-bad-rows",
    ),
    pytest.param(
        "binary.csv",
        b"user_id,login,created_at\n1,alpha,2020-01-01T00:00:00Z\n\xff\xfe\x00garbage\x00\n",
        None,
        None,
        id="csv-binary-garbage",
    ),
    pytest.param(
        "truncated.json", b'[{"user_id": 1, "login": "a", "crea', None, None, id="json-cut"
    ),
    pytest.param(
        "wrong.json",
        b'[{"user_id": 1, "login": "a", "created_at": "2020-01-01T00:00:00Z"}, 5, "x", null]',
        {1},
        3,
        id="json-wrong-items",
    ),
    pytest.param("empty.csv", b"", None, None, id="empty-file"),
    pytest.param(
        "huge-line.csv",
        b"user_id,login,created_at\n1," + b"a" * 2_000_000 + b",2020-01-01T00:00:00Z\n",
        {2},
        1,
        id="a-2-MB-line",
    ),
]


@pytest.mark.parametrize(("name", "content", "bad_lines", "skipped"), BROKEN_FILES)
def test_analyze_reports_broken_input_without_a_traceback(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    bad_lines: set[int] | None,
    skipped: int | None,
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code = main(["analyze", str(path)])  # the `botcheck analyze` entry point, in-process
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert code in (0, 1, 2), code
    if bad_lines:
        for line in bad_lines:
            assert f"line {line}:" in out, out[-2000:]
        assert out.count("(skipped)") == skipped, out[-2000:]  # each bad one, good ones not
    else:
        assert out.strip()  # says something: an analysis or what is wrong
