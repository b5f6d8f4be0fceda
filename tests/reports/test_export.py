from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from reports import export
from reports.analysis import analyze
from reports.chart import chart_png
from reports.export import CSV_COLUMNS, csv_text, json_text
from reports.model import FLAG_NAMES, Analysis, Flags
from reports.page import ReportLinks
from reports.render import write_report
from storage.models import Account
from tests.reports.builders import NOW, account, farm, organic

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sample() -> tuple[list[Account], Analysis]:
    accounts = (
        organic(1_500)
        + farm(200, datetime(2026, 6, 1, tzinfo=UTC), spread=timedelta(minutes=40))
        + [account("nightbot", NOW - timedelta(days=4000)), account("gone_user", None, user_id=7)]
        + [account("=cmd", NOW - timedelta(days=30), user_id=9)]
    )
    a = analyze(accounts, now=NOW, viewer_count=1_600, renames={9: ["oldie"]})
    return accounts, a


def test_csv_has_a_row_per_chatter_with_known_flags(sample: tuple[list[Account], Analysis]) -> None:
    accounts, a = sample
    rows = list(csv.DictReader(io.StringIO(csv_text(a, accounts + accounts[:5]))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == len(accounts)
    by_login = {r["login"]: r for r in rows}
    assert by_login["nightbot"]["flags"] == "service_bot"
    assert by_login["gone_user"]["created_at"] == "" and by_login["gone_user"]["age_days"] == ""
    assert rows[-1]["login"] == "gone_user"  # unknown dates last
    assert by_login["'=cmd"]["flags"].split(";") == ["young", "renamed"]  # formula neutralised
    for r in rows:
        flags = [f for f in r["flags"].split(";") if f]
        assert set(flags) <= set(FLAG_NAMES)
        assert flags == sorted(flags, key=FLAG_NAMES.index)
        if r["created_at"]:
            created = datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))
            assert float(r["age_days"]) == pytest.approx(
                (NOW - created).total_seconds() / 86400, abs=0.06
            )
    farm_rows = [r for r in rows if r["login"].startswith("lovelyfox")]
    assert all("burst" in r["flags"] and "pattern" in r["flags"] for r in farm_rows)


def test_csv_in_slices_is_the_csv_in_one_piece(
    sample: tuple[list[Account], Analysis], monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts, a = sample
    listed = accounts + accounts[:5] + [account("late_twin", None, user_id=7)]  # 7 listed twice
    whole = csv_text(a, listed)
    as_dict = csv_text(dataclasses.replace(a, flags=dict(a.flags)), listed)
    monkeypatch.setattr(export, "CSV_SLICE", 7)
    assert csv_text(a, listed) == whole == as_dict
    rows = list(csv.DictReader(io.StringIO(whole)))
    dated = [r for r in rows if r["created_at"]]
    assert [r["created_at"] for r in dated] == sorted(r["created_at"] for r in dated)
    assert [r["login"] for r in rows if r["user_id"] == "7"] == ["gone_user"]  # the first wins


def test_flag_masks_read_by_id_and_counted() -> None:
    flags = Flags(np.array([9, 5, 12], dtype=np.int64), np.array([3, 0, 3], dtype=np.int64))
    assert flags.masks_of(np.array([5, 12, 4, 9, 99], dtype=np.int64)).tolist() == [0, 3, 0, 3, 0]
    assert flags.mask_counts() == {0: 1, 3: 2}
    empty = Flags(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert empty.masks_of(np.array([1], dtype=np.int64)).tolist() == [0]


def test_json_has_the_verdict_and_the_whole_analysis(
    sample: tuple[list[Account], Analysis],
) -> None:
    _, a = sample
    doc = json.loads(json_text(a))
    assert doc["verdict"]["level"] in ("low", "elevated", "high")
    assert all(isinstance(r, str) for r in doc["verdict"]["reasons"])
    for key in ("totals", "young", "waves", "bursts", "top_days", "days", "months", "renames"):
        assert key in doc
    assert doc["totals"]["chatters"] == 1_703
    assert doc["totals"]["service_bots"] == ["nightbot"]
    assert doc["totals"]["unknown"] == 1
    assert doc["renames"] == [{"user_id": 9, "login": "=cmd", "earlier": ["oldie"]}]
    burst = doc["bursts"][0]
    assert set(burst) >= {
        "start",
        "end",
        "count",
        "share",
        "first_user_id",
        "last_user_id",
        "traits",
    }
    assert burst["start"].endswith("Z")
    assert doc["flag_counts"]["burst"] >= 200


def test_png_is_a_png(sample: tuple[list[Account], Analysis]) -> None:
    _, a = sample
    png = chart_png(a, title="test")
    assert png.startswith(PNG_MAGIC)
    width = int.from_bytes(png[16:20], "big")
    height = int.from_bytes(png[20:24], "big")
    assert height > width > 600  # tall, for phones


def test_empty_analysis_still_writes_everything(tmp_path: Path) -> None:
    a = analyze([], now=NOW)
    files = write_report(a, [], tmp_path / "empty", title="empty")
    assert files.chart.read_bytes().startswith(PNG_MAGIC)
    assert files.csv.read_text().strip() == ",".join(CSV_COLUMNS)
    assert json.loads(files.json.read_text())["verdict"]["level"] == "low"
    assert "Nothing unusual" in files.page.read_text()


def test_write_report_uses_the_links_it_is_given(tmp_path: Path) -> None:
    a = analyze(organic(100), now=NOW)
    local = write_report(a, organic(100), tmp_path / "local", title="t")
    page = local.page.read_text()
    assert 'href="chatters.csv"' in page and 'href="analysis.json"' in page
    served = write_report(
        a, organic(100), tmp_path / "served", title="t", links=ReportLinks.for_token("T" * 32)
    )
    page = served.page.read_text()
    assert f'href="{"T" * 32}.csv"' in page and f'href="{"T" * 32}.png"' in page
    assert sorted(p.name for p in (tmp_path / "served").iterdir()) == [
        "analysis.json",
        "chart.png",
        "chatters.csv",
        "index.html",
    ]


def test_writers_handle_100k_accounts() -> None:
    # Their speed is measured in bench/render.py and bench/detection.py, not asserted here.
    accounts = organic(100_000, seed=5) + farm(
        3_000, datetime(2026, 1, 5, tzinfo=UTC), spread=timedelta(hours=1)
    )
    a = analyze(accounts, now=NOW, viewer_count=90_000)
    assert csv_text(a, accounts).count("\n") == len(accounts) + 1
    assert json.loads(json_text(a))["verdict"]
    assert chart_png(a).startswith(b"\x89PNG")
