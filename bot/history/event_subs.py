"""Which stream-event subscriptions a channel gets, and which it cannot get and why (issue 18).

What Twitch requires (EventSub subscription types):

- channel.raid (in: ``to_broadcaster_user_id``, out: ``from_broadcaster_user_id``): no
  authorization at all; the incoming one is chat defence's subscription already.
- channel.follow v2: a moderator's (or the broadcaster's) token with ``moderator:read:followers``,
  the moderator named in the condition: the bot account, which moderates the channel.
- channel.subscribe, channel.subscription.message, channel.subscription.gift:
  ``channel:read:subscriptions`` granted by the channel's BROADCASTER. Over the WebSocket the
  subscribing token must be the broadcaster's own: a moderator can never get them for someone
  else's channel. botcheck holds only the bot account's and the owner's tokens, so it gets them
  only in the owner's own channel, once the owner authorized with that scope.

`plan` is pure: what is switched on (the setting and the channel's switch), whose channel it
is, and the scopes of the two tokens in; the subscriptions to make (with whose token) and the
sentences for what cannot be had out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from twitchio import eventsub

from storage import Database

log = logging.getLogger(__name__)

SUBS_SCOPE = "channel:read:subscriptions"
FOLLOWS_SCOPE = "moderator:read:followers"

_SUB_TYPES: tuple[Callable[..., eventsub.SubscriptionPayload], ...] = (
    eventsub.ChannelSubscribeSubscription,
    eventsub.ChannelSubscribeMessageSubscription,
    eventsub.ChannelSubscriptionGiftSubscription,
)


@dataclass(frozen=True, slots=True)
class Wanted:
    """One subscription to make, and whose token makes it (a user id)."""

    payload: eventsub.SubscriptionPayload
    token_for: str


@dataclass(frozen=True, slots=True)
class Plan:
    wanted: tuple[Wanted, ...]
    cannot: tuple[str, ...]  # one sentence per kind that is on but out of reach


def plan(
    channel_id: str,
    *,
    bot_id: str,
    owner_id: str | None,
    kinds: Collection[str],
    bot_scopes: Collection[str],
    owner_scopes: Collection[str] = (),
) -> Plan:
    """Return the stream-event subscriptions for one channel (see the module docstring)."""
    wanted: list[Wanted] = []
    cannot: list[str] = []
    if "raids" in kinds:
        out = eventsub.ChannelRaidSubscription(from_broadcaster_user_id=channel_id)
        wanted.append(Wanted(out, bot_id))
    if "follows" in kinds:
        if FOLLOWS_SCOPE in bot_scopes:
            follow = eventsub.ChannelFollowSubscription(
                broadcaster_user_id=channel_id, moderator_user_id=bot_id
            )
            wanted.append(Wanted(follow, bot_id))
        else:
            cannot.append(
                f"follows: the bot account has not granted {FOLLOWS_SCOPE} (authorize it "
                "again from `botcheck auth`)"
            )
    if "subs" in kinds:
        if channel_id == owner_id and SUBS_SCOPE in owner_scopes:
            wanted += [
                Wanted(make(broadcaster_user_id=channel_id), channel_id) for make in _SUB_TYPES
            ]
        elif channel_id == owner_id:
            cannot.append(
                f"subscriptions: Twitch needs the broadcaster's {SUBS_SCOPE}; authorize as "
                "the owner again from `botcheck auth` to grant it"
            )
        else:
            cannot.append(
                f"subscriptions: Twitch sends them only to the broadcaster's own authorization "
                f"({SUBS_SCOPE}); the bot is a moderator here, and a moderator cannot be "
                "granted it"
            )
    return Plan(tuple(wanted), tuple(cannot))


def sub_key(type_: Any, condition: Mapping[str, Any]) -> tuple[str, frozenset[tuple[str, str]]]:
    """A subscription's type and condition, comparable between TwitchIO's two spellings."""
    kind = str(getattr(type_, "value", type_))
    return kind, frozenset((k, str(v)) for k, v in condition.items() if v)


_EVENT_TYPES = frozenset(
    {
        "channel.subscribe",
        "channel.subscription.message",
        "channel.subscription.gift",
        "channel.follow",
    }
)


def is_stream_event(key: tuple[str, frozenset[tuple[str, str]]]) -> bool:
    """Whether a subscription (its `sub_key`) is one of the stream events the channel's switch
    governs: an incoming raid is chat defence's and stays."""
    kind, condition = key
    if kind == "channel.raid":
        return any(k == "from_broadcaster_user_id" for k, _ in condition)
    return kind in _EVENT_TYPES


def of_channel(channel_id: int, type_: Any, condition: Mapping[str, Any]) -> bool:
    """Whether a subscription is one of the channel's stream events (see `is_stream_event`)."""
    key = sub_key(type_, condition)
    named = {k: v for k, v in key[1]}
    channel = named.get("broadcaster_user_id") or named.get("from_broadcaster_user_id")
    return channel == str(channel_id) and is_stream_event(key)


async def subscribe_channel(
    channel_id: int,
    login: str,
    *,
    db: Database,
    kinds: Collection[str],
    bot_id: str,
    owner_id: str | None,
    existing: Iterable[tuple[Any, Mapping[str, Any]]],
    subscribe: Callable[[eventsub.SubscriptionPayload, str], Awaitable[object]],
    told: set[int],
) -> None:
    """Make the channel's stream-event subscriptions that are on, within reach and not made yet
    (`subscribe(payload, user id of the token)`); log once per channel (`told`) what is not
    within reach and why. A refused subscription is logged; the channel stays joined."""
    if not kinds or not await db.stream_events.enabled(channel_id):
        return
    bot_token = await db.tokens.get(int(bot_id))
    owner_token = await db.tokens.get(int(owner_id)) if owner_id else None
    wanted = plan(
        str(channel_id),
        bot_id=bot_id,
        owner_id=owner_id,
        kinds=kinds,
        bot_scopes=bot_token.scopes if bot_token else (),
        owner_scopes=owner_token.scopes if owner_token else (),
    )
    if wanted.cannot and channel_id not in told:
        told.add(channel_id)
        log.warning("stream events in %s: cannot get %s", login, "; ".join(wanted.cannot))
    have = {sub_key(t, c) for t, c in existing}
    for w in wanted.wanted:
        if sub_key(w.payload.type, w.payload.condition) in have:
            continue  # made already (the owner authorized again, say)
        try:
            await subscribe(w.payload, w.token_for)
        except Exception as exc:  # the channel stays joined without this one
            log.warning("stream events in %s: %s refused: %s", login, w.payload.type, exc)
