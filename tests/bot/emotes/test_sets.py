"""Emote sets: fetched from the stand-in APIs, kept on disk, refreshed daily, last good kept."""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.emotes import EmoteSets, providers
from storage.emotes import decode
from tests.bot.emotes.conftest import CHANNEL, Clock, Stand
from twitchsim.emotes import emote_id


def refs(tokens: tuple[str, ...]) -> list[tuple[str | None, str]]:
    return [(decode(t).provider, decode(t).name) for t in tokens]


async def test_fetches_channel_and_global_sets_and_finds_them_in_messages(
    make_sets: Callable[..., EmoteSets], stand: Stand
) -> None:
    sets = make_sets()
    done = await sets.refresh_due()
    assert (done.updated, done.kept) == (6, 0)  # 3 providers x (global + 1 channel)
    found = sets.find(CHANNEL, "catJAM that was close monkaS LilZ catJAM")
    assert refs(found) == [
        ("7tv", "catJAM"),
        ("bttv", "monkaS"),
        ("ffz", "LilZ"),
        ("7tv", "catJAM"),
    ]
    assert decode(found[0]).emote_id == emote_id("7tv", str(CHANNEL), "catJAM")
    assert sets.find(CHANNEL, "hello chat") == ()
    assert sets.find(CHANNEL, "") == ()
    # Another channel (not served yet) gets the global sets only.
    assert refs(sets.find(99, "catJAM monkaS")) == [("bttv", "monkaS")]
    # FrankerFaceZ's global answer holds non-default sets: not everyone's emotes.
    assert sets.find(CHANNEL, "NotDefault") == ()


@pytest.mark.parametrize(
    ("word", "provider", "scope"),
    [
        pytest.param("EZ", "7tv", "channel", id="channel-7tv-over-global-7tv"),
        pytest.param("Clap", "bttv", "channel", id="channel-bttv-over-global-7tv"),
        pytest.param("KEKW", "bttv", "channel", id="channel-bttv-over-channel-ffz"),
        pytest.param("RainTime", "7tv", "global", id="global-only"),
    ],
)
async def test_name_collisions_channel_over_global_then_7tv_bttv_ffz(
    make_sets: Callable[..., EmoteSets], word: str, provider: str, scope: str
) -> None:
    sets = make_sets()
    await sets.refresh_due()
    (token,) = sets.find(CHANNEL, word)
    ref = decode(token)
    assert ref.provider == provider
    assert ref.emote_id == emote_id(
        provider, str(CHANNEL) if scope == "channel" else "global", word
    )


async def test_twitch_emotes_of_the_message_win_over_third_party_names(
    make_sets: Callable[..., EmoteSets], stand: Stand
) -> None:
    stand.standins.set_channel("7tv", CHANNEL, ["Kappa", "catJAM"])
    sets = make_sets()
    await sets.refresh_due()
    assert refs(sets.find(CHANNEL, "Kappa catJAM", ("Kappa",))) == [("7tv", "catJAM")]


async def test_the_cache_is_private_and_a_restart_reads_it_without_fetching(
    make_sets: Callable[..., EmoteSets], stand: Stand, clock: Clock
) -> None:
    first = make_sets()
    await first.refresh_due()
    folder = first.directory
    files = sorted(folder.glob("*.json"))
    assert len(files) == 6
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    asked = sum(stand.standins.requests.values())

    second = make_sets()
    assert second.load_cached() == 6
    assert second.due() == []
    assert (await second.refresh_due()).updated == 0
    assert sum(stand.standins.requests.values()) == asked
    assert refs(second.find(CHANNEL, "catJAM")) == [("7tv", "catJAM")]

    clock.advance(hours=23)
    assert second.due() == []
    clock.advance(hours=1)
    assert len(second.due()) == 6  # a day old: fetched again
    stand.standins.set_channel("7tv", CHANNEL, ["newOne"])
    await second.refresh_due()
    assert refs(second.find(CHANNEL, "catJAM newOne")) == [("7tv", "newOne")]


@pytest.mark.parametrize("fault", ["down", "malformed"])
async def test_a_broken_api_keeps_the_last_good_set_logs_one_line_and_retries_in_an_hour(
    make_sets: Callable[..., EmoteSets],
    stand: Stand,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    sets = make_sets(channels=(CHANNEL, CHANNEL + 1))
    await sets.refresh_due()
    clock.advance(days=1)
    stand.standins.break_provider("7tv", fault)  # type: ignore[arg-type]
    with caplog.at_level(logging.WARNING, logger="bot.emotes.sets"):
        done = await sets.refresh_due()
    assert done.kept == 3 and done.updated == 6
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("7tv emote sets: keeping the last good sets")
    assert refs(sets.find(CHANNEL, "catJAM EZ")) == [("7tv", "catJAM"), ("7tv", "EZ")]

    clock.advance(minutes=30)
    assert sets.due() == []  # not before an hour
    clock.advance(minutes=31)
    stand.standins.break_provider("7tv", None)
    stand.standins.set_channel("7tv", CHANNEL, ["fresh"])
    assert (await sets.refresh_due()).updated == 3
    assert refs(sets.find(CHANNEL, "catJAM fresh")) == [("7tv", "fresh")]


async def test_a_channel_without_an_account_has_an_empty_set_and_the_globals(
    make_sets: Callable[..., EmoteSets], stand: Stand
) -> None:
    stand.standins.remove_channel("7tv", CHANNEL)
    sets = make_sets()
    done = await sets.refresh_due()
    assert done.kept == 0
    assert refs(sets.find(CHANNEL, "catJAM EZ")) == [("7tv", "EZ")]


async def test_an_unreachable_api_on_first_start_leaves_no_set_and_no_crash(
    clock: Clock, tmp_path: Path
) -> None:
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    sets = EmoteSets(
        providers=providers(seventv=(dead, dead), bttv=(dead, dead), ffz=(dead, dead)),
        directory=tmp_path / "sets",
        channels=lambda: (CHANNEL,),
        clock=clock,
        timeout_s=2.0,
    )
    done = await sets.refresh_due()
    assert done.updated == 0 and set(done.failures) == {"7tv", "bttv", "ffz"}
    assert sets.find(CHANNEL, "catJAM") == ()


async def test_a_cache_from_another_api_base_or_unreadable_is_fetched_afresh(
    make_sets: Callable[..., EmoteSets], stand: Stand
) -> None:
    first = make_sets()
    await first.refresh_due()
    folder = first.directory
    (folder / "bttv-global.json").write_text("{not json")
    (folder / "ffz-global.json").write_text('{"url": "https://elsewhere", "emotes": []}')
    second = make_sets()
    assert second.load_cached() == 4
    assert sorted(second.due()) == [("bttv", None), ("ffz", None)]
