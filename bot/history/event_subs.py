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

from collections.abc import Callable, Collection
from dataclasses import dataclass

from twitchio import eventsub

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
