"""What the bot says on its own and the pages outside the check report, in the channel's
language: raid alerts, the forget answer, follower summaries, ban-run sentences; and the
`Phrase` that carries English reasons from the analysis to them."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta

import pytest

from bot.defence.enforcer import BANNED, RunResult
from bot.defence.moderation import Outcome
from bot.history import Forgotten
from reports.analysis import analyze
from reports.follower_report import follower_page, follower_summary
from reports.followers import analyze_followers
from reports.i18n import ENGLISH, LANGUAGES, N_, Phrase, Speaker, said
from reports.page import page_html
from reports.raid_model import Raid
from reports.raid_page import raid_page_html
from reports.raids import RaidDetector
from reports.summary import MAX_CHARS
from tests.reports.builders import NOW, farm, organic
from tests.reports.test_follower_report import LINK, _analysed
from tests.reports.test_i18n import LONG_LINK, LONG_NAME
from tests.reports.test_raids import RULES, feed


def spam_raid(login: str = "raider") -> Raid:
    d = RaidDetector("chan", rules=RULES)
    for i in range(12):
        feed(d, i * 0.2, 5000 + i, "follow my channel now", age_days=0.5, first=True)
    assert d.active is not None
    return d.active


def test_a_phrase_is_its_english_text_everywhere_but_in_another_language() -> None:
    p = Phrase(N_("raid from {login} just before"), login="bigstreamer")
    assert p == "raid from bigstreamer just before" and json.dumps([p]) == json.dumps([str(p)])
    assert pickle.loads(pickle.dumps(p)).said(Speaker("fr")) == "raid de bigstreamer juste avant"
    assert said(p, ENGLISH) == p and said("plain text", Speaker("ja")) == "plain text"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        pytest.param("en", "Raid alert: spam raid by 12 accounts (8 near-identical", id="en"),
        pytest.param("fr", "Raid alert: raid de spam par 12 comptes (8 messages quasi", id="fr"),
        pytest.param("ja", "Raid alert: 12 アカウントによるスパムレイド", id="ja"),
    ],
)
def test_a_raid_alert_speaks_the_channels_language_and_keeps_its_searchable_prefix(
    language: str, words: str
) -> None:
    raid = spam_raid()
    line = raid.headline(Speaker(language))
    assert line.startswith(words), line
    assert raid.headline() == raid.headline(ENGLISH)  # the English default is unchanged
    assert raid.to_dict()["reasons"][0].startswith("8 near-identical messages in")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_the_longest_raid_alert_fits_one_message(language: str) -> None:
    tr = Speaker(language)
    d = RaidDetector("chan", rules=RULES)
    d.note_incoming_raid(datetime(2026, 11, 21, 19, 59, 50, tzinfo=UTC), LONG_NAME, 123_456)
    for i in range(40):
        feed(d, i * 0.2, 9000 + i, "follow my channel now", age_days=0.5, first=True)
    assert d.active is not None
    line = tr.say("{headline}. Details: {link}", headline=d.active.headline(tr), link=LONG_LINK)
    assert len(line) <= MAX_CHARS, line


@pytest.mark.parametrize(
    ("forgotten", "language", "words"),
    [
        pytest.param(Forgotten(1, {}, 3), "fr", "C’est fait : botcheck a supprimé", id="fr-done"),
        pytest.param(Forgotten(1, {}, 3, folders_left=2), "fr", "2 dossier(s)", id="fr-partial"),
        pytest.param(Forgotten(1, {}, 3, rows_deleted=False), "ja", "一部のみ完了", id="ja-db"),
        pytest.param(Forgotten(1, {}, 3), "en", "Done: botcheck deleted", id="en"),
    ],
)
def test_the_forget_answer_speaks_the_channels_language(
    forgotten: Forgotten, language: str, words: str
) -> None:
    answer = forgotten.answer(Speaker(language))
    assert words in answer and len(answer) <= MAX_CHARS


@pytest.mark.parametrize(
    ("attack", "language", "lead"),
    [
        pytest.param(True, "fr", "Follow-bots probables : ", id="fr-attack"),
        pytest.param(False, "ja", "異常なし: ", id="ja-organic"),
    ],
)
def test_a_follower_summary_speaks_the_channels_language(
    attack: bool, language: str, lead: str
) -> None:
    analysis, _ = _analysed(attack)
    text = follower_summary(analysis, LINK, Speaker(language, "Europe/Paris"))  # type: ignore[arg-type]
    assert text.startswith(lead), text
    assert text.endswith(LINK) and len(text) <= MAX_CHARS


def test_an_empty_follower_summary_in_german() -> None:
    empty = analyze_followers([], now=datetime(2026, 11, 21, tzinfo=UTC))
    assert follower_summary(empty, LINK, Speaker("de")).startswith("Nichts zu prüfen")


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_a_stopped_ban_run_sentence_fits_with_every_part(language: str) -> None:
    tr = Speaker(language)
    result = RunResult(123_456, 123_456, 123_456, Outcome.NO_SCOPE)
    line = tr.say("Ban run {run}: {result}.", run=123_456, result=result.sentence(BANNED, tr))
    assert len(line) <= MAX_CHARS
    if language == "en":
        assert result.sentence(BANNED) == (
            "banned 123456, 123456 refused by Twitch, "
            "stopped with 123456 left: my token lacks a moderation scope"
        )


def test_an_old_forget_answer_in_english_is_unchanged() -> None:
    assert Forgotten(1, {}, 3, folders_left=2).answer() == (
        "Only partly done: 3 report(s) deleted, but 2 report folder(s) could not be removed, "
        "so the chat history and statistics were kept too; it has been logged. Type !botcheck "
        "forget again later to finish."
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        pytest.param(
            "fr", ("Raid de spam sur chan", "Première fois ici", "messages quasi"), id="fr"
        ),
        pytest.param("ja", ("スパムレイド", "初参加", "読み方"), id="ja"),
    ],
)
def test_the_raid_page_is_written_in_the_channels_language(
    language: str, words: tuple[str, ...]
) -> None:
    html = raid_page_html(spam_raid(), speaker=Speaker(language))
    assert f'<html lang="{language}">' in html
    for word in words:
        assert word in html, word
    assert "How to read this" not in html and "<b>" in html


def test_the_english_raid_page_keeps_its_words() -> None:
    html = raid_page_html(spam_raid())
    assert '<html lang="en">' in html and "Spam raid in chan" in html
    assert "8 near-identical messages in" in html and "How to read this" in html


def test_the_follower_page_is_written_in_the_channels_language() -> None:
    analysis, _ = _analysed(True)
    html = follower_page(analysis, title="Followers de chan", speaker=Speaker("fr"))  # type: ignore[arg-type]
    assert '<html lang="fr">' in html and "Rafales de follows" in html
    assert "Follow-bots probables" in html and "How to read this" not in html


def test_the_verdict_reasons_are_said_in_french_on_the_report_page() -> None:
    members = farm(312, datetime(2026, 11, 2, tzinfo=UTC), spread=timedelta(days=2))
    a = analyze(organic(972) + members, now=NOW, viewer_count=1_310)
    english = a.verdict.reasons[0]
    assert english.startswith("314 of 1,284 accounts (24%) were created on 2–3 Nov 2026")
    french = said(english, Speaker("fr")).replace("\u202f", " ").replace("\xa0", " ")
    assert french.startswith("314 des 1 284 comptes (24 %) ont été créés le 2–3 nov. 2026"), french
    html = page_html(a, title="t", chart_png=b"png", speaker=Speaker("fr", "Europe/Paris"))
    assert "ont été créés le" in html and "were created on" not in html
