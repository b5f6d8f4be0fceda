"""Ordinary chat is recorded from the raw notification (`history_convert.chat_notification`),
commands through TwitchIO's model (`history_convert.chat_message`): both must store the same."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from twitchio.models.eventsub_ import create_event_instance

from bot.history.convert import PayloadError, chat_message, chat_notification
from bot.twitch.patches import may_be_command
from twitchsim import payloads
from twitchsim.users import SimUser

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
STREAMER = SimUser(1001, "streamer", "Streamer", T0)
VIEWER = SimUser(2002, "viewer_one", "Viewer_One", T0)
PARENT = SimUser(3003, "parent", "Parent", T0)


def notification(event: dict[str, Any], timestamp: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "message_id": "eventsub-1",
        "message_type": "notification",
        "subscription_type": "channel.chat.message",
        "subscription_version": "1",
    }
    if timestamp is not None:
        meta["message_timestamp"] = timestamp
    sub = {
        "id": "sub-1",
        "status": "enabled",
        "type": "channel.chat.message",
        "version": "1",
        "condition": {"broadcaster_user_id": "1001", "user_id": "9"},
        "transport": {"method": "websocket", "session_id": "s"},
        "created_at": "2026-11-21T19:00:00Z",
        "cost": 0,
    }
    return {"metadata": meta, "payload": {"subscription": sub, "event": event}}


def chat(text: str = "hello Kappa chat", **changes: Any) -> dict[str, Any]:
    event = payloads.chat_message(
        STREAMER,
        VIEWER,
        "msg-1",
        text,
        [
            {"set_id": "subscriber", "id": "12", "info": "14"},
            {"set_id": "vip", "id": "1", "info": ""},
        ],
        reply=None,
        mentionable={},
    )
    event.update(changes)
    return event


REPLY = payloads.reply_object("parent-1", "first!", PARENT, "parent-1", PARENT)

CASES = {
    "plain with badges and an emote": (chat(), "2026-11-21T20:00:01.123456789Z"),
    "no badges, no fragments": (
        chat(badges=[], message={"text": "gg", "fragments": []}),
        "2026-11-21T20:00:01Z",
    ),
    "a cheer": (chat("cheer100 gg", cheer={"bits": 100}), "2026-11-21T20:00:02Z"),
    "a reply": (chat("@parent welcome", reply=REPLY), "2026-11-21T20:00:03Z"),
    "no timestamp: the fallback": (chat(), None),
    "a garbage timestamp: the fallback": (chat(), "yesterday"),
    "empty names": (chat(chatter_user_login="", chatter_user_name=""), "2026-11-21T20:00:04Z"),
    "no display name: the login": (chat(chatter_user_name=""), "2026-11-21T20:00:04Z"),
    "a null display name: the login": (chat(chatter_user_name=None), "2026-11-21T20:00:04Z"),
    "unicode and a NUL": (chat("héllo\x00 ✨ 日本"), "2026-11-21T20:00:05Z"),
}


def through_twitchio(data: dict[str, Any]) -> Any:
    try:
        payload = create_event_instance("channel.chat.message", copy.deepcopy(data), http=None)
    except Exception:  # TwitchIO refuses it: the bot never sees a model
        return "refused"
    try:
        return chat_message(payload, T0)
    except (PayloadError, AttributeError, KeyError, TypeError, ValueError):
        return "refused"


@pytest.mark.parametrize(("event", "stamp"), CASES.values(), ids=CASES.keys())
def test_the_raw_path_stores_what_the_model_path_stores(event: dict[str, Any], stamp: str) -> None:
    data = notification(event, stamp)
    assert chat_notification(copy.deepcopy(data), T0) == through_twitchio(data)


@pytest.mark.parametrize(
    "change",
    [
        {"broadcaster_user_id": "not-a-number"},
        {"chatter_user_id": None},
        {"message_id": ""},
        {"message": {"fragments": []}},
        {"message": {"text": None, "fragments": []}},
        {"badges": [{"id": "1"}]},
        {"cheer": {"bits": "lots"}},
    ],
)
def test_what_the_raw_path_cannot_read_raises(change: dict[str, Any]) -> None:
    """The bot then hands it to TwitchIO's path, which stores or reports it as it always did."""
    data = notification(chat(**change), "2026-11-21T20:00:01Z")
    with pytest.raises((PayloadError, KeyError, TypeError, ValueError)):
        chat_notification(data, T0)


def test_a_notification_without_its_event_raises() -> None:
    with pytest.raises(KeyError):
        chat_notification({"metadata": {}, "payload": {}}, T0)


@pytest.mark.parametrize(
    ("text", "reply_to", "expected"),
    [
        ("!botcheck", None, True),
        ("hello !botcheck", None, False),
        ("@Anna !botcheck help", "Anna", True),  # a reply: Twitch put the mention in front
        ("@Anna hello", "Anna", False),
        ("@Anna !botcheck", None, False),  # not a reply: a mention, then text
        ("@Bob !botcheck", "Anna", False),  # TwitchIO strips only the parent's mention
        ("@... !stats", "", True),  # a parent without names: TwitchIO's mention is "@..."
    ],
)
def test_what_may_be_a_command_follows_twitchio(
    text: str, reply_to: str | None, expected: bool
) -> None:
    assert may_be_command(text, reply_to) is expected


def third_party(channel_id: int, text: str, twitch: Any) -> tuple[str, ...]:
    """A stand-in `EmoteSets.find`: catJAM is a 7TV emote of channel 1001, Kappa one too."""
    table = {"catJAM": "7tv:abc123:catJAM", "Kappa": "7tv:k1:Kappa"} if channel_id == 1001 else {}
    return tuple(table[w] for w in text.split() if w in table and w not in twitch)


def test_both_paths_add_third_party_emotes_after_twitch_ones() -> None:
    data = notification(chat("catJAM hello Kappa catJAM"), "2026-11-21T20:00:01Z")
    raw = chat_notification(copy.deepcopy(data), T0, third_party)
    model = create_event_instance("channel.chat.message", copy.deepcopy(data), http=None)
    assert raw == chat_message(model, T0, third_party)
    # Kappa is Twitch's (a fragment): counted once, as Twitch's.
    assert raw.emotes == ("Kappa", "7tv:abc123:catJAM", "7tv:abc123:catJAM")
