"""Subscriptions, gifts, raids and follows in the world, announced over EventSub.

`Community` is a part of `World` (a mixin), like `chat.ChatRoom`. Each method publishes what
Twitch would: a new subscription is channel.subscribe; a resubscription shared in chat is
channel.subscription.message; a gift is channel.subscription.gift followed by one
channel.subscribe (``is_gift``) per recipient; a raid is channel.raid to the subscribers of
either end; a follow is channel.follow (v2). Each returns the number of notifications sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from twitchsim import payloads
from twitchsim.channel import Channel, SimError, UserRef
from twitchsim.eventsub import EventHub
from twitchsim.users import SimUser

TIERS = ("1000", "2000", "3000")


def _tier(tier: str | int) -> str:
    text = str(tier)
    text = {"1": "1000", "2": "2000", "3": "3000"}.get(text, text)
    if text not in TIERS:
        raise SimError(f"tier must be one of {', '.join(TIERS)}, not {tier!r}")
    return text


class Community:
    """Subscriptions, gifts, raids and follows; `World` supplies the registry."""

    hub: EventHub
    clock: Callable[[], float]

    if TYPE_CHECKING:

        def now(self) -> datetime: ...
        def user(self, ref: UserRef) -> SimUser: ...
        def channel(self, ref: UserRef) -> Channel: ...

    def subscribe(self, channel: UserRef, user: UserRef, *, tier: str | int = "1000") -> int:
        """``user`` subscribes to ``channel`` (channel.subscribe)."""
        chan, who = self.channel(channel), self.user(user)
        event = payloads.subscribe(chan.user, who, _tier(tier), False)
        return self.hub.publish("channel.subscribe", chan.id, event)

    def resubscribe(
        self,
        channel: UserRef,
        user: UserRef,
        *,
        months: int,
        text: str = "",
        tier: str | int = "1000",
        streak_months: int | None = None,
        duration_months: int = 1,
    ) -> int:
        """``user`` shares a resubscription of ``months`` months (channel.subscription.message)."""
        if months < 1:
            raise SimError("months must be at least 1")
        chan, who = self.channel(channel), self.user(user)
        event = payloads.subscription_message(
            chan.user,
            who,
            tier=_tier(tier),
            text=text,
            cumulative_months=months,
            streak_months=streak_months,
            duration_months=duration_months,
        )
        return self.hub.publish("channel.subscription.message", chan.id, event)

    def gift(
        self,
        channel: UserRef,
        gifter: UserRef | None,
        recipients: Sequence[UserRef],
        *,
        tier: str | int = "1000",
        cumulative_total: int | None = None,
    ) -> int:
        """``gifter`` (None: anonymous) gifts one subscription to each of ``recipients``."""
        if not recipients:
            raise SimError("a gift needs at least one recipient")
        chan = self.channel(channel)
        who = self.user(gifter) if gifter is not None else None
        level = _tier(tier)
        gifted = [self.user(r) for r in recipients]
        event = payloads.subscription_gift(
            chan.user,
            who,
            total=len(gifted),
            tier=level,
            cumulative_total=cumulative_total if cumulative_total is not None else len(gifted),
        )
        sent = self.hub.publish("channel.subscription.gift", chan.id, event)
        for recipient in gifted:
            event = payloads.subscribe(chan.user, recipient, level, True)
            sent += self.hub.publish("channel.subscribe", chan.id, event)
        return sent

    def raid(self, from_channel: UserRef, to_channel: UserRef, viewers: int) -> int:
        """``from_channel`` raids ``to_channel`` with ``viewers`` viewers (channel.raid)."""
        if viewers < 0:
            raise SimError("viewers must not be negative")
        source, target = self.user(from_channel), self.channel(to_channel)
        event = payloads.raid(source, target.user, viewers)
        sent = self.hub.publish(
            "channel.raid", target.id, event, condition_key="to_broadcaster_user_id"
        )
        return sent + self.hub.publish(
            "channel.raid", source.user_id, event, condition_key="from_broadcaster_user_id"
        )

    def follow(self, channel: UserRef, user: UserRef) -> int:
        """``user`` follows ``channel`` (channel.follow v2)."""
        chan, who = self.channel(channel), self.user(user)
        event = payloads.follow(chan.user, who, self.now())
        return self.hub.publish("channel.follow", chan.id, event)
