"""`!botcheck followers [window]` (who followed lately) and `!botcheck watch on|off`
(automatic checks while live), issue 19.

Reached from `!botcheck` (commands/botcheck.py hands every argument here first), so the
moderator guard and the error hook are the `BotCheck` component's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from twitchio.ext import commands

from commands.common import audit, bot_of, reply, speaker
from reports.i18n import N_
from reports.window import parse_window

SUBCOMMANDS = ("followers", "watch")
WATCH_USAGE = N_("Use !botcheck watch on or !botcheck watch off.")
BAD_WINDOW = N_(
    "That is not a window I can read: use days or weeks, like !botcheck followers 7d "
    "or !botcheck followers 4w."
)
OFF = N_("Automatic checks are off here.")
NOT_SET_UP = N_("Follower checks are not set up on this bot.")


async def botcheck_more(ctx: commands.Context[Any], args: str) -> bool:
    """Run a `!botcheck` subcommand of this module; False if the word is not one."""
    words = args.strip().lower().split()
    if words[:1] == ["followers"]:
        await _followers(ctx, args, " ".join(words[1:]))
        return True
    if words[:1] == ["watch"]:
        await _watch(ctx, args, words[1:])
        return True
    return False


async def _watch(ctx: commands.Context[Any], args: str, rest: list[str]) -> None:
    bot = bot_of(ctx)
    channel = int(ctx.broadcaster.id)
    tr = await speaker(ctx)
    if rest not in (["on"], ["off"]):
        on = await bot.services.db.channels.watches(channel)
        state = "on" if on else "off"
        said = tr.say("Automatic checks are on here.") if on else tr.say(OFF)
        await reply(ctx, f"{said} {tr.say(WATCH_USAGE)}")
        await audit(ctx, "botcheck", args, "watch-state", state)
        return
    on = rest == ["on"]
    await bot.services.db.channels.set_watch(channel, on)
    if on:
        text = tr.say(
            "Watching: while live, I check by myself when viewers jump, some minutes after "
            "the stream starts and when a raid arrives, and speak only if it looks bad."
        )
    else:
        text = tr.say(OFF)
    await reply(ctx, text)
    await audit(ctx, "botcheck", args, "watch-on" if on else "watch-off")


async def _followers(ctx: commands.Context[Any], args: str, rest: str) -> None:
    bot = bot_of(ctx)
    service = bot.services.followers
    if service is None:
        await reply(ctx, (await speaker(ctx)).say(NOT_SET_UP))
        await audit(ctx, "botcheck", args, "refused", "no follower service")
        return
    window: timedelta | None = None
    if rest:
        try:
            window = parse_window(rest)
        except ValueError as exc:
            await reply(ctx, (await speaker(ctx)).say(BAD_WINDOW))
            await audit(ctx, "botcheck", args, "bad-argument", str(exc))
            return
    answer = await service.run(
        channel_id=int(ctx.broadcaster.id),
        channel_name=ctx.broadcaster.name or str(ctx.broadcaster.id),
        moderator_id=int(bot.bot_id),
        window=window,
        speaker=await speaker(ctx),
    )
    await reply(ctx, answer.text)
    await audit(ctx, "botcheck", args, answer.outcome, answer.detail)
