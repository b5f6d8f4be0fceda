"""`!botcheck events [on|off]`: which stream events this channel records, and its switch
(issue 18).

Reached from `!botcheck` (commands/botcheck.py lists it among its subcommands), so the
moderator guard and the error hook are the `BotCheck` component's. A switch takes effect at
once: the bot makes or deletes the channel's stream-event subscriptions before it answers
(`BotCheckBot.stream_events_changed`, both transports).
"""

from __future__ import annotations

from typing import Any

from twitchio.ext import commands

from bot.history import event_subs
from commands.common import audit, bot_of, reply, speaker
from reports.i18n import N_, Speaker

HOW = N_("Use !botcheck events on or !botcheck events off.")
NOT_ON_OFF = N_("That is neither on nor off.")
RECORDING = N_("Stream events are on here: I record {kinds}.")
OUT_OF_REACH = N_("Out of reach: {kinds} (the bot's log says why).")
NONE_IN_REACH = N_(
    "Stream events are on here, but none is within reach: {kinds} (the bot's log says why)."
)
OFF = N_(
    "Stream events are off here: I only note raids into the channel, which raid defence needs."
)
NONE_ON_BOT = N_("This bot records no stream events: its owner turned them off.")
# In the order they are listed; keys are BOTCHECK_STREAM_EVENTS' words.
KIND_NAMES = {
    "subs": N_("subscriptions"),
    "raids": N_("raids in and out"),
    "follows": N_("follows"),
}
_TYPE_KIND = {"channel.subscribe": "subs", "channel.raid": "raids", "channel.follow": "follows"}


async def events_command(ctx: commands.Context[Any], args: str) -> None:
    """`!botcheck events`: say what is recorded; `on`/`off`: switch, then say so."""
    bot = bot_of(ctx)
    services = bot.services
    channel = int(ctx.broadcaster.id)
    tr = await speaker(ctx)
    rest = args.strip().lower().split()[1:]
    if not services.settings.stream_event_kinds:
        await reply(ctx, tr.say(NONE_ON_BOT))
        await audit(ctx, "botcheck", args, "refused" if rest else "events-shown", "none on bot")
        return
    if not rest:
        on = await services.db.stream_events.enabled(channel)
        state = await _state(ctx, tr) if on else tr.say(OFF)
        await reply(ctx, f"{state} {tr.say(HOW)}")
        await audit(ctx, "botcheck", args, "events-shown", "on" if on else "off")
        return
    if rest not in (["on"], ["off"]):
        await reply(ctx, f"{tr.say(NOT_ON_OFF)} {tr.say(HOW)}")
        await audit(ctx, "botcheck", args, "bad-argument", "events takes on or off")
        return
    on = rest == ["on"]
    await services.db.stream_events.set_enabled(channel, on)
    await bot.stream_events_changed(channel)  # subscribe or unsubscribe before answering
    text = await _state(ctx, tr) if on else tr.say(OFF)
    await reply(ctx, text)
    await audit(ctx, "botcheck", args, "events-on" if on else "events-off")


async def _state(ctx: commands.Context[Any], tr: Speaker) -> str:
    """What the channel records now that its switch is on, and what is out of reach."""
    bot = bot_of(ctx)
    db, kinds = bot.services.db, bot.services.settings.stream_event_kinds
    bot_token = await db.tokens.get(int(bot.bot_id))
    owner_token = await db.tokens.get(int(bot.owner_id)) if bot.owner_id else None
    plan = event_subs.plan(
        str(ctx.broadcaster.id),
        bot_id=bot.bot_id,
        owner_id=bot.owner_id,
        kinds=kinds,
        bot_scopes=bot_token.scopes if bot_token else (),
        owner_scopes=owner_token.scopes if owner_token else (),
    )
    types = {str(getattr(w.payload.type, "value", w.payload.type)) for w in plan.wanted}
    got = {_TYPE_KIND.get(t) for t in types}
    recorded = [tr.say(name) for kind, name in KIND_NAMES.items() if kind in got]
    missing = [tr.say(name) for kind, name in KIND_NAMES.items() if kind in kinds - got]
    if not recorded:
        return tr.say(NONE_IN_REACH, kinds=", ".join(missing))
    said = tr.say(RECORDING, kinds=", ".join(recorded))
    if missing:
        said += " " + tr.say(OUT_OF_REACH, kinds=", ".join(missing))
    return said
