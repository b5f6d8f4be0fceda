"""Write a whole report (page, chart, CSV, JSON) into one directory. Synchronous: run it in a
worker thread from async code."""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reports.chart import DESKTOP, chart_png
from reports.export import json_text, write_csv_to
from reports.i18n import ENGLISH, Speaker, to_data
from reports.model import Analysis
from reports.page import ReportLinks, page_html
from storage.models import Account

__all__ = ["ReportFiles", "ReportLinks", "write_report"]

log = logging.getLogger(__name__)

PAGE, CHART, CSV, JSON = "index.html", "chart.png", "chatters.csv", "analysis.json"
# The verdict's reasons as phrases (reports.i18n.to_data), for pages in a channel's language;
# never served (the report routes serve the four files above by name).
SAID = "reasons-said.json"


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """The four files of one report."""

    directory: Path
    page: Path
    chart: Path
    csv: Path
    json: Path


def write_report(
    analysis: Analysis,
    accounts: Sequence[Account],
    out_dir: Path,
    *,
    title: str,
    links: ReportLinks | None = None,
    speaker: Speaker = ENGLISH,
    keep_phrases: bool = False,
) -> ReportFiles:
    """Write index.html, chart.png, chatters.csv and analysis.json into `out_dir`; with
    `keep_phrases`, also the reasons as phrases (`SAID`) for the dashboard's check page."""
    out_dir.mkdir(parents=True, exist_ok=True)
    png = chart_png(analysis, title=title, tr=speaker)
    files = ReportFiles(out_dir, out_dir / PAGE, out_dir / CHART, out_dir / CSV, out_dir / JSON)
    _atomic_write(files.chart, png)
    _atomic_write(files.csv, lambda fh: _csv_into(fh, analysis, accounts))
    _atomic_write(files.json, json_text(analysis).encode("utf-8"))
    if keep_phrases:
        said = json.dumps([to_data(r) for r in analysis.verdict.reasons], ensure_ascii=False)
        _atomic_write(out_dir / SAID, said.encode("utf-8"))
    # The page last: once it exists the report is complete.
    wide = chart_png(analysis, title=title, shape=DESKTOP, tr=speaker)
    page = page_html(
        analysis, title=title, chart_png=png, chart_wide_png=wide, links=links, speaker=speaker
    )
    _atomic_write(files.page, page.encode("utf-8"))
    log.info("wrote report to %s (%d chatters)", out_dir, analysis.totals.chatters)
    return files


def _umask() -> int:
    """The process's umask (reading it means setting it: put it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _csv_into(fh: BinaryIO, analysis: Analysis, accounts: Sequence[Account]) -> None:
    # Streamed through a buffered UTF-8 writer: 100,000 rows never sit in memory as one string.
    text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=False)
    write_csv_to(text, analysis, accounts)
    text.flush()
    text.detach()


def _atomic_write(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` (or what it writes) so that readers see the old file or the new one only."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        # mkstemp makes 0600; give the mode an ordinary file would get under the umask
        # (`botcheck run` sets 077: report files stay private to the bot's user).
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                data(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
