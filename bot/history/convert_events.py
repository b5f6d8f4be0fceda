"""Pure converters from TwitchIO's stream-event payloads to `StreamEvent` (issue 18).

channel.subscribe, channel.subscription.message, channel.subscription.gift, channel.raid and
channel.follow. Keyed by the EventSub message id like moderation events (a redelivery is
stored once). A raid is an incoming raid of the channel named ``to_broadcaster_user_id`` in the
subscription's condition, or an outgoing raid of ``from_broadcaster_user_id``: when both
channels are served, each of the two notifications makes its own row.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime
from typing import Any

from bot.history.convert import PayloadError, event_time, notification_id
from storage.stream_events import EventKind, StreamEvent


def _id(value: object, what: str) -> int:
    text = str(value) if value is not None else ""
    if not text.isdigit():
        raise PayloadError(f"{what} is not a numeric id: {value!r}")
    return int(text)


def _key(payload: Any, kind: EventKind, channel_id: int, at: datetime, other: object) -> str:
    message_id = notification_id(payload)
    if message_id:
        return f"{message_id}:{kind.value}"
    raw = f"{channel_id}|{kind.value}|{at.isoformat()}|{other}"
    return "derived:" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _user(user: Any) -> tuple[int | None, str]:
    if user is None:
        return None, ""
    uid = str(getattr(user, "id", "") or "")
    return (int(uid) if uid.isdigit() else None), str(getattr(user, "name", "") or "")


def _event(
    payload: Any, kind: EventKind, fallback: datetime, user: Any, **fields: Any
) -> StreamEvent:
    channel_id = _id(payload.broadcaster.id, "broadcaster_user_id")
    at = event_time(payload, fallback)
    user_id, login = _user(user)
    return StreamEvent(
        dedupe_key=_key(payload, kind, channel_id, at, user_id),
        channel_id=channel_id,
        kind=kind,
        at=at,
        user_id=user_id,
        user_login=login,
        **fields,
    )


def subscription(payload: Any, fallback: datetime) -> StreamEvent:
    """channel.subscribe: a new subscription (a gifted one names its recipient)."""
    return _event(payload, EventKind.SUB, fallback, payload.user, tier=str(payload.tier))


def resubscription(payload: Any, fallback: datetime) -> StreamEvent:
    """channel.subscription.message: a resubscription shared in chat, with its months."""
    return _event(
        payload,
        EventKind.RESUB,
        fallback,
        payload.user,
        tier=str(payload.tier),
        months=int(payload.cumulative_months),
        message=str(payload.text or ""),
    )


def gift(payload: Any, fallback: datetime) -> StreamEvent:
    """channel.subscription.gift: someone (or an anonymous gifter) gave subs."""
    user = None if payload.anonymous else payload.user
    return _event(
        payload, EventKind.GIFT, fallback, user, tier=str(payload.tier), amount=int(payload.total)
    )


def follow(payload: Any, fallback: datetime) -> StreamEvent:
    """channel.follow (v2): a new follower."""
    return _event(payload, EventKind.FOLLOW, fallback, payload.user)


def raid(payload: Any, fallback: datetime) -> StreamEvent:
    """channel.raid: incoming or outgoing, by the subscription's condition (module docstring)."""
    condition: dict[str, Any] = {}
    with contextlib.suppress(AttributeError, KeyError, TypeError):
        condition = dict(payload.subscription_data.condition or {})
    outgoing = bool(condition.get("from_broadcaster_user_id")) and not condition.get(
        "to_broadcaster_user_id"
    )
    here, other = (
        (payload.from_broadcaster, payload.to_broadcaster)
        if outgoing
        else (payload.to_broadcaster, payload.from_broadcaster)
    )
    kind = EventKind.RAID_OUT if outgoing else EventKind.RAID_IN
    channel_id = _id(here.id, "raid channel")
    at = event_time(payload, fallback)
    user_id, login = _user(other)
    return StreamEvent(
        dedupe_key=_key(payload, kind, channel_id, at, user_id),
        channel_id=channel_id,
        kind=kind,
        at=at,
        user_id=user_id,
        user_login=login,
        amount=int(payload.viewer_count),
    )
