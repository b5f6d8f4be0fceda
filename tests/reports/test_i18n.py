"""Channel languages: every catalog is complete, every reply still fits one chat message, and
numbers and times read the channel's way."""

from __future__ import annotations

import dataclasses
import re
import string
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.defence.enforcer import LIFTED, TIMED_OUT, RunResult
from bot.defence.moderation import Outcome
from commands import stats_text
from commands.botcheck import help_text
from reports import i18n
from reports.analysis import analyze
from reports.i18n import LANGUAGES, Speaker, parse_language
from reports.model import Level, Verdict
from reports.page import page_html
from reports.stream_text import ChannelFigures
from reports.summary import LEADS, MAX_CHARS, summary_text
from storage.models import StreamSession
from storage.stats_results import (
    ActionCount,
    Activity,
    CaptureBrief,
    ChatterCount,
    EmoteCount,
    HourCount,
    ReplyTarget,
    RisingChatter,
    StreamSummary,
    UserStats,
)
from storage.stream_stats_results import Returning
from tests.reports.builders import NOW, account, farm, organic

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != i18n.DEFAULT]
# The same keywords as `make messages` (Makefile: pybabel extract -k say -k nsay:1,2 -k N_).
KEYWORDS = {"say": None, "nsay": (1, 2), "N_": None, "_": None, "gettext": None,
            "ngettext": (1, 2)}  # fmt: skip
# A channel name of Twitch's longest (25) and a report link longer than ours ever are.
LONG_NAME = "a_very_long_channel_name_"
LONG_LINK = "https://botcheck.some-long-community-domain.example.org/r/" + "Zx9_k2LqP0aB" * 4


