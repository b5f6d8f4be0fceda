"""`!chatstats`, `!top [7d]`, `!stats [login]`, `!stream`: the channel's chat in figures.

For the broadcaster, moderators and the owner. `BOTCHECK_STATS_PUBLIC=true` opens `!stats` to
everyone, each viewer limited to one every `BOTCHECK_STATS_USER_COOLDOWN_S` (moderators are
never limited); a viewer inside their cooldown is ignored, not answered.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from twitchio.ext import commands

from bot.chat import parse_login
from commands.common import (
    CommandComponent,
    OncePer,
    audit,
    is_moderator,
    moderators_only,
    reply,
    speaker,
)
from commands.stats_text import chatstats_text, stream_text, top_text, user_text
from reports.i18n import N_
from reports.stream_text import ChannelFigures

if TYPE_CHECKING:
    from bot.bot import BotCheckBot

WEEK = timedelta(days=7)
TOP_USAGE = N_("Use !top for the top chatters of all time, or !top 7d for the last 7 days.")
STATS_USAGE = N_("Use !stats <login> for one chatter's figures here (or !stats for your own).")


def _stats_are_public(ctx: commands.Context[Any]) -> bool:
    return bool(ctx.bot.services.settings.stats_public)


class StatsCommands(CommandComponent):
    """Statistics over the channel's recorded chat (storage/stats.py)."""

    def __init__(self, bot: BotCheckBot) -> None:
        super().__init__(bot)
        self._per_user = OncePer(bot.services.settings.stats_user_cooldown_s)

    @moderators_only()
    @commands.command(name="chatstats")
    async def chatstats(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """Chat now, in the last 7 days and in all: rate, chatters, busiest hour, emotes."""
        services = self.bot.services
        stats = services.db.stats
        channel = int(ctx.broadcaster.id)
        now = services.clock()
        week = {"since": now - WEEK, "until": now}
        figures = ChannelFigures(
            now=await stats.activity(channel, since=now - timedelta(minutes=10), until=now),
            active_5m=await stats.active_chatters(channel, now=now),
            viewers=await stats.current_viewers(channel),
            week=await stats.activity(channel, **week),
            week_hours=await stats.hours(channel, **week),
            week_emotes=await stats.top_emotes(channel, **week, limit=3),
            all_time=await stats.activity(channel),
        )
        await reply(ctx, chatstats_text(await speaker(ctx), figures, now=now))
        await audit(ctx, "chatstats", args, "ok")

    @moderators_only()
    @commands.command(name="top")
    async def top(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """The top chatters of all time, or of the last 7 days with the rising ones."""
        word = args.strip().lower()
        if word not in ("", "7d", "week"):
            await reply(ctx, (await speaker(ctx)).say(TOP_USAGE))
            await audit(ctx, "top", args, "bad-argument")
            return
        services = self.bot.services
        stats = services.db.stats
        channel = int(ctx.broadcaster.id)
        now = services.clock()
        tr = await speaker(ctx)
        if word:
            top = await stats.top_chatters(channel, since=now - WEEK, until=now, limit=5)
            rising = await stats.rising_chatters(channel, now=now, period=WEEK, limit=3)
            text = top_text(tr, top, week=True, rising=rising)
        else:
            text = top_text(tr, await stats.top_chatters(channel, limit=5), week=False)
        await reply(ctx, text)
        await audit(ctx, "top", args, "ok")

    @moderators_only(open_when=_stats_are_public)
    @commands.command(name="stats")
    async def stats(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """One chatter's figures: messages and standing, hours, first/last seen, replies."""
        channel = ctx.broadcaster.id
        # Past the guard, a viewer is here because stats are public: they wait between their own.
        if not is_moderator(ctx) and not self._per_user.allow(f"{channel}:{ctx.chatter.id}"):
            await audit(ctx, "stats", args, "cooldown")
            return
        word = args.strip()
        login = parse_login(word) if word else (ctx.chatter.name or "").lower()
        if not login:
            await reply(ctx, (await speaker(ctx)).say(STATS_USAGE))
            await audit(ctx, "stats", args, "bad-argument")
            return
        services = self.bot.services
        stats = services.db.stats
        user_id = await stats.find_user(int(channel), login)
        user = await stats.user(int(channel), user_id) if user_id is not None else None
        if user_id is None or user is None:
            tr = await speaker(ctx)
            await reply(ctx, tr.say("No chat recorded here from {login} yet.", login=login))
            await audit(ctx, "stats", args, "unknown")
            return
        replies = await stats.reply_targets(int(channel), user_id, limit=2)
        await reply(ctx, user_text(await speaker(ctx), user, replies, now=services.clock()))
        await audit(ctx, "stats", args, "ok", f"user {user_id}")

    @moderators_only()
    @commands.command(name="stream")
    async def stream(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """The current stream, or else the last one, in figures, with its report link."""
        services = self.bot.services
        streams = self.bot.services.stream_reports
        session = await streams.latest(int(ctx.broadcaster.id))
        if session is None:
            await reply(ctx, (await speaker(ctx)).say("No stream recorded in this channel yet."))
            await audit(ctx, "stream", args, "none")
            return
        now = services.clock()
        summary = await services.db.stats.stream_summary(session, now=now)
        # The stream page's own query (storage.stream_stats), so chat and page agree.
        back = await services.db.stream_stats.returning(
            session.channel_id, session.started_at, summary.until
        )
        link = None if streams.expired(session) else streams.links(session.report_token).page
        tr = await speaker(ctx)
        await reply(ctx, stream_text(tr, summary, now=now, link=link, returning=back))
        await audit(ctx, "stream", args, "ok", f"session {session.session_id}")


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(StatsCommands(bot))  # type: ignore[arg-type]
