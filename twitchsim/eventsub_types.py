"""The EventSub subscription types twitchsim knows, and who must authorize each.

For the WebSocket transport the caller's user token carries the authorization; for the
conduit transport (app token) the user named in the condition must have granted the app the
scope. Subscriptions that need a user's authorization cost 0; the others (stream.online,
stream.offline, channel.raid) cost 1 unless the channel's broadcaster has authorized the app;
conduit.shard.disabled (app token only) costs 0.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubType:
    """One subscription type: its version, condition and authorization."""

    version: str
    keys: tuple[str, ...]  # required condition keys (``any_key``: at least one of them)
    needs_moderator: bool = False  # the authorizing user must moderate the channel
    scopes: tuple[str, ...] = ()  # any one of them; empty: no user authorization
    # The condition key naming the user whose grant counts; None: the token's user
    # (WebSocket) or the broadcaster (conduit).
    owner_key: str | None = None
    any_key: bool = False
    app_only: bool = False  # only with an app token (conduit.shard.disabled)

    def channel_key(self, condition: dict[str, str]) -> str | None:
        """The condition key naming the channel the events come from, if any."""
        for key in ("broadcaster_user_id", "to_broadcaster_user_id", "from_broadcaster_user_id"):
            if condition.get(key):
                return key
        return None


_CHAT = SubType(
    "1", ("broadcaster_user_id", "user_id"), scopes=("user:read:chat",), owner_key="user_id"
)
_SUBS = SubType(
    "1",
    ("broadcaster_user_id",),
    scopes=("channel:read:subscriptions",),
    owner_key="broadcaster_user_id",
)
_MODERATE_SCOPES = (
    "moderator:read:blocked_terms",
    "moderator:read:chat_settings",
    "moderator:read:unban_requests",
    "moderator:read:banned_users",
    "moderator:read:chat_messages",
    "moderator:read:warnings",
    "moderator:read:moderators",
    "moderator:read:vips",
    "moderator:manage:banned_users",
    "moderator:manage:chat_messages",
    "channel:moderate",
)

TYPES: dict[str, SubType] = {
    "channel.chat.message": _CHAT,
    "channel.chat.message_delete": _CHAT,
    "channel.chat.clear_user_messages": _CHAT,
    "channel.moderate": SubType(
        "2",
        ("broadcaster_user_id", "moderator_user_id"),
        needs_moderator=True,
        scopes=_MODERATE_SCOPES,
        owner_key="moderator_user_id",
    ),
    "channel.ban": SubType(
        "1", ("broadcaster_user_id",), needs_moderator=True, scopes=("channel:moderate",)
    ),
    "channel.unban": SubType(
        "1", ("broadcaster_user_id",), needs_moderator=True, scopes=("channel:moderate",)
    ),
    "stream.online": SubType("1", ("broadcaster_user_id",)),
    "stream.offline": SubType("1", ("broadcaster_user_id",)),
    "channel.subscribe": _SUBS,
    "channel.subscription.message": _SUBS,
    "channel.subscription.gift": _SUBS,
    "channel.raid": SubType(
        "1", ("from_broadcaster_user_id", "to_broadcaster_user_id"), any_key=True
    ),
    "channel.follow": SubType(
        "2",
        ("broadcaster_user_id", "moderator_user_id"),
        needs_moderator=True,
        scopes=("moderator:read:followers",),
        owner_key="moderator_user_id",
    ),
    "conduit.shard.disabled": SubType("1", ("client_id",), app_only=True),
}


def missing_key(spec: SubType, condition: dict[str, str]) -> bool:
    """Return whether the condition lacks what the type requires."""
    present = [bool(condition.get(k)) for k in spec.keys]
    return not any(present) if spec.any_key else not all(present)
