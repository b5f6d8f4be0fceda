"""`!whois <login>`: an account's age, its earlier names, and its history in this channel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from twitchio.ext import commands

from bot.chat import parse_login
from bot.helix import HelixError
from commands.common import CommandComponent, audit, moderators_only, reply, speaker
from reports.i18n import ENGLISH, N_, Speaker

USAGE = N_("Use !whois <login>, for example !whois some_viewer.")


def age_words(created: datetime, now: datetime, tr: Speaker = ENGLISH) -> str:
    """Return an account's age in words: "3 days", "5 months", "7 years 2 months"."""
    days = max(0, (now - created).days)
    if days < 1:
        return tr.say("less than a day")
    if days < 60:
        return tr.nsay("{n} day", "{n} days", days)
    months = days * 12 // 365
    if months < 24:
        return tr.nsay("{n} month", "{n} months", months)
    years, rest = divmod(months, 12)
    if not rest:
        return tr.nsay("{n} year", "{n} years", years)
    return tr.say(
        "{years} {months}",
        years=tr.nsay("{n} year", "{n} years", years),
        months=tr.nsay("{n} month", "{n} months", rest),
    )


class AccountCommands(CommandComponent):
    @moderators_only()
    @commands.command(name="whois")
    async def whois(self, ctx: commands.Context[Any], *, args: str = "") -> None:
        """Describe one account: age, renames, history in this channel."""
        channel = ctx.broadcaster.id
        tr = await speaker(ctx)
        login = parse_login(args.split(maxsplit=1)[0]) if args.split() else None
        if login is None:
            usage = tr.say(USAGE)
            if args.strip():
                usage = tr.say("That is not a Twitch login. {usage}", usage=usage)
            await reply(ctx, usage)
            await audit(ctx, "whois", args, "bad-argument")
            return
        services = self.bot.services
        # A check that just answered may still be storing its chatters (issue 21).
        await services.reports.recorded(int(channel))
        account = await services.db.accounts.by_login(login)
        if account is None or account.created_at is None:
            try:
                found = await services.helix.get_users_by_login([login])
            except HelixError:
                await reply(
                    ctx, tr.say("Twitch did not answer the lookup; please try again shortly.")
                )
                await audit(ctx, "whois", args, "failed", "helix")
                return
            if found:
                await services.db.accounts.upsert_many(found, seen_at=services.clock())
                account = found[0]
        if account is not None and account.created_at is None and account.gone_at is None:
            # Twitch sent the account with a date we could not read: say so, not "no account".
            await reply(
                ctx,
                tr.say(
                    "{login} exists, but Twitch gave no readable creation date.",
                    login=account.login,
                ),
            )
            await audit(ctx, "whois", args, "unknown-age")
            return
        if account is None or account.created_at is None:
            await reply(ctx, tr.say("No Twitch account is called {login} now.", login=login))
            await audit(ctx, "whois", args, "unknown")
            return

        now = services.clock()
        parts = [
            tr.say(
                "{name}: created {day}, {age} ago.",
                name=account.display_name or account.login,
                day=tr.day(account.created_at.date()),
                age=age_words(account.created_at, now, tr),
            )
        ]
        names = await services.db.accounts.names(account.user_id)
        earlier = [n.login for n in names if n.login != account.login]
        if earlier:
            shown = ", ".join(dict.fromkeys(earlier))
            parts.append(tr.say("Earlier names: {names}.", names=shown))
        presence = await services.db.captures.presence(int(channel), account.user_id)
        if presence.captures_with_user and presence.first_seen_at and presence.last_seen_at:
            parts.append(
                tr.say(
                    "Here: in {seen} of {checks} checks, first {first}, last {last}.",
                    seen=tr.num(presence.captures_with_user),
                    checks=tr.num(presence.captures_in_channel),
                    first=tr.day(presence.first_seen_at.date()),
                    last=tr.day(presence.last_seen_at.date()),
                )
            )
        else:
            parts.append(tr.say("Not seen in any check in this channel yet."))
        await reply(ctx, " ".join(parts))
        await audit(ctx, "whois", args, "ok", str(account.user_id))


async def setup(bot: commands.Bot) -> None:
    await bot.add_component(AccountCommands(bot))  # type: ignore[arg-type]
