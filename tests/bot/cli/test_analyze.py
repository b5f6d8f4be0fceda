from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli.analyze import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_arguments, run
from reports.analysis import analyze
from reports.export import csv_text
from tests.reports.builders import farm, organic

# The analysis runs against the real clock here; the fixtures are placed relative to it.
NOW = datetime.now(UTC)


def main(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="botcheck analyze")
    add_arguments(parser)
    return run(parser.parse_args(list(argv)))


@pytest.fixture
def chatters_csv(tmp_path: Path) -> Path:
    accounts = organic(600, now=NOW) + farm(
        150, NOW - timedelta(days=40), spread=timedelta(minutes=30), stem="hypefan"
    )
    text = csv_text(analyze(accounts, now=NOW), accounts)
    lines = text.splitlines()
    # Damage three rows (file lines 3, 5 and 8) and add an empty line.
    lines[2] = "notanumber,someone,2020-01-01T00:00:00Z,,,"
    lines[4] = "12345,someone_else,,soon,,"
    lines[7] = "42"
    path = tmp_path / "chatters.csv"
    path.write_text("\n".join([*lines[:10], "", *lines[10:]]) + "\n")
    return path


def test_bad_rows_are_reported_with_line_numbers(
    chatters_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(str(chatters_csv)) == EXIT_OK
    out, err = capsys.readouterr()
    assert f"{chatters_csv}: line 3: user_id 'notanumber' is not a whole number" in err
    assert f"{chatters_csv}: line 5: created_at 'soon'" in err
    assert f"{chatters_csv}: line 8: expected 6 cells, found 1" in err
    assert err.count("(skipped)") == 3
    assert out.startswith("Likely viewbot waves: ")
    assert "hypefan + digits" in out


def test_json_output_is_only_json(chatters_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(str(chatters_csv), "--json", "--viewers", "700") == EXIT_OK
    out, err = capsys.readouterr()
    doc = json.loads(out)  # nothing else on stdout
    assert doc["verdict"]["level"] == "high"
    assert doc["totals"]["viewer_count"] == 700
    assert doc["totals"]["chatters"] == 747  # 750 rows, 3 bad
    assert "line 3" in err


def test_out_writes_the_four_files(
    chatters_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "report"
    assert main(str(chatters_csv), "--out", str(out_dir), "--json") == EXIT_OK
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "analysis.json",
        "chart.png",
        "chatters.csv",
        "index.html",
    ]
    json.loads(capsys.readouterr().out)
    page = (out_dir / "index.html").read_text()
    assert 'href="chart.png"' in page and 'href="chatters.csv"' in page


def test_json_input_and_window(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {"user_id": a.user_id, "login": a.login, "created_at": a.created_at.isoformat()}
        for a in organic(200, now=NOW)
        if a.created_at is not None
    ]
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"data": rows}))
    assert main(str(path), "--json", "--window", "8w") == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["window_days"] == 56
    assert doc["verdict"]["level"] == "low"


@pytest.mark.parametrize(
    ("content", "args", "code", "message"),
    [
        pytest.param(None, (), EXIT_FAILED, "cannot read", id="missing-file"),
        pytest.param("id,name\n1,x\n", (), EXIT_FAILED, "no created_at", id="wrong-columns"),
        pytest.param("[1, 2", (), EXIT_FAILED, "not valid JSON", id="broken-json"),
        pytest.param(
            "user_id,login,created_at\n",
            ("--window", "soon"),
            EXIT_USAGE,
            "could not read",
            id="bad-window",
        ),
        pytest.param(
            "user_id,login,created_at\n",
            ("--viewers", "-5"),
            EXIT_USAGE,
            "negative",
            id="bad-viewers",
        ),
    ],
)
def test_failures_are_sentences_not_tracebacks(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | None,
    args: tuple[str, ...],
    code: int,
    message: str,
) -> None:
    path = tmp_path / ("list.json" if content and content.startswith("[") else "list.csv")
    if content is not None:
        path.write_text(content)
    assert main(str(path), *args) == code
    out, err = capsys.readouterr()
    assert message in err
    assert "Traceback" not in err
    assert out == ""


def test_empty_list_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("user_id,login,created_at\n")
    assert main(str(path)) == EXIT_OK
    assert "No chatters" in capsys.readouterr().out
