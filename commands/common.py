"""What every command family shares: who may run it, how it answers, what it records."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import twitchio

from bot.chat import safe_text

if TYPE_CHECKING:
    from twitchio.ext import commands

    from bot.bot import BotCheckBot

log = logging.getLogger("botcheck.audit")

# A reply that Twitch fails with a 5xx, a 429 or a dropped connection is tried again.
SEND_ATTEMPTS = 3
SEND_RETRY_S = 0.5


def bot_of(ctx: commands.Context[Any]) -> BotCheckBot:
    return ctx.bot  # type: ignore[no-any-return]


def is_moderator(ctx: commands.Context[Any]) -> bool:
    """The broadcaster, the channel's moderators and the bot's owner run mod commands."""
    chatter = ctx.chatter
    if getattr(chatter, "broadcaster", False) or getattr(chatter, "moderator", False):
        return True
    return bot_of(ctx).is_owner(chatter.id)


class OncePer:
    """Say something at most once per window and key: refusals never become a flood."""

    def __init__(self, window_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window_s
        self._clock = clock
        self._last: dict[str, float] = {}

    def allow(self, key: str) -> bool:
        now = self._clock()
        last = self._last.get(key)
        if last is not None and now - last < self._window:
            return False
        self._last[key] = now
        return True


async def reply(ctx: commands.Context[Any], text: str) -> str:
    """Reply in one paced, safe message; return what was sent."""
    bot = bot_of(ctx)
    message = safe_text(text)
    await bot.services.pacer.wait_turn(ctx.broadcaster.id)
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await ctx.reply(message)
            break
        except twitchio.HTTPException as exc:
            # 4xx, e.g. the bot was unmodded a moment ago: nothing to retry, no traceback either.
            transient = exc.status >= 500 or exc.status == 429
            what: object = exc.status
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            # A connection Twitch closed under us: the answer must not be lost for that.
            transient, what = True, type(exc).__name__
        if not transient or attempt == SEND_ATTEMPTS:
            log.warning("could not reply in #%s: %s", ctx.broadcaster.name, what)
            break
        log.info("reply in #%s failed (%s), retrying", ctx.broadcaster.name, what)
        await asyncio.sleep(SEND_RETRY_S * attempt)
    return message


async def audit(
    ctx: commands.Context[Any], command: str, args: str, outcome: str, detail: str = ""
) -> None:
    """Record who ran what, where, when and how it ended: in SQLite and in the log."""
    bot = bot_of(ctx)
    chatter = ctx.chatter
    channel = ctx.broadcaster
    args = safe_text(args, 200)
    log.info(
        "audit #%s %s ran !%s %s -> %s%s",
        channel.name or channel.id,
        chatter.name or chatter.id,
        command,
        args,
        outcome,
        f" ({detail})" if detail else "",
    )
    await bot.services.db.audit.record(
        at=bot.services.clock(),
        channel_id=int(channel.id),
        user_id=int(chatter.id) if str(chatter.id).isdigit() else None,
        user_login=chatter.name or "",
        command=command,
        args=args,
        outcome=outcome,
        detail=detail,
    )
