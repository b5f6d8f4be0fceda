"""`!botcheck [window]`, `!botcheck help`, `!botcheck tz`, `!botcheck lang` and
`!botcheck forget`: who is really in this chat (`!botcheck events`: commands/events.py)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from twitchio.ext import commands

from bot.capture import CHANNEL_DELETED
from bot.checks import CheckRequest
from bot.history import forget_channel
from commands.common import CommandComponent, OncePer, audit, moderators_only, reply, speaker
from commands.detection import botcheck_more
from commands.events import events_command
from reports import i18n, zones
from reports.i18n import N_, Speaker
from reports.window import parse_window
from storage import StorageError

if TYPE_CHECKING:
    from bot.bot import BotCheckBot

log = logging.getLogger(__name__)

USAGE = N_(
    "!botcheck checks who is in this chat: account ages, waves of accounts made together, "
    "known bots, chatters against viewers, with a report link (!botcheck 30d: recent accounts "
    "only). More: !botcheck followers, watch on|off, events, tz <zone>, lang <code>, "
    "guard on|off, ban, unban, undo, notice on|off."
)
BAD_WINDOW = N_(
    "That is not a window I can read: use days or weeks, like !botcheck 30d or !botcheck 8w "
    "(or !botcheck help)."
)
TZ_HOW = N_(
    "Change it with !botcheck tz and a timezone name, like Europe/Paris or America/New_York."
)
LANG_HOW = N_("Change it with !botcheck lang and one of: {choices}.")
Subcommand = Callable[[commands.Context[Any], str], Awaitable[None]]
FORGET_CONFIRM_S = 60.0
# Names of the channel's marks in the database (storage.channel_state.ChannelMarks).
COOLDOWN, TOLD, FORGET = "cooldown", "told:", "forget"
FORGET_EXACTLY = N_(
    "To delete this channel's botcheck data, type exactly !botcheck forget, "
    "then !botcheck forget confirm."
)
STILL_RUNNING = N_("Already checking this chat; the answer comes in a moment.")
# Outcomes of a check that answered with a result: only these arm the cooldown.
ANSWERED = ("complete", "partial")
FORGET_ASK = N_(
    "This deletes everything botcheck keeps about this channel: reports, chat history, "
    "statistics. To confirm, type !botcheck forget confirm within 60 s."
)


HELP_WORDS = ("help", "commands")  # other bots' words in most channels: off unless turned on


def help_text(command_names: Iterable[str], tr: Speaker = i18n.ENGLISH) -> str:
    """The usage, then every command the bot answers in this channel."""
    names = ", ".join(f"!{name}" for name in sorted(set(command_names) - set(HELP_WORDS)))
    more = tr.say(
        "Commands: {names}. Broadcaster only: !botcheck forget, guard, "
        "help on (answer !help and !commands here).",
        names=names,
    )
    return f"{tr.say(USAGE)} {more}"


class BotCheck(CommandComponent):
    """Runs checks, one per channel at a time, with a per-channel cooldown."""

    def __init__(self, bot: BotCheckBot) -> None:
        super().__init__(bot)
        self._cooldown_s = bot.services.settings.cooldown_s
        # The cooldown, "told about it" and the pending forget live in the database
        # (`db.marks`): in conduit mode the next message may reach another process.
        self._help_said = OncePer(30.0)  # !help from many viewers: one answer per 30 s
        self._running: set[str] = set()  # channels whose check has not answered yet
        self._arming: dict[str, asyncio.Task[None]] = {}  # cooldowns stored as answers go out
        # `!botcheck <word> ...` handled by other components (commands/defence.py adds guard,
        # ban, unban, undo, notice, sensitivity); each gets the context and the whole args.
        self.subcommands: dict[str, Subcommand] = {"events": events_command}

    @moderators_only()
    @commands.command(name="botcheck")
    async def botcheck(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """Check who is in this chat; `!botcheck help` for usage."""
        channel = ctx.broadcaster.id
        word = args.strip().lower()
        if word in ("help on", "help off"):
            await self._help_switch(ctx, args, on=word == "help on")
            return
        if word in ("help", "?", "usage"):
            await reply(ctx, help_text(self.bot.commands, await speaker(ctx)))
            await audit(ctx, "botcheck", args, "help")
            return
        if word.split()[:1] in (["tz"], ["timezone"]):
            await self._timezone(ctx, args, args.split()[1:2])
            return
        if word.split()[:1] in (["lang"], ["language"]):
            await self._language(ctx, args, args.split()[1:2])
            return
        handler = self.subcommands.get(word.split()[0]) if word else None
        if handler is not None:
            await handler(ctx, args)
            return
        if await botcheck_more(ctx, args):  # issue 19: followers, watch (commands/detection.py)
            return
        if word.split()[:1] == ["forget"]:
            rest = word.split()[1:]
            if rest not in ([], ["confirm"]):
                # "forget confirm please" neither confirms nor restarts the minute.
                await reply(ctx, (await speaker(ctx)).say(FORGET_EXACTLY))
                await audit(ctx, "botcheck", args, "bad-argument", "forget takes only confirm")
                return
            await self._forget(ctx, args, confirm=rest == ["confirm"])
            return
        window: timedelta | None = None
        if word:
            try:
                if not word.isascii():  # "٣٠d" is not a window: ASCII digits only
                    raise ValueError("not ASCII")
                window = parse_window(word)
            except ValueError as exc:
                # The parser's sentence may quote the input; chat gets a fixed one instead.
                await reply(ctx, (await speaker(ctx)).say(BAD_WINDOW))
                await audit(ctx, "botcheck", args, "bad-argument", str(exc))
                return

        arming = self._arming.get(channel)
        if arming is not None:  # the check just answered: its cooldown is being stored
            await asyncio.wait([arming])
        if channel in self._running:
            await reply(ctx, (await speaker(ctx)).say(STILL_RUNNING))
            await audit(ctx, "botcheck", args, "busy")
            return
        busy = self.bot.services.checks.busy(int(channel), await speaker(ctx))
        if busy is not None:
            await reply(ctx, busy.text)
            await audit(ctx, "botcheck", args, busy.outcome, busy.detail)
            return
        marks, now = self.bot.services.db.marks, self.bot.services.clock()
        cooldown = await marks.get(int(channel), COOLDOWN, now=now)
        if cooldown is not None:
            left = cooldown.left(now).total_seconds()
            # Each moderator hears it once per cooldown, whichever process they reach.
            told = f"{TOLD}{ctx.chatter.id}"
            if await marks.claim(int(channel), told, now=now, until=cooldown.until):
                tr = await speaker(ctx)
                wait = tr.say(
                    "!botcheck just ran here; try again in {seconds} s.",
                    seconds=max(1, round(left)),
                )
                await reply(ctx, wait)
            await audit(ctx, "botcheck", args, "cooldown", f"{left:.0f} s left")
            return

        self._running.add(channel)
        try:
            await self._run(ctx, args, window)
        finally:
            self._running.discard(channel)

    @commands.command(name="help", aliases=["commands"])
    async def help(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """`!help`/`!commands`: botcheck's help, only where the broadcaster turned it on."""
        channel = int(ctx.broadcaster.id)
        if not await self.bot.services.db.channels.answers_help(channel):
            return  # another bot's command here: stay quiet
        if self._help_said.allow(str(channel)):
            await reply(ctx, help_text(self.bot.commands, await speaker(ctx)))
            await audit(ctx, "help", args, "help")

    async def _help_switch(self, ctx: commands.Context[Any], args: str, *, on: bool) -> None:
        """The broadcaster turns `!help`/`!commands` answers on or off for the channel."""
        chatter = ctx.chatter
        tr = await speaker(ctx)
        if not (getattr(chatter, "broadcaster", False) or self.bot.is_owner(chatter.id)):
            await reply(ctx, tr.say("Only the broadcaster can turn !help and !commands on or off."))
            await audit(ctx, "botcheck", args, "refused", "help switch is for the broadcaster")
            return
        await self.bot.services.db.channels.set_answers_help(int(ctx.broadcaster.id), on)
        await reply(
            ctx,
            tr.say("I will answer !help and !commands here.")
            if on
            else tr.say("I will leave !help and !commands to other bots here."),
        )
        await audit(ctx, "botcheck", args, "help-on" if on else "help-off")

    async def _timezone(self, ctx: commands.Context[Any], args: str, given: list[str]) -> None:
        """Show the channel's timezone, or set it (times on its pages are shown in it)."""
        services = self.bot.services
        channel = int(ctx.broadcaster.id)
        tr = await speaker(ctx)
        if not given:
            current = await services.db.channels.timezone(channel)
            shown = Speaker(tr.language, current).zone_label(now=services.clock())
            said = tr.say("This channel's times are shown in {zone}.", zone=shown)
            await reply(ctx, f"{said} {tr.say(TZ_HOW)}")
            await audit(ctx, "botcheck", args, "tz-shown", current)
            return
        try:
            name = zones.parse_zone(given[0])
        except ValueError:
            unknown = tr.say("That is not a timezone name I know.")
            await reply(ctx, f"{unknown} {tr.say(TZ_HOW)}")
            await audit(ctx, "botcheck", args, "bad-argument")
            return
        await services.db.channels.set_timezone(channel, name)
        services.speakers.remember(channel, Speaker(tr.language, name))
        shown = Speaker(tr.language, name).zone_label(now=services.clock())
        await reply(ctx, tr.say("Done: this channel's times are now shown in {zone}.", zone=shown))
        await audit(ctx, "botcheck", args, "tz-set", name)

    async def _language(self, ctx: commands.Context[Any], args: str, given: list[str]) -> None:
        """Show the channel's language, or set it (chat replies and pages speak it)."""
        channels = self.bot.services.db.channels
        channel = int(ctx.broadcaster.id)
        tr = await speaker(ctx)
        how = tr.say(LANG_HOW, choices=i18n.choices())
        if not given:
            name = i18n.LANGUAGES.get(tr.language, tr.language)
            said = tr.say("This channel speaks {language} here.", language=name)
            await reply(ctx, f"{said} {how}")
            await audit(ctx, "botcheck", args, "lang-shown", tr.language)
            return
        try:
            code = i18n.parse_language(given[0])
        except ValueError:
            unknown = tr.say("That is not a language I speak.")
            await reply(ctx, f"{unknown} {how}")
            await audit(ctx, "botcheck", args, "bad-argument")
            return
        await channels.set_language(channel, code)
        tr = Speaker(code, tr.timezone)
        self.bot.services.speakers.remember(channel, tr)
        name = i18n.LANGUAGES[code]
        await reply(ctx, tr.say("Done: I now answer here in {language}.", language=name))
        await audit(ctx, "botcheck", args, "lang-set", code)

    async def _forget(self, ctx: commands.Context[Any], args: str, *, confirm: bool) -> None:
        """Wipe the channel's data: the broadcaster asks, then confirms within a minute."""
        channel = ctx.broadcaster.id
        chatter = ctx.chatter
        if not (getattr(chatter, "broadcaster", False) or self.bot.is_owner(chatter.id)):
            tr = await speaker(ctx)
            await reply(
                ctx, tr.say("Only the broadcaster can delete this channel's botcheck data.")
            )
            await audit(ctx, "botcheck", args, "refused", "forget is for the broadcaster")
            return
        services = self.bot.services
        marks, now = services.db.marks, services.clock()
        if not confirm:
            until = now + timedelta(seconds=FORGET_CONFIRM_S)
            await marks.set(int(channel), FORGET, until=until, now=now, by=str(chatter.id))
            await reply(ctx, (await speaker(ctx)).say(FORGET_ASK))
            await audit(ctx, "botcheck", args, "forget-asked")
            return
        # Taken once: a confirmation heard by two processes deletes the data once, and one
        # asked in one process may be confirmed through another (the chat moved meanwhile).
        if await marks.take(int(channel), FORGET, now=now) is None:
            tr = await speaker(ctx)
            await reply(ctx, tr.say("Nothing to confirm: type !botcheck forget first."))
            await audit(ctx, "botcheck", args, "forget-unconfirmed")
            return
        said_in = await speaker(ctx)  # the answer reads as the channel did before forgetting
        await services.capturer.cancel(int(channel), CHANNEL_DELETED)
        await services.reports.drain()  # a report still being written is deleted whole
        await services.forget_files(int(channel))  # follower reports, raid pages: files first
        forgotten = await forget_channel(services.db, services.settings.data_dir, int(channel))
        services.speakers.remember(int(channel), i18n.ENGLISH)  # its options went with it
        if forgotten.rows_deleted:
            # Still a moderator here: keep serving the channel, starting from nothing.
            await services.db.channels.join(
                int(channel),
                ctx.broadcaster.name or "",
                ctx.broadcaster.name or "",
                at=services.clock(),
            )
        await reply(ctx, forgotten.answer(said_in))
        outcome = "forgotten" if forgotten.complete else "forget-partial"
        await audit(ctx, "botcheck", args, outcome, forgotten.sentence())

    async def _run(self, ctx: commands.Context[Any], args: str, window: timedelta | None) -> None:
        """Run the check, answer, audit."""
        request = CheckRequest(
            channel_id=int(ctx.broadcaster.id),
            channel_name=ctx.broadcaster.name or str(ctx.broadcaster.id),
            moderator_id=int(self.bot.bot_id),
            requested_by_id=int(ctx.chatter.id),
            requested_by_login=ctx.chatter.name or "",
            window=window,
            speaker=await speaker(ctx),
        )
        answer = await self.bot.services.checks.run(request, lambda text: reply(ctx, text))
        channel = ctx.broadcaster.id
        arming: asyncio.Task[None] | None = None
        if answer.outcome in ANSWERED:
            # Only a check that answered arms the cooldown: after a failure the next
            # !botcheck runs at once instead of hearing "just ran here". It is stored while
            # the answer goes out (issue 21: the answer waited 30-90 ms for it); a !botcheck
            # heard meanwhile waits for it (`botcheck`).
            arming = asyncio.create_task(self._arm_cooldown(int(channel)))
            self._arming[channel] = arming
        try:
            await reply(ctx, answer.text)
        finally:
            self._running.discard(channel)
            if arming is not None:
                await asyncio.wait([arming])
                if self._arming.get(channel) is arming:
                    del self._arming[channel]
                if not arming.cancelled() and arming.exception() is not None:
                    log.error(
                        "the cooldown of channel %s was not stored",
                        channel,
                        exc_info=arming.exception(),
                    )
        await audit(ctx, "botcheck", args, answer.outcome, answer.detail)

    async def _arm_cooldown(self, channel_id: int) -> None:
        now = self.bot.services.clock()
        until = now + timedelta(seconds=self._cooldown_s)
        try:
            await self.bot.services.db.marks.set(channel_id, COOLDOWN, until=until, now=now)
        except (StorageError, sqlite3.Error, OSError) as exc:
            # The answer matters more than the cooldown: it still goes out.
            log.warning("could not store the cooldown of channel %s: %s", channel_id, exc)


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(BotCheck(bot))  # type: ignore[arg-type]
