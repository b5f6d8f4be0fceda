"""`!report [keep]` and `!report stream [keep]`: the latest botcheck report or stream report,
and keeping it past retention."""

from __future__ import annotations

from typing import Any

from twitchio.ext import commands

from commands.common import CommandComponent, audit, moderators_only, reply
from reports.stream_text import duration
from reports.text import clock

USAGE = (
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
        word = " ".join(args.lower().split())
        if word in ("stream", "stream keep"):
            await self._stream(ctx, args, keep=word.endswith("keep"))
            return
        if word not in ("", "keep"):
            await reply(ctx, USAGE)
            await audit(ctx, "report", args, "bad-argument")
            return
        services = self.bot.services
        latest = await services.db.captures.latest(int(channel))
        if latest is None:
            await reply(ctx, "No report yet in this channel: run !botcheck first.")
            await audit(ctx, "report", args, "none")
            return
        if not await services.reports.available(latest.report_token):
            # Never a link that answers 404: the files are gone (expired, or never written).
            await reply(
                ctx,
                f"The latest report ({clock(latest.started_at)}) has no page any more: "
                "run !botcheck for a new one.",
            )
            await audit(ctx, "report", args, "missing", f"capture {latest.capture_id}")
            return
        link = services.reports.links(latest.report_token).page
        if word == "keep":
            await services.db.captures.pin(latest.capture_id)
            await reply(
                ctx, f"Kept: the report of {clock(latest.started_at)} will not expire. {link}"
            )
            await audit(ctx, "report", args, "pinned", f"capture {latest.capture_id}")
            return
        verdict = f", verdict {latest.verdict}" if latest.verdict else ""
        days = services.settings.report_ttl_days
        keep = "kept" if latest.pinned else f"kept {days} days"
        await reply(
            ctx,
            f"Latest report ({clock(latest.started_at)}, {latest.chatter_count} chatters"
            f"{verdict}; {keep}): {link}",
        )
        await audit(ctx, "report", args, "ok", f"capture {latest.capture_id}")

    async def _stream(self, ctx: commands.Context[Any], args: str, *, keep: bool) -> None:
        """Give the current (or last) stream's report link; with `keep`, pin it."""
        streams = self.bot.services.stream_reports
        session = await streams.latest(int(ctx.broadcaster.id))
        if session is None:
            await reply(ctx, "No stream recorded in this channel yet.")
            await audit(ctx, "report", args, "none")
            return
        if streams.expired(session) and not keep:
            await reply(
                ctx, "The last stream's report has expired: !report stream keep brings it back."
            )
            await audit(ctx, "report", args, "expired", f"session {session.session_id}")
            return
        link = streams.links(session.report_token).page
        if keep:
            await streams.pin(session)
            await reply(
                ctx,
                f"Kept: the report of the stream of {clock(session.started_at)} "
                f"will not expire, its chat lines included (deleted ones excepted). {link}",
            )
            await audit(ctx, "report", args, "pinned", f"session {session.session_id}")
            return
        days = self.bot.services.settings.report_ttl_days
        if session.live:
            when = f"live for {duration(self.bot.services.clock() - session.started_at)}"
        else:
            when = f"stream of {clock(session.started_at)}"
        keeps = "kept" if session.pinned else f"kept {days} days after the stream"
        await reply(ctx, f"Stream report ({when}; {keeps}): {link}")
        await audit(ctx, "report", args, "ok", f"session {session.session_id}")


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(ReportCommands(bot))  # type: ignore[arg-type]
