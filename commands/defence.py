"""Chat defence commands, reached as `!botcheck <word>` (dispatched from commands/botcheck.py):

- `!botcheck guard on|shield|off` (the broadcaster): time out a detected raid's accounts, or
  turn shield mode on, during hostile raids; `!botcheck guard` tells the current mode.
- `!botcheck undo` (moderators): lift everything the bot did here in the last hour.
- `!botcheck ban` / `!botcheck ban confirm` / `!botcheck unban` (moderators): ban the wave and
  burst accounts of the channel's last check after a confirmation; undo the last run.
- `!botcheck notice on [days]|off` (moderators): the quiet digest of young first-time chatters.
- `!botcheck sensitivity low|normal|high` (moderators): how readily raids are detected.

Also listens for `channel.raid` (a streamer raiding this channel) and tells the detector.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

import twitchio
from twitchio.ext import commands

from bot.chat import safe_text
from bot.defence import GUARD_SCOPES, Defence
from bot.defence.enforcer import LIFTED, UNBANNED
from bot.twitch.oauth import BOT_SCOPES, scopes
from commands.botcheck import BotCheck, Subcommand
from commands.common import CommandComponent, audit, reply, speaker
from reports.i18n import N_

if TYPE_CHECKING:
    from bot.bot import BotCheckBot

log = logging.getLogger(__name__)

DEFAULT_NOTICE_DAYS = 7
WORDS = ("guard", "undo", "ban", "unban", "notice", "sensitivity")
NOT_ON = N_("Chat defence is not running in this bot.")
GUARD_SAID = {
    "timeout": N_(
        "Raid guard on: during a detected spam or hate raid I time out its accounts for an "
        "hour. !botcheck undo lifts what I did in the last hour."
    ),
    "shield": N_(
        "Raid guard on: during a detected spam or hate raid I turn shield mode on. "
        "!botcheck undo turns it off again."
    ),
    "off": N_("Raid guard off: I will only alert."),
}


def guard_link(public_url: str) -> str:
    """The link the bot account opens to grant the guard's extra scopes."""
    names = tuple(dict.fromkeys((*BOT_SCOPES, *GUARD_SCOPES)))
    return f"{public_url.rstrip('/')}/oauth?scopes={scopes(names).urlsafe()}&force_verify=true"


def _is_broadcaster(ctx: commands.Context[Any], bot: BotCheckBot) -> bool:
    return bool(getattr(ctx.chatter, "broadcaster", False)) or bot.is_owner(ctx.chatter.id)


