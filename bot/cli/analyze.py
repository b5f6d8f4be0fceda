"""`botcheck analyze FILE [--json] [--out DIR]`: the same analysis, offline, on a chatter list."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from reports.chatterlist import ChatterListError, read_chatter_list, require_readable
from reports.knownbots import KnownBotsError, load_known_bots
from reports.window import parse_window

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
ERRORS_SHOWN = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `analyze` options to its subparser."""
    parser.add_argument(
        "file", type=Path, help="chatter list (CSV or JSON) with user_id, login, created_at"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the analysis as JSON on stdout (and nothing else)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="write chatters.csv, chart.png, analysis.json and index.html here",
    )
    parser.add_argument(
        "--window",
        metavar="SPAN",
        help="zoom the creation-date view on the last days or weeks (30d, 8w)",
    )
    parser.add_argument(
        "--viewers",
        type=int,
        metavar="N",
        help="viewer count, to compare with the chatters (default: offline)",
    )
    parser.add_argument(
        "--known-bots",
        type=Path,
        metavar="FILE",
        help=(
            "known lurker-bot list, in one of four formats: one login a line, "
            "a JSON array of logins, a JSON object of login -> user id, or TwitchInsights' "
            '{"bots": [[login, channels, last_seen], ...]}'
        ),
    )
    parser.add_argument("--title", help="title of the report page")


def run(args: argparse.Namespace) -> int:
    """Run the analysis; return the exit code."""
    # numpy and matplotlib load here, not at import: `botcheck --help` stays fast.
    from reports.analysis import analyze
    from reports.render import write_report
    from reports.summary import summary_text

    try:
        window = parse_window(args.window) if args.window else None
        known = load_known_bots(args.known_bots)
    except (ValueError, KnownBotsError) as exc:
        print(f"botcheck analyze: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.viewers is not None and args.viewers < 0:
        print("botcheck analyze: --viewers cannot be negative.", file=sys.stderr)
        return EXIT_USAGE
    path: Path = args.file
    try:
        chatters = read_chatter_list(path)
    except ChatterListError as exc:
        print(f"botcheck analyze: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for error in chatters.errors[:ERRORS_SHOWN]:
        print(f"{path}: {error} (skipped)", file=sys.stderr)
    if chatters.error_count > ERRORS_SHOWN:
        print(
            f"{path}: … and {chatters.error_count - ERRORS_SHOWN:,} more bad rows skipped",
            file=sys.stderr,
        )
    try:
        require_readable(chatters)  # no false all-clear from a list we could hardly read
    except ChatterListError as exc:
        print(f"botcheck analyze: {path}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    now = datetime.now(UTC)
    analysis = analyze(
        chatters.accounts, now=now, window=window, known_bot_logins=known, viewer_count=args.viewers
    )
    if args.out is not None:
        try:
            files = write_report(
                analysis, chatters.accounts, args.out, title=args.title or f"botcheck: {path.name}"
            )
        except OSError as exc:
            print(
                f"botcheck analyze: cannot write to {args.out}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_FAILED
        if not args.json:
            print(f"report written to {files.page}")
    if args.json:
        json.dump(analysis.to_dict(), sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        link = str(args.out / "index.html") if args.out is not None else "(use --out DIR)"
        print(summary_text(analysis, link))
        for reason in analysis.verdict.reasons:
            print(f"- {reason}")
    return EXIT_OK
