"""EventSub event bodies as Twitch documents them (every field present, absent ones as null).

Each function returns the ``event`` object of a notification; `eventsub` wraps it in the
metadata and subscription envelope.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from twitchsim.users import SimUser

JSON = dict[str, Any]

# A few global emotes, enough for fragments to carry real ids.
EMOTES: dict[str, str] = {
    "Kappa": "25",
    "Kreygasm": "41",
    "BibleThump": "86",
    "ResidentSleeper": "245",
    "4Head": "354",
    "NotLikeThis": "58765",
    "CoolCat": "58127",
    "SeemsGood": "64138",
    "HeyGuys": "30259",
    "VoHiYo": "81274",
    "LUL": "425618",
    "PogChamp": "305954156",
    "<3": "555555584",
}

_COLORS = (
    "#FF0000",
    "#0000FF",
    "#00FF00",
    "#B22222",
    "#FF7F50",
    "#9ACD32",
    "#FF4500",
    "#2E8B57",
    "#DAA520",
    "#D2691E",
    "#5F9EA0",
    "#1E90FF",
    "#FF69B4",
    "#8A2BE2",
    "#00FF7F",
)


def rfc3339(when: datetime) -> str:
    """Return Twitch's EventSub timestamp form (nanoseconds, Z)."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond * 1000:09d}Z"


def helix_time(when: datetime) -> str:
    """Return Helix's timestamp form (whole seconds, Z)."""
    # This runs once per account rendered: skip the time zone conversion when already UTC.
    if when.tzinfo is not UTC:
        when = when.astimezone(UTC)
    return when.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def color_for(user: SimUser) -> str:
    return _COLORS[user.user_id % len(_COLORS)]


def _who(prefix: str, user: SimUser | None) -> JSON:
    if user is None:
        return {f"{prefix}_id": None, f"{prefix}_login": None, f"{prefix}_name": None}
    return {
        f"{prefix}_id": str(user.user_id),
        f"{prefix}_login": user.login,
        f"{prefix}_name": user.display_name,
    }


def _user_obj(user: SimUser) -> JSON:
    return {"user_id": str(user.user_id), "user_login": user.login, "user_name": user.display_name}


def badges_for(names: list[str]) -> list[JSON]:
    """Turn ``["moderator", "subscriber/12"]`` into Twitch badge objects."""
    out = []
    for name in names:
        set_id, _, version = name.partition("/")
        info = version if set_id in ("subscriber", "founder") and version else ""
        out.append({"set_id": set_id, "id": version or "1", "info": info})
    return out


def fragments(text: str, mentionable: dict[str, SimUser]) -> list[JSON]:
    """Split ``text`` into text, emote and mention fragments the way Twitch does."""
    out: list[JSON] = []
    buf = ""
    for piece in re.split(r"( )", text):
        emote_id = EMOTES.get(piece)
        mention = mentionable.get(piece[1:].lower()) if piece.startswith("@") else None
        if emote_id is None and mention is None:
            buf += piece
            continue
        if buf:
            out.append(_fragment("text", buf))
            buf = ""
        if emote_id is not None:
            emote = {
                "id": emote_id,
                "emote_set_id": "0",
                "owner_id": "0",
                "format": ["static", "animated"] if emote_id == "425618" else ["static"],
            }
            out.append(_fragment("emote", piece, emote=emote))
        elif mention is not None:
            out.append(_fragment("mention", piece, mention=_user_obj(mention)))
    if buf:
        out.append(_fragment("text", buf))
    return out


def _fragment(
    kind: str, text: str, *, emote: JSON | None = None, mention: JSON | None = None
) -> JSON:
    return {"type": kind, "text": text, "cheermote": None, "emote": emote, "mention": mention}


def chat_message(
    broadcaster: SimUser,
    chatter: SimUser,
    message_id: str,
    text: str,
    badges: list[JSON],
    *,
    reply: JSON | None,
    mentionable: dict[str, SimUser],
    color: str | None = None,
) -> JSON:
    """channel.chat.message v1."""
    return {
        **_who("broadcaster_user", broadcaster),
        **_who("chatter_user", chatter),
        "message_id": message_id,
        "message": {"text": text, "fragments": fragments(text, mentionable)},
        "color": color if color is not None else color_for(chatter),
        "badges": badges,
        "message_type": "text",
        "cheer": None,
        "reply": reply,
        "channel_points_custom_reward_id": None,
        "channel_points_animation_id": None,
        "source_broadcaster_user_id": None,
        "source_broadcaster_user_login": None,
        "source_broadcaster_user_name": None,
        "source_message_id": None,
        "source_badges": None,
        "is_source_only": None,
    }


def reply_object(
    parent_id: str, parent_text: str, parent: SimUser, thread_id: str, thread_user: SimUser
) -> JSON:
    return {
        "parent_message_id": parent_id,
        "parent_message_body": parent_text,
        **_who("parent_user", parent),
        "thread_message_id": thread_id,
        **_who("thread_user", thread_user),
    }


