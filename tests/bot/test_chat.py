from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.chat import Pacer, parse_login, prefix_keeping_link, quote_user_text, safe_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("/ban someone", "ban someone", id="slash-command"),
        pytest.param(".timeout x 600", "timeout x 600", id="dot-command"),
        pytest.param("  \u200b/me hi", "me hi", id="invisible-then-slash"),
        pytest.param("!botcheck", "botcheck", id="other-bots-trigger"),
        pytest.param("plain text", "plain text", id="plain"),
        pytest.param("a\nb\tc", "a b c", id="whitespace-folds"),
    ],
)
def test_safe_text_never_runs_a_command(text: str, expected: str) -> None:
    assert safe_text(text) == expected


@given(st.text(max_size=3000))
def test_safe_text_always_fits_and_is_inert(text: str) -> None:
    out = safe_text(text)
    assert len(out) <= 500
    assert not out.startswith(("/", ".", "\\", "!", " "))


@given(st.text(max_size=200))
def test_quoted_user_text_is_inert(text: str) -> None:
    out = quote_user_text(text)
    assert "/" not in out and "." not in out and len(out) <= 27


@pytest.mark.parametrize(
    ("raw", "login"),
    [
        pytest.param("@Some_User", "some_user", id="at-and-case"),
        pytest.param("x" * 26, None, id="too-long"),
        pytest.param("bad-name", None, id="dash"),
        pytest.param("", None, id="empty"),
    ],
)
def test_parse_login(raw: str, login: str | None) -> None:
    assert parse_login(raw) == login


def test_prefix_keeps_the_link_whole() -> None:
    link = "https://example.org/r/" + "x" * 32
    text = "word " * 120 + link
    out = prefix_keeping_link("Partial check (rate limited for too long).", text, link)
    assert out.endswith(link) and len(out) <= 500


async def test_pacer_waits_instead_of_exceeding_the_limit() -> None:
    pacer = Pacer(limit=3, window_s=0.4)
    for _ in range(3):
        await pacer.wait_turn("1")
    waiter = asyncio.create_task(pacer.wait_turn("1"))
    await asyncio.sleep(0.05)
    assert not waiter.done()  # the fourth message waits for the window to move
    await pacer.wait_turn("2")  # other channels are not held back
    await asyncio.wait_for(waiter, 5)


async def test_past_the_global_bound_answers_do_not_queue() -> None:
    pacer = Pacer(limit=1, window_s=30, max_waiting=2)
    await pacer.wait_turn("a")  # channel a is now full for 30 s
    waiting = [asyncio.create_task(pacer.wait_turn("a")) for _ in range(2)]
    await asyncio.sleep(0)
    assert pacer.busy and pacer.waiting == 2
    assert not pacer.try_turn("a")  # full: no "busy" answer there either
    assert pacer.try_turn("b")  # another channel with room hears "busy" at once
    for task in waiting:
        task.cancel()
    await asyncio.gather(*waiting, return_exceptions=True)
    assert pacer.waiting == 0 and not pacer.busy
