"""CSV (a row per chatter) and JSON (the whole analysis) writers."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from reports.model import Analysis, Flags, flags_text
from storage.models import Account

CSV_COLUMNS = ("user_id", "login", "display_name", "created_at", "age_days", "flags")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_SLICE = 5_000  # rows whose dates, ages and flags are made at once


def csv_text(analysis: Analysis, accounts: Sequence[Account]) -> str:
    """Return the chatters as CSV, oldest account first, unknown creation dates last."""
    buf = io.StringIO()
    write_csv_to(buf, analysis, accounts)
    return buf.getvalue()


def write_csv_to(out: TextIO, analysis: Analysis, accounts: Sequence[Account]) -> None:
    """Write the chatters as CSV into `out`, a few thousand rows at a time (issue 21).

    The order is worked out on id and time columns; dates, ages and flags are made for one
    slice of rows at a time. 100,000 rows never sit in memory as one string, nor as lists of
    per-row values: the files are written while the next check may already run.
    """
    count = len(accounts)
    ids = np.fromiter((a.user_id for a in accounts), dtype=np.int64, count=count)
    seconds = np.fromiter(
        (math.nan if a.created_at is None else a.created_at.timestamp() for a in accounts),
        dtype=np.float64,
        count=count,
    )
    _, first = np.unique(ids, return_index=True)  # an id listed twice: its first row
    rows = np.sort(first) if len(first) < count else np.arange(count)
    dated = ~np.isnan(seconds[rows])
    known, unknown = rows[dated], rows[~dated]
    known = known[np.lexsort((ids[known], seconds[known]))]  # oldest first, then by id
    unknown = unknown[np.argsort(ids[unknown], kind="stable")]
    flags = analysis.flags
    masks = (
        flags.masks_of(ids)
        if isinstance(flags, Flags)
        else np.fromiter((flags.get(i, 0) for i in ids.tolist()), dtype=np.int64, count=count)
    )
    now = analysis.generated_at.timestamp()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for start in range(0, len(known), CSV_SLICE):
        part = known[start : start + CSV_SLICE]
        whole = seconds[part].astype(np.int64)
        stamps = np.char.add(np.datetime_as_string(whole.astype("datetime64[s]"), unit="s"), "Z")
        ages = (now - whole) / 86_400
        writer.writerows(
            (
                a.user_id,
                _cell(a.login),
                _cell(a.display_name),
                stamp,
                f"{age:.1f}",
                flags_text(mask),
            )
            for a, stamp, age, mask in zip(
                [accounts[i] for i in part.tolist()],
                stamps.tolist(),
                ages.tolist(),
                masks[part].tolist(),
                strict=True,
            )
        )
    for start in range(0, len(unknown), CSV_SLICE):
        part = unknown[start : start + CSV_SLICE]
        writer.writerows(
            (a.user_id, _cell(a.login), _cell(a.display_name), "", "", flags_text(mask))
            for a, mask in zip(
                [accounts[i] for i in part.tolist()], masks[part].tolist(), strict=True
            )
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
