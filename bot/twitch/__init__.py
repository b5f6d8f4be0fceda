"""TwitchIO adaptation: its private names (`patches`, the only module that names them), OAuth
onboarding on its web adapter, and the token source Helix borrows from it."""

from __future__ import annotations

from bot.twitch.oauth import BOT_SCOPES, OWNER_SCOPES, BotCheckAdapter, auth_link, scopes
from bot.twitch.patches import PREFIX, Endpoints, may_be_command
from bot.twitch.tokens import MissingTokenError, TwitchIOTokens, save_token

__all__ = [
    "BOT_SCOPES",
    "OWNER_SCOPES",
    "PREFIX",
    "BotCheckAdapter",
    "Endpoints",
    "MissingTokenError",
    "TwitchIOTokens",
    "auth_link",
    "may_be_command",
    "save_token",
    "scopes",
]