def message_delete(broadcaster: SimUser, target: SimUser, message_id: str) -> JSON:
    """channel.chat.message_delete v1."""
    return {
        **_who("broadcaster_user", broadcaster),
        **_who("target_user", target),
        "message_id": message_id,
    }


def clear_user_messages(broadcaster: SimUser, target: SimUser) -> JSON:
    """channel.chat.clear_user_messages v1."""
    return {**_who("broadcaster_user", broadcaster), **_who("target_user", target)}


def ban(
    broadcaster: SimUser,
    target: SimUser,
    *,
    moderator: SimUser,
    reason: str,
    banned_at: datetime,
    ends_at: datetime | None,
) -> JSON:
    """channel.ban v1 (a timeout is a ban with ``ends_at``)."""
    return {
        **_who("user", target),
        **_who("broadcaster_user", broadcaster),
        **_who("moderator_user", moderator),
        "reason": reason,
        "banned_at": rfc3339(banned_at),
        "ends_at": rfc3339(ends_at) if ends_at else None,
        "is_permanent": ends_at is None,
    }


def unban(broadcaster: SimUser, target: SimUser, moderator: SimUser) -> JSON:
    """channel.unban v1."""
    return {
        **_who("user", target),
        **_who("broadcaster_user", broadcaster),
        **_who("moderator_user", moderator),
    }


_MODERATE_KEYS = (
    "followers",
    "slow",
    "vip",
    "unvip",
    "mod",
    "unmod",
    "ban",
    "unban",
    "timeout",
    "untimeout",
    "raid",
    "unraid",
    "delete",
    "automod_terms",
    "unban_request",
    "warn",
    "shared_chat_ban",
    "shared_chat_unban",
    "shared_chat_timeout",
    "shared_chat_untimeout",
    "shared_chat_delete",
)


def moderate(broadcaster: SimUser, moderator: SimUser, action: str, detail: JSON | None) -> JSON:
    """channel.moderate v2: ``action`` names the one detail object that is set."""
    event: JSON = {
        **_who("broadcaster_user", broadcaster),
        **_who("source_broadcaster_user", None),
        **_who("moderator_user", moderator),
        "action": action,
    }
    event.update(dict.fromkeys(_MODERATE_KEYS))
    if detail is not None:
        event[action] = detail
    return event


def moderate_target(target: SimUser, **extra: Any) -> JSON:
    return {**_user_obj(target), **extra}


def stream_online(broadcaster: SimUser, stream_id: str, started_at: datetime) -> JSON:
    """stream.online v1."""
    return {
        "id": stream_id,
        **_who("broadcaster_user", broadcaster),
        "type": "live",
        "started_at": rfc3339(started_at),
    }


def stream_offline(broadcaster: SimUser) -> JSON:
    """stream.offline v1."""
    return _who("broadcaster_user", broadcaster)


# --- community events: subscriptions, gifts, raids, follows ------------------------------------


def subscribe(broadcaster: SimUser, user: SimUser, tier: str, is_gift: bool) -> JSON:
    """channel.subscribe v1 (a new subscription; resubscriptions are subscription.message)."""
    return {
        **_who("user", user),
        **_who("broadcaster_user", broadcaster),
        "tier": tier,
        "is_gift": is_gift,
    }


def subscription_message(
    broadcaster: SimUser,
    user: SimUser,
    *,
    tier: str,
    text: str,
    cumulative_months: int,
    streak_months: int | None,
    duration_months: int,
) -> JSON:
    """channel.subscription.message v1: a resubscription shared in chat."""
    emotes = []
    position = 0
    for piece in text.split(" "):
        if piece in EMOTES:
            emotes.append(
                {"begin": position, "end": position + len(piece) - 1, "id": EMOTES[piece]}
            )
        position += len(piece) + 1
    return {
        **_who("user", user),
        **_who("broadcaster_user", broadcaster),
        "tier": tier,
        "message": {"text": text, "emotes": emotes},
        "cumulative_months": cumulative_months,
        "streak_months": streak_months,
        "duration_months": duration_months,
    }


def subscription_gift(
    broadcaster: SimUser,
    gifter: SimUser | None,
    *,
    total: int,
    tier: str,
    cumulative_total: int | None,
) -> JSON:
    """channel.subscription.gift v1 (``gifter`` None: anonymous)."""
    return {
        **_who("user", gifter),
        **_who("broadcaster_user", broadcaster),
        "total": total,
        "tier": tier,
        "cumulative_total": cumulative_total if gifter is not None else None,
        "is_anonymous": gifter is None,
    }


def raid(from_broadcaster: SimUser, to_broadcaster: SimUser, viewers: int) -> JSON:
    """channel.raid v1."""
    return {
        **_who("from_broadcaster_user", from_broadcaster),
        **_who("to_broadcaster_user", to_broadcaster),
        "viewers": viewers,
    }


def follow(broadcaster: SimUser, user: SimUser, followed_at: datetime) -> JSON:
    """channel.follow v2."""
    return {
        **_who("user", user),
        **_who("broadcaster_user", broadcaster),
        "followed_at": rfc3339(followed_at),
    }
