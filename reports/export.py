"""CSV (a row per chatter) and JSON (the whole analysis) writers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from reports.model import Analysis
from storage.models import Account

CSV_COLUMNS = ("user_id", "login", "display_name", "created_at", "age_days", "flags")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(analysis: Analysis, accounts: Sequence[Account]) -> str:
    """Return the chatters as CSV, oldest account first, unknown creation dates last."""
    buf = io.StringIO()
    write_csv_to(buf, analysis, accounts)
    return buf.getvalue()


def write_csv_to(out: TextIO, analysis: Analysis, accounts: Sequence[Account]) -> None:
    """Write the chatters as CSV into `out` row by row (no whole-file string: issue 21)."""
    unique = list({a.user_id: a for a in reversed(accounts)}.values())[::-1]  # first one wins
    dated = [(a.created_at.timestamp(), a.user_id, a) for a in unique if a.created_at is not None]
    dated.sort(key=lambda t: (t[0], t[1]))
    known = [a for _, _, a in dated]
    unknown = sorted((a for a in unique if a.created_at is None), key=lambda a: a.user_id)
    # Dates and ages for 100,000 rows in a few vectorised steps rather than per-row datetimes.
    seconds = np.array([t for t, _, _ in dated], dtype=np.float64).astype(np.int64)
    stamps = np.char.add(np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s"), "Z")
    ages = (analysis.generated_at.timestamp() - seconds) / 86_400
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    flag_text = analysis.flag_text
    writer.writerows(
        (
            a.user_id,
            _cell(a.login),
            _cell(a.display_name),
            stamp,
            f"{age:.1f}",
            flag_text(a.user_id),
        )
        for a, stamp, age in zip(known, stamps.tolist(), ages.tolist(), strict=True)
    )
    writer.writerows(
        (a.user_id, _cell(a.login), _cell(a.display_name), "", "", flag_text(a.user_id))
        for a in unknown
    )


def _cell(value: str) -> str:
    # Spreadsheets run cells that start with these as formulas: a display name could.
    return "'" + value if value.startswith(_FORMULA_START) else value


def json_text(analysis: Analysis) -> str:
    """Return the analysis as pretty JSON."""
    return json.dumps(analysis.to_dict(), indent=1, ensure_ascii=False) + "\n"


def write_csv(analysis: Analysis, accounts: Sequence[Account], path: Path) -> None:
    path.write_text(csv_text(analysis, accounts), encoding="utf-8")


def write_json(analysis: Analysis, path: Path) -> None:
    path.write_text(json_text(analysis), encoding="utf-8")
