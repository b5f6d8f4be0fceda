"""`!report [keep]` and `!report stream [keep]`: the latest botcheck report or stream report,
and keeping it past retention."""

from __future__ import annotations

from typing import Any

from twitchio.ext import commands

from commands.common import CommandComponent, audit, moderators_only, reply, speaker
from reports.i18n import N_
from reports.stream_text import duration

USAGE = N_(
    "Use !report for the latest report, !report keep to keep it past retention, "
    "!report stream for this stream's report (or the last one's), !report stream keep to keep it "
    "(with its chat lines, past chat retention)."
)


class ReportCommands(CommandComponent):
    @moderators_only()
    @commands.command(name="report")
    async def report(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """Give the latest report link; `!report keep` pins it."""
        channel = ctx.broadcaster.id
        tr = await speaker(ctx)
        word = " ".join(args.lower().split())
        if word in ("stream", "stream keep"):
            await self._stream(ctx, args, keep=word.endswith("keep"))
            return
        if word not in ("", "keep"):
            await reply(ctx, tr.say(USAGE))
            await audit(ctx, "report", args, "bad-argument")
            return
        services = self.bot.services
        # A check that just answered may still be storing its chatters and verdict (issue 21).
        await services.reports.recorded(int(channel))
        latest = await services.db.captures.latest(int(channel))
        if latest is None:
            await reply(ctx, tr.say("No report yet in this channel: run !botcheck first."))
            await audit(ctx, "report", args, "none")
            return
        if not await services.reports.available(latest.report_token):
            # Never a link that answers 404: the files are gone (expired, or never written).
            await reply(
                ctx,
                tr.say(
                    "The latest report ({when}) has no page any more: run !botcheck for a new one.",
                    when=tr.when(latest.started_at),
                ),
            )
            await audit(ctx, "report", args, "missing", f"capture {latest.capture_id}")
            return
        link = services.reports.links(latest.report_token).page
        if word == "keep":
            await services.db.captures.pin(latest.capture_id)
            await reply(
                ctx,
                tr.say(
                    "Kept: the report of {when} will not expire. {link}",
                    when=tr.when(latest.started_at),
                    link=link,
                ),
            )
            await audit(ctx, "report", args, "pinned", f"capture {latest.capture_id}")
            return
        verdict = tr.say(", verdict {verdict}", verdict=latest.verdict) if latest.verdict else ""
        days = services.settings.report_ttl_days
        keep = tr.say("kept") if latest.pinned else tr.nsay("kept {n} day", "kept {n} days", days)
        await reply(
            ctx,
            tr.say(
                "Latest report ({when}, {count} chatters{verdict}; {keep}): {link}",
                when=tr.when(latest.started_at),
                count=tr.num(latest.chatter_count),
                verdict=verdict,
                keep=keep,
                link=link,
            ),
        )
        await audit(ctx, "report", args, "ok", f"capture {latest.capture_id}")

    async def _stream(self, ctx: commands.Context[Any], args: str, *, keep: bool) -> None:
        """Give the current (or last) stream's report link; with `keep`, pin it."""
        streams = self.bot.services.stream_reports
        tr = await speaker(ctx)
        session = await streams.latest(int(ctx.broadcaster.id))
        if session is None:
            await reply(ctx, tr.say("No stream recorded in this channel yet."))
            await audit(ctx, "report", args, "none")
            return
        if streams.expired(session) and not keep:
            await reply(
                ctx,
                tr.say("The last stream's report has expired: !report stream keep brings it back."),
            )
            await audit(ctx, "report", args, "expired", f"session {session.session_id}")
            return
        link = streams.links(session.report_token).page
        if keep:
            await streams.pin(session)
            await reply(
                ctx,
                tr.say(
                    "Kept: the report of the stream of {when} will not expire, its chat lines "
                    "included (deleted ones excepted). {link}",
                    when=tr.when(session.started_at),
                    link=link,
                ),
            )
            await audit(ctx, "report", args, "pinned", f"session {session.session_id}")
            return
        days = self.bot.services.settings.report_ttl_days
        if session.live:
            now = self.bot.services.clock()
            lasted = (
                duration(now - session.started_at)
                if tr.english
                else tr.span(session.started_at, now)
            )
            when = tr.say("live for {duration}", duration=lasted)
        else:
            when = tr.say("stream of {when}", when=tr.when(session.started_at))
        keeps = (
            tr.say("kept")
            if session.pinned
            else tr.nsay("kept {n} day after the stream", "kept {n} days after the stream", days)
        )
        await reply(
            ctx,
            tr.say("Stream report ({when}; {keeps}): {link}", when=when, keeps=keeps, link=link),
        )
        await audit(ctx, "report", args, "ok", f"session {session.session_id}")


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(ReportCommands(bot))  # type: ignore[arg-type]
