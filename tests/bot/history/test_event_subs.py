"""Which stream-event subscriptions a channel gets, and what the bot says it cannot get."""

from __future__ import annotations

import pytest

from bot.history.event_subs import FOLLOWS_SCOPE, SUBS_SCOPE, plan, sub_key
from bot.settings import parse_stream_events

ALL = frozenset({"subs", "raids", "follows"})
BOT, OWNER = "1000", "1001"


def types(channel: str, **kw: object) -> tuple[list[tuple[str, str]], tuple[str, ...]]:
    args: dict[str, object] = {
        "bot_id": BOT,
        "owner_id": OWNER,
        "kinds": ALL,
        "bot_scopes": (FOLLOWS_SCOPE,),
        "owner_scopes": (),
    } | kw
    p = plan(channel, **args)  # type: ignore[arg-type]
    return [(str(w.payload.type), w.token_for) for w in p.wanted], p.cannot


@pytest.mark.parametrize(
    ("channel", "kw", "wanted", "cannot"),
    [
        pytest.param(
            "42",
            {},
            [("channel.raid", BOT), ("channel.follow", BOT)],
            ("only to the broadcaster's own authorization",),
            id="another-streamer",
        ),
        pytest.param(
            OWNER,
            {"owner_scopes": (SUBS_SCOPE,)},
            [
                ("channel.raid", BOT),
                ("channel.follow", BOT),
                ("channel.subscribe", OWNER),
                ("channel.subscription.message", OWNER),
                ("channel.subscription.gift", OWNER),
            ],
            (),
            id="the-owner-granted-it",
        ),
        pytest.param(
            OWNER,
            {},
            [("channel.raid", BOT), ("channel.follow", BOT)],
            ("authorize as the owner",),
            id="the-owner-not-yet",
        ),
        pytest.param(
            "42",
            {"bot_scopes": ()},
            [("channel.raid", BOT)],
            (FOLLOWS_SCOPE, "only to the broadcaster"),
            id="no-follower-scope",
        ),
        pytest.param(
            "42", {"kinds": frozenset({"raids"})}, [("channel.raid", BOT)], (), id="raids-only"
        ),
        pytest.param("42", {"kinds": frozenset()}, [], (), id="nothing-on"),
    ],
)
def test_plan(
    channel: str, kw: dict[str, object], wanted: list[tuple[str, str]], cannot: tuple[str, ...]
) -> None:
    got, why = types(channel, **kw)
    assert got == wanted
    assert len(why) == len([c for c in cannot if c != FOLLOWS_SCOPE]) + (FOLLOWS_SCOPE in cannot)
    for words in cannot:
        assert any(words in w for w in why), why


def test_raid_out_is_not_the_raid_in() -> None:
    p = plan("42", bot_id=BOT, owner_id=None, kinds={"raids"}, bot_scopes=())
    (raid,) = p.wanted
    assert raid.payload.condition["from_broadcaster_user_id"] == "42"
    mine = sub_key("channel.raid", {"to_broadcaster_user_id": "42", "from_broadcaster_user_id": ""})
    assert sub_key(raid.payload.type, raid.payload.condition) != mine


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        pytest.param("subs,raids,follows", ALL, id="all"),
        pytest.param(" Raids ", frozenset({"raids"}), id="spaces-and-case"),
        pytest.param("none", frozenset(), id="none"),
        pytest.param("", frozenset(), id="empty"),
    ],
)
def test_the_setting(value: str, kinds: frozenset[str]) -> None:
    assert parse_stream_events(value) == kinds


def test_an_unknown_kind_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown stream event kind.*cheers"):
        parse_stream_events("subs,cheers")
