"""The replies of `!chatstats`, `!top`, `!stats` and `!stream` in the channel's language.

Figures in, one short message out (pure functions over a `Speaker`). Hours of the day are
counted in UTC by storage; they are shown in the channel's timezone, shifted by its offset at
the time of the reply and labelled with the zone's abbreviation. Logins and emote names come
from Twitch (letters, digits and underscores), never free text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from reports import zones
from reports.i18n import Speaker
from reports.stream_text import TOP_SHARE_FROM, TOP_SHARE_MAX, ChannelFigures, busiest_hour
from reports.stream_words import action, duration, moderation, rate
from reports.summary import MAX_CHARS
from storage.stats import LENGTH_SAMPLE
from storage.stats_results import (
    ChatterCount,
    ReplyTarget,
    RisingChatter,
    StreamSummary,
    UserStats,
)
from storage.stream_stats_results import Returning


def _join(tr: Speaker, sentences: Sequence[str]) -> str:
    """Sentences one after another: Japanese puts no space between them."""
    return ("" if tr.language == "ja" else " ").join(sentences)


def hour(tr: Speaker, utc_hour: int, now: datetime) -> str:
    """A UTC hour of the day in the channel's timezone at `now`: "21:00 CET"."""
    tz = zones.zone(tr.timezone)
    at = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    at = at.replace(hour=utc_hour)
    return f"{at.astimezone(tz):%H:%M} {zones.abbreviation(now, tz)}"


def messages(tr: Speaker, n: int) -> str:
    return tr.nsay("{n} message", "{n} messages", n)


def chatters(tr: Speaker, n: int) -> str:
    return tr.nsay("{n} chatter", "{n} chatters", n)


def chatstats_text(tr: Speaker, f: ChannelFigures, *, now: datetime) -> str:
    """The `!chatstats` answer."""
    if f.all_time.messages == 0:
        return tr.say(
            "No chat recorded in this channel yet: statistics start with the next message."
        )
    values = {"rate": rate(tr, f.now.per_minute), "chatters": chatters(tr, f.active_5m)}
    if f.viewers:
        parts = [
            tr.say(
                "Chat now: {rate} msg/min over 10 min, {chatters} in the last 5 min "
                "while {viewers} watch.",
                viewers=tr.nsay("{n} viewer", "{n} viewers", f.viewers),
                **values,
            )
        ]
    else:
        parts = [
            tr.say("Chat now: {rate} msg/min over 10 min, {chatters} in the last 5 min.", **values)
        ]
    parts.append(
        tr.say(
            "Last 7 days: {messages} from {chatters}.",
            messages=messages(tr, f.week.messages),
            chatters=chatters(tr, f.week.chatters),
        )
    )
    busiest = busiest_hour(f.week_hours)
    if busiest is not None:
        parts.append(tr.say("Busiest hour: {hour}.", hour=hour(tr, busiest, now)))
    if f.week_emotes:
        emotes = ", ".join(f"{e.label} {tr.num(e.count)}" for e in f.week_emotes[:3])
        parts.append(tr.say("Top emotes: {emotes}.", emotes=emotes))
    parts.append(
        tr.say(
            "All time: {messages} from {chatters}.",
            messages=messages(tr, f.all_time.messages),
            chatters=chatters(tr, f.all_time.chatters),
        )
    )
    return _join(tr, parts)


def top_text(
    tr: Speaker,
    top: Sequence[ChatterCount],
    *,
    week: bool,
    rising: Sequence[RisingChatter] = (),
) -> str:
    """The `!top` answer: all time, or the last 7 days with the rising chatters."""
    if not top:
        if week:
            return tr.say("No chat recorded here in the last 7 days.")
        return tr.say("No chat recorded here yet.")
    ranked = " · ".join(f"{i}. {c.login} {tr.num(c.messages)}" for i, c in enumerate(top, 1))
    if not week:
        return tr.say("Top chatters, all time: {ranked}.", ranked=ranked)
    out = tr.say("Top chatters, last 7 days: {ranked}.", ranked=ranked)
    if rising:
        up = ", ".join(f"{r.login} +{tr.num(r.gain)}" for r in rising[:3])
        return _join(tr, [out, tr.say("Rising against the 7 days before: {names}.", names=up)])
    return _join(tr, [out, tr.say("Nobody is rising against the 7 days before.")])