class DefenceCommands(CommandComponent):
    """The `!botcheck` defence subcommands and the `channel.raid` listener."""

    def __init__(self, bot: BotCheckBot) -> None:
        super().__init__(bot)
        self.defence: Defence | None = bot.services.defence
        if self.defence is not None:
            self.defence.bind(self.say)

    def subcommands(self) -> dict[str, Subcommand]:
        return {
            "guard": self.guard_mode,
            "undo": self.undo,
            "ban": self.ban,
            "unban": self.unban,
            "notice": self.notice,
            "sensitivity": self.sensitivity,
        }

    async def say(self, channel_id: int, text: str) -> None:
        """Say something in a channel on the bot's own initiative (alerts, digests)."""
        bot = self.bot
        await bot.services.pacer.wait_turn(str(channel_id))
        try:
            await bot.create_partialuser(str(channel_id)).send_message(
                safe_text(text), sender=bot.bot_id
            )
        except twitchio.HTTPException as exc:
            log.warning("could not say in channel %d: %s", channel_id, exc.status)

    @commands.Component.listener()  # type: ignore[misc]
    async def event_raid(self, payload: twitchio.ChannelRaid) -> None:
        if self.defence is None:
            return
        try:
            channel_id = int(payload.to_broadcaster.id)
            from_login = payload.from_broadcaster.name or str(payload.from_broadcaster.id)
            viewers = int(payload.viewer_count)
        except (AttributeError, TypeError, ValueError) as exc:
            log.warning("skipped a malformed channel.raid notification: %s", exc)
            return
        await self.defence.hub.note_incoming_raid(
            channel_id, from_login, viewers, self.bot.services.clock()
        )

    # -- the subcommands ------------------------------------------------------------------------

    async def _defence(self, ctx: commands.Context[Any], args: str) -> Defence | None:
        if self.defence is None:
            await reply(ctx, (await speaker(ctx)).say(NOT_ON))
            await audit(ctx, "botcheck", args, "unavailable")
        return self.defence

    async def guard_mode(self, ctx: commands.Context[Any], args: str) -> None:
        defence = await self._defence(ctx, args)
        if defence is None:
            return
        channel_id = int(ctx.broadcaster.id)
        tr = await speaker(ctx)
        words = args.lower().split()[1:]
        current = await defence.settings(channel_id)
        if not words:
            await reply(
                ctx,
                tr.say(
                    "The raid guard is {mode} here (!botcheck guard on|off).", mode=current.guard
                ),
            )
            await audit(ctx, "botcheck", args, "guard-status", current.guard)
            return
        if not _is_broadcaster(ctx, self.bot):
            await reply(ctx, tr.say("Only the broadcaster can turn the raid guard on or off."))
            await audit(ctx, "botcheck", args, "refused", "guard is for the broadcaster")
            return
        mode = {"on": "timeout", "timeout": "timeout", "shield": "shield", "off": "off"}.get(
            words[0]
        )
        if mode is None:
            await reply(
                ctx,
                tr.say("Use !botcheck guard on, !botcheck guard shield or !botcheck guard off."),
            )
            await audit(ctx, "botcheck", args, "bad-argument")
            return
        if mode != "off":
            needs = N_(
                "The guard needs the scope {scopes}, which the bot account has not "
                "granted. The bot account must authorize again: {link}"
            )
            if await self._lacks_scopes(ctx, args, defence, mode, needs):
                return
        await defence.change(dataclasses.replace(current, guard=mode))
        await reply(ctx, tr.say(GUARD_SAID[mode]))
        await audit(ctx, "botcheck", args, f"guard-{mode}")

    async def _lacks_scopes(
        self, ctx: commands.Context[Any], args: str, defence: Defence, mode: str, message: str
    ) -> bool:
        """Say `message` ({scopes}, {link}) and audit it when the bot lacks `mode`'s scopes."""
        missing = await defence.missing_scopes(mode)
        if not missing:
            return False
        link = guard_link(self.bot.services.settings.public_url)
        tr = await speaker(ctx)
        await reply(ctx, tr.say(message, scopes=", ".join(missing), link=link))
        await audit(ctx, "botcheck", args, "missing-scope", " ".join(missing))
        return True

    async def undo(self, ctx: commands.Context[Any], args: str) -> None:
        defence = await self._defence(ctx, args)
        if defence is None:
            return
        tr = await speaker(ctx)
        result = await defence.undo(int(ctx.broadcaster.id))
        if not result.done and not result.refused and result.stopped is None:
            await reply(ctx, tr.say("Nothing to undo: I took no action here in the last hour."))
        else:
            await reply(ctx, tr.say("Undo: {result}.", result=result.sentence(LIFTED, tr)))
        await audit(ctx, "botcheck", args, "undo", result.sentence("lifted"))

    async def ban(self, ctx: commands.Context[Any], args: str) -> None:
        defence = await self._defence(ctx, args)
        if defence is None:
            return
        channel_id = int(ctx.broadcaster.id)
        confirm = args.lower().split()[1:] == ["confirm"]
        tr = await speaker(ctx)
        bans = defence.bans
        if confirm:
            proposal = bans.confirmable(channel_id)
            if proposal is None:
                await reply(
                    ctx, tr.say("Nothing to confirm: type !botcheck ban first (60 s to confirm).")
                )
                await audit(ctx, "botcheck", args, "ban-unconfirmed")
                return
            cannot = N_(
                "I cannot ban: the bot account has not granted {scopes}. "
                "It must authorize again: {link}"
            )
            if await self._lacks_scopes(ctx, args, defence, "timeout", cannot):
                return
            run = await bans.confirm(channel_id, ctx.chatter.name or str(ctx.chatter.id))
            if run is None:
                await reply(ctx, tr.say("Nothing to ban."))
                await audit(ctx, "botcheck", args, "ban-empty")
                return
            n = len(proposal.plan.ban)
            await reply(
                ctx,
                tr.nsay(
                    "Ban run {run}: banning {n} account, paced; !botcheck unban undoes this run.",
                    "Ban run {run}: banning {n} accounts, paced; !botcheck unban undoes this run.",
                    n,
                    run=run.run_id,
                ),
            )
            await audit(ctx, "botcheck", args, "ban-started", f"run {run.run_id}: {n} accounts")
            return
        await self.bot.services.reports.recorded(channel_id)  # a check that just answered
        latest = await self.bot.services.db.captures.latest(channel_id)
        proposal = await bans.propose(channel_id, latest, await defence.protected(channel_id))
        if proposal is None:
            await reply(ctx, tr.say("There is no finished check here yet: run !botcheck first."))
            await audit(ctx, "botcheck", args, "ban-no-check")
            return
        text = tr.say("From the last check: {plan}", plan=proposal.plan.summary(tr))
        if proposal.plan.ban:
            text += " " + tr.say("To ban them, type !botcheck ban confirm within 60 s.")
        await reply(ctx, text)
        await audit(ctx, "botcheck", args, "ban-asked", proposal.plan.summary())

    async def unban(self, ctx: commands.Context[Any], args: str) -> None:
        defence = await self._defence(ctx, args)
        if defence is None:
            return
        tr = await speaker(ctx)
        run, result = await defence.bans.unban_last(int(ctx.broadcaster.id))
        if run is None:
            await reply(ctx, tr.say("No ban run to undo here."))
            await audit(ctx, "botcheck", args, "unban-none")
            return
        await reply(
            ctx,
            tr.say(
                "Ban run {run} undone: {result}.",
                run=run.run_id,
                result=result.sentence(UNBANNED, tr),
            ),
        )
        await audit(ctx, "botcheck", args, "unban", result.sentence("unbanned"))

    async def notice(self, ctx: commands.Context[Any], args: str) -> None:
        defence = await self._defence(ctx, args)
        if defence is None:
            return
        channel_id = int(ctx.broadcaster.id)
        tr = await speaker(ctx)
        words = args.lower().split()[1:]
        current = await defence.settings(channel_id)
        if words[:1] == ["off"]:
            await defence.change(dataclasses.replace(current, notice_days=None))
            await reply(ctx, tr.say("First-message notice off."))
            await audit(ctx, "botcheck", args, "notice-off")
            return
        if words[:1] != ["on"] or len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            if current.notice_days is None:
                state = tr.say("First-message notice is off.")
            else:
                state = tr.nsay(
                    "First-message notice is on ({n} day).",
                    "First-message notice is on ({n} days).",
                    current.notice_days,
                )
            usage = tr.say("Use !botcheck notice on [days] or off.")
            await reply(ctx, f"{state} {usage}")
            await audit(ctx, "botcheck", args, "notice-status")
            return
        days = int(words[1]) if len(words) == 2 else DEFAULT_NOTICE_DAYS
        days = max(1, min(days, 365))
        await defence.change(dataclasses.replace(current, notice_days=days))
        await reply(
            ctx,
            tr.nsay(
                "First-message notice on: every few minutes I list first-time chatters whose "
                "accounts are under {n} day old, in one message.",
                "First-message notice on: every few minutes I list first-time chatters whose "
                "accounts are under {n} days old, in one message.",
                days,
            ),
        )
        await audit(ctx, "botcheck", args, "notice-on", f"{days} days")

    async def sensitivity(self, ctx: commands.Context[Any], args: str) -> None:
        defence = await self._defence(ctx, args)
        if defence is None:
            return
        channel_id = int(ctx.broadcaster.id)
        tr = await speaker(ctx)
        words = args.lower().split()[1:]
        current = await defence.settings(channel_id)
        if not words or words[0] not in ("low", "normal", "high"):
            await reply(
                ctx,
                tr.say(
                    "Raid detection sensitivity is {level} here "
                    "(!botcheck sensitivity low|normal|high).",
                    level=current.sensitivity,
                ),
            )
            await audit(ctx, "botcheck", args, "sensitivity-status")
            return
        await defence.change(dataclasses.replace(current, sensitivity=words[0]))
        await reply(ctx, tr.say("Raid detection sensitivity set to {level}.", level=words[0]))
        await audit(ctx, "botcheck", args, "sensitivity", words[0])


async def setup(bot: commands.Bot) -> None:
    component = DefenceCommands(bot)  # type: ignore[arg-type]
    await bot.add_component(component)
    botcheck = bot.get_component("BotCheck")
    if isinstance(botcheck, BotCheck):
        botcheck.subcommands.update(component.subcommands())
    else:
        log.warning("the BotCheck component is not loaded: the defence subcommands are unreachable")
