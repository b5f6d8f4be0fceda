"""The raid page and its downloads: content a moderator needs, escaping, CSP, no script."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from reports.i18n import Speaker
from reports.raid_model import Raid
from reports.raid_page import (
    RaidLinks,
    raid_csv_text,
    raid_json_text,
    raid_page_csp,
    raid_page_html,
)
from reports.raids import RaidDetector
from reports.risk import Category, RuleSet

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def _raid(text: str = "cheap viewers at bigfollows dot com", t0: datetime = T0) -> Raid | None:
    d = RaidDetector("somechannel", rules=RuleSet.default().with_terms(Category.HATE, ["slurxa"]))
    for i in range(10):
        at = t0 + timedelta(seconds=i * 0.4)
        login = "=cmd" if i == 0 else f"bot{i}"
        d.feed(
            at,
            100 + i,
            login,
            created_at=at - timedelta(hours=5 + i),
            first_time=True,
            text=f"{text} {i}",
        )
    return d.active


def test_page_shows_accounts_messages_timeline_and_escapes() -> None:
    raid = _raid("<script>alert(1)</script> cheap viewers dot com")
    assert raid is not None
    page = raid_page_html(raid, links=RaidLinks.for_token("tok"))
    assert "Spam raid in somechannel" in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'id="timeline"' in page and "<progress" in page
    assert page.count("<tr><td>bot") == 9
    assert 'href="tok.csv"' in page and 'href="tok.json"' in page
    assert "prefers-color-scheme: dark" in page
    assert not re.search(r"<script|\sstyle=|\son\w+=", page)


def test_csp_allows_the_page_style_by_hash_only() -> None:
    csp = raid_page_csp()
    assert "default-src 'none'" in csp and "style-src 'sha256-" in csp
    assert "unsafe-inline" not in csp and "script-src" not in csp


def test_csv_and_json_hold_every_account() -> None:
    raid = _raid()
    assert raid is not None
    rows = list(csv.DictReader(io.StringIO(raid_csv_text(raid))))
    assert len(rows) == 10
    assert rows[0]["login"] == "'=cmd"  # no spreadsheet formulas
    assert rows[1]["first_time"] == "yes" and float(rows[1]["age_days"]) < 1
    data = json.loads(raid_json_text(raid))
    assert data["kind"] == "spam" and len(data["messages"]) == 10


@pytest.mark.parametrize(
    ("zone", "clock", "label"),
    [
        pytest.param("Europe/Paris", "21:30:00", "CET", id="paris"),
        pytest.param("UTC", "20:30:00", "UTC", id="utc"),
    ],
)
def test_the_raid_page_shows_times_in_the_channels_timezone(
    zone: str, clock: str, label: str
) -> None:
    raid = _raid(t0=T0 + timedelta(minutes=30))
    assert raid is not None
    page = raid_page_html(raid, speaker=Speaker("en", zone))
    assert f"started {clock} {label}" in page
    assert f"<th>{label}</th>" in page and f'<td class="t">{clock}</td>' in page
    assert f"times in {zone}" in page and "keep every time in UTC" in page
    assert '"first_at": "2026-11-21T20:30' in raid_json_text(raid)  # downloads stay UTC
    if zone != "UTC":
        assert "<th>UTC</th>" not in page and not re.search(r"\d\d:\d\d(:\d\d)? UTC", page)