def user_text(tr: Speaker, u: UserStats, replies: Sequence[ReplyTarget], *, now: datetime) -> str:
    """The `!stats` answer for one chatter."""
    values = {
        "login": u.login,
        "messages": messages(tr, u.messages),
        "rank": tr.num(u.rank),
        "chatters": chatters(tr, u.chatters),
    }
    if u.chatters >= TOP_SHARE_FROM and u.rank / u.chatters <= TOP_SHARE_MAX:
        # Rounded up: the first of 200 is in the top 1%, never the "top 0%".
        share = tr.pct(math.ceil(100 * u.rank / u.chatters) / 100)
        parts = [tr.say("{login}: {messages} here (#{rank} of {chatters}, top {share}).",
                        share=share, **values)]  # fmt: skip
    else:
        parts = [tr.say("{login}: {messages} here (#{rank} of {chatters}).", **values)]
    length = tr.num(round(u.avg_length))
    if u.messages > LENGTH_SAMPLE:
        parts.append(tr.say("{length} characters on average lately.", length=length))
    else:
        parts.append(tr.say("{length} characters on average.", length=length))
    if u.favourite_hour is not None:
        parts.append(tr.say("Most often around {hour}.", hour=hour(tr, u.favourite_hour, now)))
    parts.append(
        tr.say(
            "First seen {first}, last seen {last}.",
            first=tr.day(u.first_seen.astimezone(zones.zone(tr.timezone)).date()),
            last=_ago(tr, u.last_seen, now),
        )
    )
    if u.timeouts or u.bans:
        received = [action(tr, k, n) for k, n in (("timeout", u.timeouts), ("ban", u.bans)) if n]
        parts.append(tr.say("Received: {actions}.", actions=", ".join(received)))
    else:
        parts.append(tr.say("No timeouts or bans."))
    if replies:
        names = ", ".join(f"{r.login} ({tr.num(r.replies)})" for r in replies)
        parts.append(tr.say("Replies most to {names}.", names=names))
    return _join(tr, parts)


def _ago(tr: Speaker, when: datetime, now: datetime) -> str:
    span = now - when
    if span < timedelta(minutes=1):
        return tr.say("just now")
    if span < timedelta(days=2):
        return tr.say("{duration} ago", duration=duration(tr, span))
    return tr.day(when.astimezone(zones.zone(tr.timezone)).date())


def stream_text(
    tr: Speaker,
    s: StreamSummary,
    *,
    now: datetime,
    link: str | None = None,
    returning: Returning | None = None,
) -> str:
    """The `!stream` answer; `returning` is the stream page's returning-chatters figure.

    The title and category are cut shorter, then left out, when a long language and huge
    figures would not fit one chat message with them.
    """
    for title, category in ((60, 40), (30, 20), (0, 0)):
        out = _stream_text(tr, s, now=now, link=link, returning=returning, cut=(title, category))
        if len(out) <= MAX_CHARS:
            break
    return out


def _stream_text(
    tr: Speaker,
    s: StreamSummary,
    *,
    now: datetime,
    link: str | None,
    returning: Returning | None,
    cut: tuple[int, int],
) -> str:
    session = s.session
    about = ", ".join(x for x in (session.title[: cut[0]], session.category[: cut[1]]) if x)
    about = f" ({about})" if about else ""
    if session.live:
        head = tr.say("Live for {duration}{about}", duration=duration(tr, s.duration), about=about)
    else:
        ended = session.ended_at or now
        head = tr.say(
            "Last stream {when}, {duration}{about}",
            when=tr.when(session.started_at),
            duration=duration(tr, s.duration),
            about=about,
        )
        if now - ended < timedelta(days=1):
            head += ", " + tr.say("ended {duration} ago", duration=duration(tr, now - ended))
    figures = [
        tr.say(
            "{messages} ({rate}/min) from {chatters}",
            messages=messages(tr, s.messages),
            rate=rate(tr, s.per_minute),
            chatters=chatters(tr, s.chatters),
        )
    ]
    if returning is not None and returning.share is not None and returning.earlier_streams:
        figures[0] += " " + tr.say("({share} returning)", share=tr.pct(returning.share))
    if session.peak_viewers:
        figures.append(tr.nsay("peak {n} viewer", "peak {n} viewers", session.peak_viewers))
        if session.avg_viewers:
            figures[-1] += " " + tr.say("(avg {n})", n=tr.num(round(session.avg_viewers)))
        if s.chatter_ratio is not None:
            figures.append(tr.say("chatters/peak {share}", share=tr.pct(s.chatter_ratio)))
    figures.append(moderation(tr, s.moderation))
    if s.captures:
        figures.append(tr.nsay("{n} botcheck", "{n} botchecks", len(s.captures)))
    out = f"{head}: {', '.join(figures)}."
    return f"{out} {link}" if link else out
