"""Our Helix client: paced by one token bucket per token, retried, with typed errors."""

from __future__ import annotations

from bot.helix.answers import (
    MAX_CHATTERS_PAGE,
    MAX_IDS,
    Chatter,
    ChattersPage,
    ModeratedChannel,
    StreamInfo,
)
from bot.helix.client import Helix
from bot.helix.errors import (
    HelixAuthError,
    HelixBadRequest,
    HelixError,
    HelixForbidden,
    HelixRateLimited,
    HelixUnavailable,
)
from bot.helix.layers import TokenSource
from bot.helix.ratelimit import (
    TWITCH_POINTS_PER_MINUTE,
    Priority,
    RateLimitError,
    RateLimiters,
    RateLimitTimeout,
    Ticket,
    TokenBucket,
)

__all__ = [
    "MAX_CHATTERS_PAGE",
    "MAX_IDS",
    "TWITCH_POINTS_PER_MINUTE",
    "Chatter",
    "ChattersPage",
    "Helix",
    "HelixAuthError",
    "HelixBadRequest",
    "HelixError",
    "HelixForbidden",
    "HelixRateLimited",
    "HelixUnavailable",
    "ModeratedChannel",
    "Priority",
    "RateLimitError",
    "RateLimitTimeout",
    "RateLimiters",
    "StreamInfo",
    "Ticket",
    "TokenBucket",
    "TokenSource",
]
