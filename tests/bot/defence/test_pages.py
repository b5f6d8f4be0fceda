"""Raid pages on disk: written under a fresh token, found again, expired, purged; and how a
Helix refusal becomes a moderation outcome."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.defence.moderation import Outcome, _outcome
from bot.defence.pages import RaidPages
from bot.helix import HelixError
from bot.pages.links import RAID_MARKER
from reports.raid_model import Raid, RaidAccount, RaidKind, RaidMessage
from reports.risk import Category, Risk

AT = datetime(2026, 5, 1, 12, tzinfo=UTC)


def a_raid() -> Raid:
    accounts = tuple(
        RaidAccount(i, f"spam_{i}", AT - timedelta(days=1), True, 1, AT) for i in range(1, 7)
    )
    messages = tuple(RaidMessage(AT, a.user_id, a.login, "follow me") for a in accounts)
    return Raid(
        channel="chan",
        kind=RaidKind.SPAM,
        started_at=AT,
        detected_at=AT,
        accounts=accounts,
        messages=messages,
        timeline=(),
        reasons=("6 near-identical messages in 1 s",),
        risk=Risk(0.4, Category.SPAM, "duplicates"),
    )


async def test_a_page_is_written_found_and_expires(tmp_path: Path) -> None:
    now = [1_000.0]
    pages = RaidPages(tmp_path, "https://bc.example", ttl=timedelta(days=1), clock=lambda: now[0])
    links = await pages.write(a_raid())
    token = links.page.rsplit("/", 1)[1]
    assert links.page == f"https://bc.example/r/{token}" and links.csv.endswith(".csv")
    directory = await pages.resolve(token)
    assert directory is not None
    assert {p.name for p in directory.iterdir()} == {
        "index.html",
        "chatters.csv",
        "analysis.json",
        RAID_MARKER,
    }
    assert "Spam raid" in (directory / "index.html").read_text(encoding="utf-8")
    assert await pages.resolve("x" * 32) is None
    assert await pages.resolve("../../etc/passwd") is None
    now[0] = (directory / RAID_MARKER).stat().st_mtime + 2 * 86_400
    assert await pages.resolve(token) is None
    assert await pages.purge_expired() == 1
    assert not directory.exists()


@pytest.mark.parametrize(
    ("status", "text", "outcome"),
    [
        pytest.param(403, "not one of the moderators", Outcome.NOT_MODERATOR, id="unmodded"),
        pytest.param(401, "Missing scope", Outcome.NO_SCOPE, id="scope"),
        pytest.param(400, "is already banned", Outcome.DONE, id="already"),
        pytest.param(400, "may not be banned", Outcome.REFUSED, id="refused"),
        pytest.param(429, "too many", Outcome.UNAVAILABLE, id="429"),
        pytest.param(503, "unavailable", Outcome.UNAVAILABLE, id="5xx"),
        pytest.param(None, "timeout", Outcome.UNAVAILABLE, id="no-status"),
    ],
)
def test_refusals_map_to_outcomes(status: int | None, text: str, outcome: Outcome) -> None:
    got, _ = _outcome(HelixError(text, status=status), already="already banned")
    assert got is outcome
    assert got.stops == (outcome in (Outcome.NOT_MODERATOR, Outcome.NO_SCOPE, Outcome.UNAVAILABLE))


async def test_forget_deletes_the_channels_raid_pages_and_only_those(tmp_path: Path) -> None:
    pages = RaidPages(tmp_path, "https://bc.example", ttl=timedelta(days=1))
    ours = [await pages.write(replace(a_raid(), channel="42")) for _ in range(2)]
    theirs = await pages.write(replace(a_raid(), channel="420"))
    old = await pages.write(replace(a_raid(), channel="42"))
    old_dir = pages.root / old.page.rsplit("/", 1)[1]
    (old_dir / RAID_MARKER).write_text("", encoding="utf-8")  # written before markers named it

    assert await pages.forget(42) == 3
    for links in [*ours, old]:
        assert await pages.resolve(links.page.rsplit("/", 1)[1]) is None
    assert await pages.resolve(theirs.page.rsplit("/", 1)[1]) is not None
    assert await pages.forget(42) == 0
    assert await RaidPages(tmp_path / "none", "https://bc.example", ttl=pages.ttl).forget(42) == 0
