"""The raid page and its downloads: content a moderator needs, escaping, CSP, no script."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

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


def _raid(text: str = "cheap viewers at bigfollows dot com") -> Raid | None:
    d = RaidDetector("somechannel", rules=RuleSet.default().with_terms(Category.HATE, ["slurxa"]))
    for i in range(10):
        at = T0 + timedelta(seconds=i * 0.4)
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
