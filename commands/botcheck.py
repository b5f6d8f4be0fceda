"""`!botcheck [window]` and `!botcheck help`: who is really in this chat right now."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from twitchio.ext import commands

from bot.capture import CaptureBusy, CaptureProgress
from bot.chat import prefix_keeping_link
from bot.helix import HelixError
from bot.history.forget import forget_channel
from bot.pages.routes import new_report_token
from commands.common import OncePer, audit, is_moderator, reply
from reports.text import num
from reports.window import parse_window
from storage import CaptureStatus

if TYPE_CHECKING:
    from bot.bot import BotCheckBot

log = logging.getLogger(__name__)

USAGE = (
    "!botcheck checks who is in this chat: account ages, waves of accounts made on the same "
    "days, known bots, chatters against viewers, with a report link. "
    "Add a window to look only at recent accounts: !botcheck 30d or !botcheck 8w. "
    "Also: !report (latest report), !report keep (keep it), !whois <login>."
)
BAD_WINDOW = (
    "That is not a window I can read: use days or weeks, like !botcheck 30d or !botcheck 8w "
    "(or !botcheck help)."
)
FORGET_CONFIRM_S = 60.0
FORGET_ASK = (
    "This deletes everything botcheck keeps about this channel: reports, chat history, "
    "statistics. To confirm, type !botcheck forget confirm within 60 s."
)
# Say "checking N chatters, about T s" at once when the capture will take longer than this.
ANNOUNCE_AFTER_S = 3.0


def progress_sentence(p: CaptureProgress) -> str:
    seen = f"{num(p.chatters_seen)} of {num(p.total)}" if p.total else num(p.chatters_seen)
    eta = f", about {max(1, round(p.eta_s))} s left" if p.eta_s else ""
    return f"Already checking this chat: {seen} chatters so far{eta}."


class BotCheck(commands.Component):
    """Runs captures, one per channel at a time, with a per-channel cooldown."""

    def __init__(self, bot: BotCheckBot) -> None:
        self.bot = bot
        cooldown = bot.services.settings.cooldown_s
        self._cooldown_s = cooldown
        self._last_run: dict[str, float] = {}
        self._cooldown_told: set[str] = set()
        self._refusals = OncePer(max(cooldown, 30.0))
        self._forget_asked: dict[str, float] = {}

    @commands.command(name="botcheck")
    async def botcheck(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """Check who is in this chat; `!botcheck help` for usage."""
        channel = ctx.broadcaster.id
        if not is_moderator(ctx):
            if self._refusals.allow(channel):
                await reply(ctx, "Sorry, !botcheck is for the broadcaster and moderators.")
            await audit(ctx, "botcheck", args, "refused", "not a moderator")
            return
        word = args.strip().lower()
        if word in ("help", "?", "usage"):
            await reply(ctx, USAGE)
            await audit(ctx, "botcheck", args, "help")
            return
        if word.split()[:1] == ["forget"]:
            await self._forget(ctx, args, confirm=word.split()[1:] == ["confirm"])
            return
        window: timedelta | None = None
        if word:
            try:
                window = parse_window(word)
            except ValueError as exc:
                # The parser's sentence may quote the input; chat gets a fixed one instead.
                await reply(ctx, BAD_WINDOW)
                await audit(ctx, "botcheck", args, "bad-argument", str(exc))
                return

        running = self.bot.services.capturer.progress(int(channel))
        if running is not None:
            await reply(ctx, progress_sentence(running))
            await audit(ctx, "botcheck", args, "busy")
            return
        left = self._cooldown_left(channel)
        if left > 0:
            if channel not in self._cooldown_told:
                self._cooldown_told.add(channel)
                await reply(ctx, f"!botcheck just ran here; try again in {max(1, round(left))} s.")
            await audit(ctx, "botcheck", args, "cooldown", f"{left:.0f} s left")
            return

        self._last_run[channel] = time.monotonic()
        self._cooldown_told.discard(channel)
        await self._run(ctx, args, window)

    async def _forget(self, ctx: commands.Context[Any], args: str, *, confirm: bool) -> None:
        """Wipe the channel's data: the broadcaster asks, then confirms within a minute."""
        channel = ctx.broadcaster.id
        chatter = ctx.chatter
        if not (getattr(chatter, "broadcaster", False) or self.bot.is_owner(chatter.id)):
            await reply(ctx, "Only the broadcaster can delete this channel's botcheck data.")
            await audit(ctx, "botcheck", args, "refused", "forget is for the broadcaster")
            return
        asked = self._forget_asked.get(channel)
        if not confirm:
            self._forget_asked[channel] = time.monotonic()
            await reply(ctx, FORGET_ASK)
            await audit(ctx, "botcheck", args, "forget-asked")
            return
        if asked is None or time.monotonic() - asked > FORGET_CONFIRM_S:
            await reply(ctx, "Nothing to confirm: type !botcheck forget first.")
            await audit(ctx, "botcheck", args, "forget-unconfirmed")
            return
        del self._forget_asked[channel]
        services = self.bot.services
        await services.capturer.cancel(int(channel), "the channel's data was deleted")
        forgotten = await forget_channel(services.db, services.settings.data_dir, int(channel))
        # Still a moderator here: keep serving the channel, starting from nothing.
        await services.db.channels.join(
            int(channel),
            ctx.broadcaster.name or "",
            ctx.broadcaster.name or "",
            at=services.clock(),
        )
        await reply(ctx, "Done: botcheck deleted everything it kept about this channel.")
        await audit(ctx, "botcheck", args, "forgotten", forgotten.sentence())

    def _cooldown_left(self, channel: str) -> float:
        last = self._last_run.get(channel)
        return 0.0 if last is None else self._cooldown_s - (time.monotonic() - last)

    async def _run(self, ctx: commands.Context[Any], args: str, window: timedelta | None) -> None:
        services = self.bot.services
        announced: list[asyncio.Task[str]] = []

        def on_progress(p: CaptureProgress) -> None:
            if not announced and p.eta_s is not None and p.eta_s > ANNOUNCE_AFTER_S:
                total = num(p.total) if p.total is not None else "the"
                text = f"Checking {total} chatters, about {round(p.eta_s)} s."
                announced.append(asyncio.create_task(reply(ctx, text)))

        try:
            result = await services.capturer.capture(
                channel_id=int(ctx.broadcaster.id),
                moderator_id=int(self.bot.bot_id),
                requested_by_id=int(ctx.chatter.id),
                requested_by_login=ctx.chatter.name or "",
                report_token=new_report_token(),
                on_progress=on_progress,
            )
        except CaptureBusy as busy:
            await reply(ctx, progress_sentence(busy.progress))
            await audit(ctx, "botcheck", args, "busy")
            return
        except HelixError as exc:
            log.warning("capture in %s failed: %s", ctx.broadcaster.name, exc)
            await reply(
                ctx,
                "The check could not start: Twitch did not answer as expected. "
                "Please try again in a minute.",
            )
            await audit(ctx, "botcheck", args, "failed", str(exc))
            return
        finally:
            if announced:
                await asyncio.gather(*announced, return_exceptions=True)

        capture = result.capture
        if capture.status not in (CaptureStatus.COMPLETE, CaptureStatus.PARTIAL):
            await reply(
                ctx, f"The check did not finish: {capture.status_reason or 'unknown reason'}."
            )
            await audit(ctx, "botcheck", args, capture.status.value, capture.status_reason)
            return
        title = f"Chatters of {ctx.broadcaster.name or ctx.broadcaster.id}"
        built = await services.reports.build(result, title=title, window=window)
        text = built.summary
        if capture.status is CaptureStatus.PARTIAL:
            prefix = f"Partial check ({capture.status_reason})."
            text = prefix_keeping_link(prefix, text, built.links.page)
        await reply(ctx, text)
        await audit(
            ctx,
            "botcheck",
            args,
            capture.status.value,
            f"capture {capture.capture_id}, {capture.chatter_count} chatters, "
            f"verdict {built.analysis.verdict.level.value}",
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(BotCheck(bot))  # type: ignore[arg-type]