def extracted() -> dict[str, tuple[str, ...]]:
    """Every marked message in the code and templates: id -> (singular[, plural])."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        forms = message if isinstance(message, tuple) else (message,)
        found[forms[0]] = tuple(f for f in forms if f)
    return found


def placeholders(text: str) -> set[str]:
    """`{name}` (Python) and `%(name)s` (templates) placeholders of a message."""
    braces = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return braces | set(re.findall(r"%\((\w+)\)s", text))


@pytest.fixture(scope="module")
def messages() -> dict[str, tuple[str, ...]]:
    found = extracted()
    assert len(found) > 80  # the extraction saw the code, not an empty tree
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalog_translates_every_message_with_its_placeholders(
    language: str, messages: dict[str, tuple[str, ...]]
) -> None:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    entries = {(m.id[0] if isinstance(m.id, tuple) else m.id): m for m in catalog if m.id}
    missing = sorted(set(messages) - set(entries))
    assert not missing, f"{language}: run `make messages` and translate {missing[:5]}"
    for msgid, forms in messages.items():
        entry = entries[msgid]
        assert not entry.fuzzy, f"{language}: fuzzy {msgid!r}"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"{language}: untranslated {msgid!r}"
        wanted = set().union(*(placeholders(f) for f in forms))
        for s in strings:
            # A plural may leave out {n} ("the last day"), never invent or drop another one.
            assert placeholders(s) - {"n"} == wanted - {"n"}, f"{language}: {msgid!r} -> {s!r}"


def _busiest_analysis() -> object:
    """Every sentence the summary can say at once: waves, window, viewers, bots, unknowns."""
    members = farm(312, datetime(2026, 10, 30, tzinfo=UTC), spread=timedelta(days=4))
    members += farm(90, datetime(2025, 3, 2, tzinfo=UTC), spread=timedelta(days=1))
    bots = [account("nightbot", NOW - timedelta(days=4000)), account("moobot", None)]
    lurkers = [account(f"lurker_{i}", NOW - timedelta(days=900)) for i in range(3)]
    unknown = [account(f"nodate_{i}", None) for i in range(7)]
    return analyze(
        organic(1_720) + members + bots + lurkers + unknown,
        now=NOW,
        known_bot_logins=frozenset(a.login for a in lurkers),
        viewer_count=1_234_567,
        window=timedelta(days=30),
    )


@pytest.fixture(scope="module")
def busiest() -> object:
    return _busiest_analysis()


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_longest_check_summary_fits_one_message_in_every_language(
    language: str, busiest: object
) -> None:
    tr = Speaker(language, "Pacific/Auckland")
    text = summary_text(busiest, LONG_LINK, tr)  # type: ignore[arg-type]
    assert len(text) <= MAX_CHARS
    assert text.endswith(LONG_LINK)
    assert text.startswith(tr.say(LEADS[Level.HIGH]))
    assert "…" not in text  # the lead was not cut short
    if language != i18n.DEFAULT:
        assert "chatters' accounts" not in text and "The stream" not in text


def long_ban_plan(tr: Speaker) -> str:
    """The longest ban plan sentence: every kind of spared account."""
    spared = [
        tr.say("{count} who chatted here before the wave", count="123,456"),
        tr.say("{count} moderators, VIPs or bots", count="123,456"),
    ]
    return (
        tr.nsay(
            "{n} wave/burst account would be banned",
            "{n} wave/burst accounts would be banned",
            123_456,
        )
        + tr.say("; spared: {names}", names=", ".join(spared))
        + "."
    )


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_every_reply_with_long_values_fits_one_message(
    language: str, messages: dict[str, tuple[str, ...]]
) -> None:
    """Fill every chat message (those with `{}` placeholders) with long, realistic values."""
    tr = Speaker(language)
    long = {
        "link": LONG_LINK,
        "login": LONG_NAME,
        "name": LONG_NAME,
        "names": LONG_NAME + ", " + LONG_NAME[:-1] + "2",
        "when": tr.when(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)),
        "zone": "America/Argentina/ComodRivadavia (UTC-03 now)",
        "choices": i18n.choices(),
        "language": "Português",
        "usage": tr.say(i18n.N_("Use !whois <login>, for example !whois some_viewer.")),
        "command": "chatstats",
        "verdict": "elevated",
        "keep": tr.nsay("kept {n} day", "kept {n} days", 30),
        "keeps": tr.nsay("kept {n} day after the stream", "kept {n} days after the stream", 30),
        "duration": "2 h 05 min",
        # What the bot says on its own (defence, watch, followers): the longest fillers.
        "headline": tr.say(
            "Raid from {login} ({viewers} viewers): {count} new chatters, "
            "looks like an honest raid",
            login=LONG_NAME,
            viewers="123,456,789",
            count="123,456,789",
        ),
        "reasons": tr.say(
            "{count} accounts under {days} days old in {secs} s", count=123_456, days=7, secs=99
        )
        + "; "
        + tr.say("{first} first-time chatters, {young} young accounts", first=123_456, young=1),
        "result": RunResult(123_456, 123_456, 123_456, Outcome.UNAVAILABLE).sentence(LIFTED, tr),
        "reason": tr.say("raid from {login} with {viewers} viewers", login=LONG_NAME, viewers=1),
        "plan": long_ban_plan(tr),
        "verb": tr.say(TIMED_OUT),
    }
    for msgid, forms in messages.items():
        if "%(" in msgid or "<" in msgid.replace("<login>", "").replace("<zone>", ""):
            continue  # a page's text, not a chat reply
        values = {k: long.get(k, "123,456,789") for k in placeholders(msgid) if k != "n"}
        text = tr.nsay(forms[0], forms[1], 123_456, **values) if len(forms) == 2 else tr.say(msgid)
        if len(forms) == 1 and values:
            text = tr.say(msgid, **values)
        assert len(text) <= MAX_CHARS, f"{language}: {len(text)} chars: {text}"


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_help_with_every_command_fits_one_message(language: str) -> None:
    names = ["botcheck", "help", "commands", "whois", "chatstats", "top", "stats", "stream"]
    assert len(help_text([*names, "report"], Speaker(language))) <= MAX_CHARS


@pytest.mark.parametrize(
    ("language", "zone", "number", "when", "day"),
    [
        pytest.param("en", "UTC", "1,234,567", "1 Dec 2026 20:05 UTC", "3 Nov 2026", id="en"),
        pytest.param(
            "fr", "Europe/Paris", "1 234 567", "1 déc. 2026 21:05 CET", "3 nov. 2026", id="fr"
        ),
        pytest.param(
            "ja", "Asia/Tokyo", "1,234,567", "2026/12/02 05:05 JST", "2026/11/03", id="ja"
        ),
        pytest.param(
            "es", "America/Mexico_City", "1.234.567", "1 dic 2026 14:05 CST", "3 nov 2026", id="es"
        ),
        pytest.param(
            "de", "Pacific/Auckland", "1.234.567", "02.12.2026 09:05 NZDT", "03.11.2026", id="de"
        ),
        pytest.param(
            "pt",
            "America/Sao_Paulo",
            "1.234.567",
            "1 de dez. de 2026 17:05 UTC-03",
            "3 de nov. de 2026",
            id="pt",
        ),
    ],
)
def test_numbers_and_times_read_the_channels_way(
    language: str, zone: str, number: str, when: str, day: str
) -> None:
    tr = Speaker(language, zone)
    plain = str.maketrans({"\u202f": " ", "\xa0": " "})  # chat folds these into spaces
    assert tr.num(1_234_567).translate(plain) == number
    assert tr.when(datetime(2026, 12, 1, 20, 5, tzinfo=UTC)).translate(plain) == when
    assert tr.day(date(2026, 11, 3)) == day


def test_an_unknown_or_english_language_reads_the_message_ids() -> None:
    assert Speaker("en").say("Report: {link}", link="x") == "Report: x"
    assert Speaker("xx").say("Report: {link}", link="x") == "Report: x"
    assert Speaker("fr").say("Report: {link}", link="x") == "Rapport : x"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("fr", "fr", id="code"),
        pytest.param(" FR ", "fr", id="case-and-spaces"),
        pytest.param("pt-BR", "pt", id="region"),
        pytest.param("pt_br", "pt", id="underscore-region"),
        pytest.param("Japanese", "ja", id="english-name"),
        pytest.param("Deutsch", "de", id="own-name"),
        pytest.param("日本語", "ja", id="own-name-japanese"),
    ],
)
def test_language_names_and_codes_are_understood(raw: str, code: str) -> None:
    assert parse_language(raw) == code


@pytest.mark.parametrize("raw", ["klingon", "", "x" * 300, "zh"])
def test_other_languages_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="not a language"):
        parse_language(raw)


def test_a_calm_summary_in_japanese_is_japanese() -> None:
    a = analyze(organic(300), now=NOW, viewer_count=2)
    a = dataclasses.replace(a, verdict=Verdict(Level.LOW, ()))
    text = summary_text(a, "https://x.example/r/t", Speaker("ja"))
    assert text.startswith("異常なし：")
    assert "配信の視聴者数は 2 人です。" in text
    assert text.endswith("レポート：https://x.example/r/t")


@pytest.mark.parametrize(
    ("language", "zone", "words"),
    [
        pytest.param(
            "fr",
            "Europe/Paris",
            ("Comment lire ce rapport", "Vagues de viewbots probables", "heures en CET"),
            id="fr",
        ),
        pytest.param(
            "ja", "Asia/Tokyo", ("このレポートの読み方", "時刻は JST", "チャット参加者"), id="ja"
        ),
    ],
)
def test_the_report_page_is_written_in_the_channels_language(
    language: str, zone: str, words: tuple[str, ...]
) -> None:
    members = farm(312, datetime(2026, 11, 2, tzinfo=UTC), spread=timedelta(days=2))
    a = analyze(organic(972) + members, now=NOW, viewer_count=1_310)
    html = page_html(a, title="t", chart_png=b"png", speaker=Speaker(language, zone))
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html
    assert "How to read this" not in html and "<b>" in html  # markup kept, text translated


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_statistics_replies_with_long_values_fit_one_message(language: str) -> None:
    """`!chatstats`, `!top`, `!stats`, `!stream` at their longest, in a far timezone."""
    tr = Speaker(language, "America/Argentina/ComodRivadavia")
    big = 123_456_789
    activity = Activity(big, big, NOW - timedelta(minutes=10), NOW)
    figures = ChannelFigures(
        now=activity,
        active_5m=big,
        viewers=big,
        week=activity,
        week_hours=tuple(HourCount(h, big) for h in range(24)),
        week_emotes=tuple(EmoteCount("E" * 25, big) for _ in range(3)),
        all_time=activity,
    )
    top = [ChatterCount(i, LONG_NAME, big) for i in range(5)]
    rising = [RisingChatter(i, LONG_NAME, big, 0) for i in range(3)]
    user = UserStats(1, LONG_NAME, big, big, big, 23, NOW, NOW - timedelta(days=1), big, big, 499)
    replies = [ReplyTarget(i, LONG_NAME, big) for i in range(2)]
    captures = tuple(CaptureBrief(i, NOW, "complete", "high", big, big, "x") for i in range(9))
    actions = tuple(ActionCount(a, big) for a in ("ban", "timeout", "delete", "clear"))
    texts = [
        stats_text.chatstats_text(tr, figures, now=NOW),
        stats_text.top_text(tr, top, week=False),
        stats_text.top_text(tr, top, week=True, rising=rising),
        stats_text.user_text(tr, user, replies, now=NOW),
    ]
    for live in (True, False):
        session = StreamSession(1, 42, "s", NOW - timedelta(days=30), None if live else NOW,
                                "t" * 140, "c" * 60, big, big / 2, "t" * 32, False)  # fmt: skip
        summary = StreamSummary(session, NOW, big, big, actions, captures)
        back = Returning(big, big, big)
        texts.append(stats_text.stream_text(tr, summary, now=NOW, link=LONG_LINK, returning=back))
    for text in texts:
        assert len(text) <= MAX_CHARS, f"{language}: {len(text)} chars: {text}"
