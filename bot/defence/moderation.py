"""Helix moderation writes for the chat defence: ban, time out, unban, shield mode.

Every call goes through the shared Helix client (its limiter paces the bot's bucket, 429s wait
for Twitch's reset, 5xx are retried) and ends in one `Outcome`, so a run can decide whether to
go on with the next account (done, refused for this one) or stop and resume later (not a
moderator any more, a scope missing, Twitch unavailable).
"""

from __future__ import annotations

import logging
from enum import StrEnum

from bot.helix import Helix, HelixError

log = logging.getLogger(__name__)

BAN_SCOPE = "moderator:manage:banned_users"
SHIELD_SCOPE = "moderator:manage:shield_mode"
GUARD_SCOPES = (BAN_SCOPE, SHIELD_SCOPE)


class Outcome(StrEnum):
    DONE = "done"  # Twitch did it (or it was already so)
    REFUSED = "refused"  # Twitch refused this one (a moderator, a deleted account, ...)
    NOT_MODERATOR = "not-moderator"  # 403: the bot was unmodded: stop
    NO_SCOPE = "no-scope"  # 401: the token lacks the scope: stop
    UNAVAILABLE = "unavailable"  # 429 storm past the wait, 5xx after retries: stop, resume later

    @property
    def stops(self) -> bool:
        """Whether a run must stop here (every later call would end the same way)."""
        return self in (Outcome.NOT_MODERATOR, Outcome.NO_SCOPE, Outcome.UNAVAILABLE)


def _outcome(exc: HelixError, *, already: str) -> tuple[Outcome, str]:
    status = exc.status
    text = str(exc)
    if status == 403:
        return Outcome.NOT_MODERATOR, text
    if status == 401:
        return Outcome.NO_SCOPE, text
    if status == 400 and already in text:
        return Outcome.DONE, f"already so: {text}"
    if status is not None and 400 <= status < 500 and status != 429:
        return Outcome.REFUSED, text
    return Outcome.UNAVAILABLE, text


async def ban(
    helix: Helix,
    channel_id: int,
    moderator_id: int,
    user_id: int,
    *,
    duration_s: int | None = None,
    reason: str = "",
) -> tuple[Outcome, str]:
    """Ban (or, with a duration, time out) one user; return the outcome and a detail."""
    data: dict[str, object] = {"user_id": str(user_id)}
    if duration_s is not None:
        data["duration"] = duration_s
    if reason:
        data["reason"] = reason[:500]
    try:
        await helix.send(
            "POST",
            "moderation/bans",
            {"broadcaster_id": channel_id, "moderator_id": moderator_id},
            user=moderator_id,
            body={"data": data},
        )
    except HelixError as exc:
        return _outcome(exc, already="already banned")
    return Outcome.DONE, ""


async def unban(
    helix: Helix, channel_id: int, moderator_id: int, user_id: int
) -> tuple[Outcome, str]:
    """Lift a ban or a timeout."""
    try:
        await helix.send(
            "DELETE",
            "moderation/bans",
            {"broadcaster_id": channel_id, "moderator_id": moderator_id, "user_id": user_id},
            user=moderator_id,
        )
    except HelixError as exc:
        return _outcome(exc, already="not banned")
    return Outcome.DONE, ""


async def shield(
    helix: Helix, channel_id: int, moderator_id: int, *, active: bool
) -> tuple[Outcome, str]:
    """Turn shield mode on or off."""
    try:
        await helix.send(
            "PUT",
            "moderation/shield_mode",
            {"broadcaster_id": channel_id, "moderator_id": moderator_id},
            user=moderator_id,
            body={"is_active": active},
        )
    except HelixError as exc:
        return _outcome(exc, already="\x00")
    return Outcome.DONE, ""
