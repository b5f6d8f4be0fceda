"""Stem runs: a farm made in sessions over days, too thin for a wave, still shares its stem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reports.analysis import analyze
from tests.reports.builders import NOW, farm, organic

SESSIONS = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_a_thin_farm_over_days_is_found_by_its_stem() -> None:
    audience = organic(30_000, seed=3)
    members = farm(15, SESSIONS, spread=timedelta(days=6), stem="sweetangel")
    a = analyze(audience + members, now=NOW)
    truth = {m.user_id for m in members}
    assert len(a.flagged_ids() & truth) == 15
    assert len(a.stem_runs) == 1 and a.stem_runs[0].stem == "sweetangel + digits"
    assert any("“sweetangel + digits”" in r for r in a.verdict.reasons)
    assert all("stem_run" in a.flags_for(m.user_id) for m in members)
    assert a.to_dict()["stem_runs"][0]["count"] == 15


def test_common_stems_spread_over_years_are_not_runs() -> None:
    a = analyze(organic(30_000, seed=3), now=NOW)
    assert a.stem_runs == () and a.flagged == 0
