"""Pure converters from TwitchIO's EventSub payloads to the storage models of channel history.

Each takes a payload and a fallback time (used when a notification carries no timestamp) and
returns a frozen storage model, or raises `PayloadError` for a payload that cannot be stored.

Moderation events are keyed by the EventSub message id (``metadata.message_id``; TwitchIO keeps
the notification's metadata on every event), which Twitch repeats when it redelivers a
notification: a redelivery is stored once. A payload without metadata (never seen over the
WebSocket) gets a key derived from its own fields instead, which is stable for one notification.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import Any

import twitchio

from storage.history import Removal
from storage.models import ChatMessage, ModAction, ModerationEvent

# Third-party emotes in a message: (channel id, text, its Twitch emotes) -> their column tokens
# (`bot.emotes.EmoteSets.find`).
EmoteFinder = Callable[[int, str, Collection[str]], tuple[str, ...]]


class PayloadError(ValueError):
    """An EventSub payload that lacks what the history needs (logged and skipped)."""


_ACTIONS = {
    "ban": ModAction.BAN,
    "timeout": ModAction.TIMEOUT,
    "unban": ModAction.UNBAN,
    "untimeout": ModAction.UNTIMEOUT,
    "delete": ModAction.DELETE,
}

# channel.moderate actions whose detail sits under another attribute name in TwitchIO.
_DETAIL_ATTR = {
    "shared_chat_ban": "shared_ban",
    "shared_chat_unban": "shared_unban",
    "shared_chat_timeout": "shared_timeout",
    "shared_chat_untimeout": "shared_untimeout",
    "shared_chat_delete": "shared_delete",
}


def _int_id(value: object, what: str) -> int:
    text = str(value) if value is not None else ""
    if not text.isdigit():
        raise PayloadError(f"{what} is not a numeric id: {value!r}")
    return int(text)


def _opt_id(value: object) -> int | None:
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() else None


def event_time(payload: Any, fallback: datetime) -> datetime:
    """When Twitch sent the notification (``metadata.message_timestamp``), else ``fallback``."""
    try:
        when = payload.timestamp
    except (AttributeError, KeyError, TypeError, ValueError):
        return fallback
    if not isinstance(when, datetime):
        return fallback
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def notification_id(payload: Any) -> str | None:
    """The EventSub message id of the notification that carried ``payload`` (if known)."""
    try:
        meta = payload.metadata
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    value = getattr(meta, "message_id", None)
    return str(value) if value else None


def chat_message(
    payload: twitchio.ChatMessage, fallback: datetime, find: EmoteFinder | None = None
) -> ChatMessage:
    """channel.chat.message -> ChatMessage (login and badges as they were at that moment).

    `find` adds the message's third-party emotes after its Twitch ones.
    """
    message_id = payload.id
    if not message_id:
        raise PayloadError("chat message without an id")
    chatter = payload.chatter
    cheer = payload.cheer
    reply = payload.reply
    channel_id = _int_id(payload.broadcaster.id, "broadcaster_user_id")
    emotes = tuple(f.text for f in payload.fragments if f.type == "emote")
    if find is not None:
        emotes += find(channel_id, payload.text, emotes)
    return ChatMessage(
        message_id=str(message_id),
        channel_id=channel_id,
        user_id=_int_id(chatter.id, "chatter_user_id"),
        login=chatter.name or "",
        display_name=chatter.display_name or "",
        text=payload.text,
        sent_at=event_time(payload, fallback),
        badges=tuple(f"{b.set_id}/{b.id}" for b in payload.badges),
        bits=cheer.bits if cheer is not None else 0,
        emotes=emotes,
        reply_parent_id=reply.parent_message_id if reply is not None else None,
        reply_parent_user_id=_opt_id(reply.parent_user.id) if reply is not None else None,
    )


def chat_notification(
    data: Mapping[str, Any], fallback: datetime, find: EmoteFinder | None = None
) -> ChatMessage:
    """A raw channel.chat.message notification -> ChatMessage, the same as `chat_message`.

    The bot records ordinary chat from the notification itself (no TwitchIO model): the model
    costs more than everything else a message needs. Raises `PayloadError` (or KeyError,
    TypeError) for a notification that cannot be read; the caller then takes TwitchIO's path.
    """
    event = data["payload"]["event"]
    message_id = event["message_id"]
    if not message_id:
        raise PayloadError("chat message without an id")
    message = event["message"]
    text = message["text"]
    if not isinstance(text, str):
        raise PayloadError("chat message without a text")
    cheer = event.get("cheer")
    reply = event.get("reply")
    channel_id = _int_id(event["broadcaster_user_id"], "broadcaster_user_id")
    emotes = tuple(f["text"] for f in message.get("fragments") or () if f.get("type") == "emote")
    if find is not None:
        emotes += find(channel_id, text, emotes)
    return ChatMessage(
        message_id=str(message_id),
        channel_id=channel_id,
        user_id=_int_id(event["chatter_user_id"], "chatter_user_id"),
        login=event.get("chatter_user_login") or "",
        display_name=event.get("chatter_user_name") or event.get("chatter_user_login") or "",
        text=text,
        sent_at=_notification_time(data.get("metadata"), fallback),
        badges=tuple(f"{b['set_id']}/{b['id']}" for b in event.get("badges") or ()),
        bits=int(cheer["bits"]) if cheer else 0,
        emotes=emotes,
        reply_parent_id=reply["parent_message_id"] if reply else None,
        reply_parent_user_id=_opt_id(reply.get("parent_user_id")) if reply else None,
    )


def _notification_time(metadata: object, fallback: datetime) -> datetime:
    """``metadata.message_timestamp`` as `event_time` reads it from a TwitchIO model."""
    when = metadata.get("message_timestamp") if isinstance(metadata, Mapping) else None
    try:
        at = datetime.fromisoformat(when) if isinstance(when, str) else None
    except ValueError:
        at = None
    if at is None:
        return fallback
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _target(payload: Any, action: str) -> tuple[Any, Any]:
    """Return (detail, user) for the channel.moderate action, either possibly None."""
    detail = getattr(payload, _DETAIL_ATTR.get(action, action), None)
    if detail is None or callable(detail):
        return None, None
    if isinstance(detail, twitchio.PartialUser):
        return detail, detail  # unban, untimeout, vip, mod, ...: the detail is the user
    user = getattr(detail, "user", None)
    return detail, user if isinstance(user, twitchio.PartialUser) else None


def moderation_event(payload: twitchio.ChannelModerate, fallback: datetime) -> ModerationEvent:
    """channel.moderate (v2) -> ModerationEvent, with the acting moderator."""
    action = str(getattr(payload, "action", "") or "")
    if not action:
        raise PayloadError("channel.moderate without an action")
    channel_id = _int_id(payload.broadcaster.id, "broadcaster_user_id")
    at = event_time(payload, fallback)
    detail, user = _target(payload, action)
    kind = _ACTIONS.get(action, ModAction.OTHER)
    reason = str(getattr(detail, "reason", None) or "") if kind is not ModAction.OTHER else action
    duration: int | None = None
    expires = getattr(detail, "expires_at", None)
    if kind is ModAction.TIMEOUT and isinstance(expires, datetime):
        duration = max(0, round((expires - at).total_seconds()))
    message_id = getattr(detail, "message_id", None) if kind is ModAction.DELETE else None
    moderator = payload.moderator
    key = notification_id(payload) or _derived_key(channel_id, action, at, user, message_id)
    return ModerationEvent(
        dedupe_key=key,
        channel_id=channel_id,
        action=kind,
        at=at,
        moderator_id=_opt_id(moderator.id) if moderator is not None else None,
        moderator_login=(moderator.name or "") if moderator is not None else "",
        target_id=_opt_id(user.id) if user is not None else None,
        target_login=(user.name or "") if user is not None else "",
        message_id=str(message_id) if message_id else None,
        reason=reason,
        duration_s=duration,
    )


def _derived_key(channel_id: int, action: str, at: datetime, user: Any, message_id: Any) -> str:
    uid = getattr(user, "id", "") if user is not None else ""
    raw = f"{channel_id}|{action}|{at.isoformat()}|{uid}|{message_id or ''}"
    return "derived:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def message_removal(payload: twitchio.ChatMessageDelete, fallback: datetime) -> Removal:
    """channel.chat.message_delete -> the message is marked removed."""
    if not payload.message_id:
        raise PayloadError("message_delete without a message id")
    return Removal(
        channel_id=_int_id(payload.broadcaster.id, "broadcaster_user_id"),
        at=event_time(payload, fallback),
        message_id=str(payload.message_id),
    )


def user_removal(payload: twitchio.ChannelChatClearUserMessages, fallback: datetime) -> Removal:
    """channel.chat.clear_user_messages -> the user's messages so far are marked removed."""
    return Removal(
        channel_id=_int_id(payload.broadcaster.id, "broadcaster_user_id"),
        at=event_time(payload, fallback),
        user_id=_int_id(payload.user.id, "target_user_id"),
    )
