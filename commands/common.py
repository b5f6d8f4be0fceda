"""What every command family shares: who may run it, how it answers, what it records.

Each family is a `CommandComponent`: its commands are guarded with TwitchIO's guards
(`moderators_only`), and its `component_command_error` answers every failure, a refusal or
anything unexpected, in one plain sentence, audits it and logs the cause.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import aiohttp
import twitchio
from twitchio.ext import commands
from twitchio.ext.commands import GuardFailure

from bot.chat import BUSY, safe_text
from reports.i18n import ENGLISH, N_, Speaker
from storage import StorageError

if TYPE_CHECKING:
    from bot.bot import BotCheckBot

log = logging.getLogger("botcheck.audit")
failures = logging.getLogger(__name__)

# A reply that Twitch fails with a 5xx, a 429 or a dropped connection is tried again.
SEND_ATTEMPTS = 3
SEND_RETRY_S = 0.5
AUDIT_RETRY_S = 0.5  # an audit row SQLite found locked is tried once more after this

T = TypeVar("T")


FAILED = N_("Sorry, that did not work this time; it has been logged. Please try again later.")


def bot_of(ctx: commands.Context[Any]) -> BotCheckBot:
    return ctx.bot  # type: ignore[no-any-return]


async def speaker(ctx: commands.Context[Any]) -> Speaker:
    """How this channel reads replies: its language and timezone (English/UTC if unreadable)."""
    services = bot_of(ctx).services
    channel = int(ctx.broadcaster.id)
    known = services.speakers.get(channel)
    if known is not None:
        return known
    try:
        channels = services.db.channels
        found = Speaker(await channels.language(channel), await channels.timezone(channel))
        services.speakers.remember(channel, found)
        return found
    except (StorageError, sqlite3.Error, OSError) as exc:
        # The database refusing reads must not also silence the answer that says so.
        failures.warning("could not read the language of #%s: %s", ctx.broadcaster.name, exc)
        return ENGLISH


def is_moderator(ctx: commands.Context[Any]) -> bool:
    """The broadcaster, the channel's moderators and the bot's owner run mod commands.

    Badges and ids only, never names: a viewer called like a moderator is still a viewer.
    """
    chatter = ctx.chatter
    if getattr(chatter, "broadcaster", False) or getattr(chatter, "moderator", False):
        return True
    return bot_of(ctx).is_owner(chatter.id)


class NotModerator(GuardFailure):
    """The chatter is not the broadcaster, a moderator of the channel or the bot's owner."""


def moderators_only(
    *, open_when: Callable[[commands.Context[Any]], bool] | None = None
) -> Callable[[T], T]:
    """Guard a command: broadcaster, moderators and owner only (or anyone when `open_when`)."""

    def predicate(ctx: commands.Context[Any]) -> bool:
        if is_moderator(ctx) or (open_when is not None and open_when(ctx)):
            return True
        raise NotModerator("not a moderator")

    return cast("Callable[[T], T]", commands.guard(predicate))


class CommandComponent(commands.Component):
    """A command family: refusals and failures are answered here, once per window."""

    def __init__(self, bot: BotCheckBot) -> None:
        self.bot = bot
        window = max(bot.services.settings.cooldown_s, 30.0)
        self._refusals = OncePer(window)
        self._failures = OncePer(window)

    async def component_command_error(self, payload: commands.CommandErrorPayload) -> bool | None:
        """Answer any failure of a command in one plain sentence, audit it, log its cause."""
        ctx = payload.context
        error = payload.exception
        name = ctx.command.name if ctx.command is not None else str(ctx.invoked_with or "?")
        args = str(ctx.kwargs.get("args", "") or "")
        channel = str(ctx.broadcaster.id)
        if isinstance(error, NotModerator):
            if self._refusals.allow(f"{channel}:{name}"):
                tr = await speaker(ctx)
                await self._answer(
                    ctx,
                    tr.say(
                        "Sorry, !{command} is for the broadcaster and moderators.", command=name
                    ),
                )
            await self._audit(ctx, name, args, "refused", "not a moderator")
            return False
        cause: BaseException = getattr(error, "original", None) or error
        failures.error(
            "!%s in #%s failed",
            name,
            ctx.broadcaster.name or channel,
            exc_info=(type(cause), cause, cause.__traceback__),
        )
        if self._failures.allow(channel):
            await self._answer(ctx, (await speaker(ctx)).say(FAILED))
        await self._audit(ctx, name, args, "error", type(cause).__name__)
        return False  # handled: TwitchIO's own handler would log it once more

    async def _answer(self, ctx: commands.Context[Any], text: str) -> None:
        try:
            await reply(ctx, text)
        except Exception:
            failures.exception("could not answer in #%s", ctx.broadcaster.name)

    async def _audit(
        self, ctx: commands.Context[Any], name: str, args: str, outcome: str, detail: str
    ) -> None:
        try:
            await audit(ctx, name, args, outcome, detail)
        except Exception:
            failures.exception("could not audit !%s in #%s", name, ctx.broadcaster.name)


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
    pacer = bot.services.pacer
    if pacer.busy:
        # Answers already queue across channels: say "busy" now if the channel has room,
        # else nothing, rather than answer a minute late.
        if not pacer.try_turn(ctx.broadcaster.id):
            log.warning(
                "busy: no answer in #%s (%d answers waiting)", ctx.broadcaster.name, pacer.waiting
            )
            return ""
        message = BUSY
    else:
        await pacer.wait_turn(ctx.broadcaster.id)
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
    for attempt in (1, 2):
        try:
            await _record(bot, ctx, command=command, args=args, outcome=outcome, detail=detail)
            return
        except (StorageError, sqlite3.Error, OSError) as exc:
            if attempt == 1 and _locked(exc):
                # SQLite busy past its timeout (a checkpoint, another process): once more.
                await asyncio.sleep(AUDIT_RETRY_S)
                continue
            # The answer went out already; the log line above is the audit while the database
            # refuses writes (a second, failed-sounding answer would claim what did not happen).
            failures.warning("could not store the audit of !%s: %s", command, exc)
            return


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


async def _record(
    bot: BotCheckBot,
    ctx: commands.Context[Any],
    *,
    command: str,
    args: str,
    outcome: str,
    detail: str,
) -> None:
    chatter = ctx.chatter
    channel = ctx.broadcaster
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
