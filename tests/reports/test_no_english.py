"""Every report page kind, in French and in Japanese, shows no English UI word: the next
string left untranslated fails here (issue 18)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.daily import insights, report_dict
from reports.daily_page import DailyLinks, daily_html
from reports.follower_report import follower_page
from reports.i18n import Speaker
from reports.page import page_html
from reports.preparing import preparing_html
from reports.raid_page import raid_page_html
from reports.stream_page import StreamLinks, stream_page_html
from storage import Database
from tests.reports.test_daily import figures, seg
from tests.reports.test_follower_report import _analysed
from tests.reports.test_i18n import _busiest_analysis
from tests.reports.test_raid_page import _raid
from tests.reports.test_stream_page import gather
from tests.reports.visible import english_left, visible_text

# Words of the pages' English that neither French nor Japanese pages use (French borrows
# "stream", "raid", "chat", "spam" and "followers", so those are checked in Japanese only).
COMMON = (
    "accounts", "Accounts", "viewers", "Viewers", "chatters", "Chatters", "created", "days",
    "hours", "minutes ago", "seconds", "times in", "expires", "Download", "Downloads", "the",
    "The", "and", "of", "per", "with", "now", "since", "last", "first", "Check", "checks",
    "Nothing", "none", "elevated", "high", "low", "partial", "kept", "average", "busiest",
    "Share", "younger", "near-identical", "flagged", "Report", "report", "timeout", "delete",
    "verdict:", "Why", "What", "New", "Back", "Not found", "prepared",
)  # fmt: skip
JAPANESE_ONLY = ("Top", "Messages", "messages", "stream", "Stream", "raid", "Raid", "Followers",
                 "followers", "follows", "spam", "hate", "chat", "Chat", "min", "Min")  # fmt: skip
# Proper names in the built pages: channel, logins, stream title and categories, zone names.
NAMES = ("Raid alert", "Speedruns", "Just Chatting", "Chess", "Art", "somechannel", "botcheck",
         "Europe/Paris", "Twitch")  # fmt: skip
SPEAKERS = [
    pytest.param(Speaker("fr", "Europe/Paris"), COMMON, id="fr"),
    pytest.param(Speaker("ja", "Europe/Paris"), COMMON + JAPANESE_ONLY, id="ja"),
]


def check(html: str, tr: Speaker, words: tuple[str, ...], *names: str) -> None:
    assert f'<html lang="{tr.language}">' in html
    left = english_left(visible_text(html), words, NAMES + names)
    assert not left, f"{tr.language}: English left on the page: {left}"


@pytest.mark.parametrize(("tr", "words"), SPEAKERS)
def test_the_check_report_page(tr: Speaker, words: tuple[str, ...]) -> None:
    analysis = _busiest_analysis()
    title = tr.say("botcheck report")
    html = page_html(analysis, title=title, chart_png=b"png", speaker=tr)  # type: ignore[arg-type]
    check(html, tr, words, "nightbot", "moobot")


@pytest.mark.parametrize(("tr", "words"), SPEAKERS)
async def test_the_stream_page(db: Database, tr: Speaker, words: tuple[str, ...]) -> None:
    report = await gather(db)
    html = stream_page_html(report, chart_png=b"png", links=StreamLinks(), speaker=tr)
    logins = [c.login for c in report.top_chatters]
    logins += [ev.reason for ev in report.events if ev.reason]  # the moderators' own words
    check(html, tr, words, *logins, report.summary.session.category or "")


@pytest.mark.parametrize(("tr", "words"), SPEAKERS)
def test_the_raid_page(tr: Speaker, words: tuple[str, ...]) -> None:
    raid = _raid(t0=_raid.__defaults__[1] + timedelta(minutes=30))  # type: ignore[index]
    assert raid is not None
    html = raid_page_html(raid, speaker=tr)
    texts = [m.text for m in raid.messages] + [a.login for a in raid.accounts]
    check(html, tr, words, *texts)


@pytest.mark.parametrize(("tr", "words"), SPEAKERS)
@pytest.mark.parametrize("attack", [True, False], ids=["attack", "organic"])
def test_the_follower_page(tr: Speaker, words: tuple[str, ...], attack: bool) -> None:
    analysis, followers = _analysed(attack)
    title = tr.say("Followers of {name}", name="somechannel")
    html = follower_page(analysis, title=title, speaker=tr)  # type: ignore[arg-type]
    check(html, tr, words, *[f.account.login for f in followers])


@pytest.mark.parametrize(("tr", "words"), SPEAKERS)
def test_the_daily_page(tr: Speaker, words: tuple[str, ...]) -> None:
    f = figures(
        segments=(seg("Chess", 20, 1, 100, 100), seg("Art", 21, 1, 60, 100)),
        messages=400,
        previous=200.0,
        spans=tuple(range(0, 3000, 100)),
    )
    d = report_dict(replace(f, insights=insights(f, ZoneInfo(f.zone))))
    assert len(d["insights"]) >= 3  # observations are on the page to check
    html = daily_html(json.loads(json.dumps(d)), DailyLinks(), tr)  # as stored
    check(html, tr, words, "chan", "t")


@pytest.mark.parametrize(("tr", "words"), SPEAKERS)
def test_the_preparing_page(tr: Speaker, words: tuple[str, ...]) -> None:
    check(preparing_html(speaker=tr), tr, words)
