"""`botcheck db copy --from URL --to URL [--force]` and `botcheck db check [--url URL]`.

The logic is in `storage.copy`; this module parses, prints and picks exit codes. URLs (or
SQLite paths) are shown with their passwords masked.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from storage import Database, StorageError
from storage.copy import ConduitReport, CopyError, check, copy_database

EXIT_FAILED = 1
EXIT_USAGE = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `db copy` and `db check` subcommands to the `db` parser."""
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = sub.add_parser(
        "copy", help="copy every row from one database into another (SQLite <-> PostgreSQL)"
    )
    p.add_argument("--from", dest="source", required=True, metavar="URL", help="URL or file")
    p.add_argument("--to", dest="target", required=True, metavar="URL", help="URL or file")
    p.add_argument("--force", action="store_true", help="replace the rows a target already has")
    p = sub.add_parser("check", help="print the engine, schema version and row counts")
    p.add_argument(
        "--url",
        metavar="URL",
        help="database URL or SQLite file (default: BOTCHECK_DATABASE_URL, else BOTCHECK_DB)",
    )


def run(args: argparse.Namespace) -> int:
    """Run `db copy` or `db check`; StorageError is one line on stderr."""
    try:
        if args.db_command == "copy":
            return asyncio.run(_copy(args.source, args.target, force=args.force))
        return asyncio.run(_check(args.url))
    except CopyError as exc:
        print(f"botcheck db: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except StorageError as exc:
        print(f"botcheck db: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _target(value: str) -> Path | str:
    return value if "://" in value else Path(value)


async def _copy(source: str, target: str, *, force: bool) -> int:
    async with Database(_target(source)) as src, Database(_target(target)) as dst:
        print(f"copying {src.describe()} -> {dst.describe()}")
        counts = await copy_database(
            src, dst, force=force, progress=lambda t, n: print(f"  {t:<18} {n:>12,}")
        )
    print(f"done: {sum(counts.values()):,} rows in {len(counts)} tables, counts verified")
    return 0


async def _check(url: str | None) -> int:
    if url is None:
        from bot.settings import load_settings

        where: Path | str = load_settings().database
    else:
        where = _target(url)
    async with Database(where) as db:
        report = await check(db)
    print(f"engine:  {report.engine} ({report.where})")
    known = report.known_schema_version
    print(f"schema:  version {report.schema_version} (this botcheck knows {known})")
    for table, n in report.counts.items():
        print(f"  {table:<18} {n:>12,}")
    if report.conduit is not None:
        _print_conduit(report.conduit)
    return 0


def _print_conduit(conduit: ConduitReport) -> None:
    """Conduit mode's last record: the conduit, the subscription cost, the processes."""
    s = conduit.state
    if s is not None:
        fit = conduit.channels_that_fit()
        room = "no cost limit in sight" if fit is None else f"about {fit:,} channels fit"
        print(f"conduit: {s.conduit_id} ({s.shard_count} shards), {s.channels:,} channel(s)")
        print(
            f"  subscriptions {s.subscriptions:,}, cost {s.total_cost:,} of "
            f"{s.max_total_cost:,}: {room}"
        )
    for p in conduit.processes:
        alive = "alive" if p.alive else "gone"
        shards = ",".join(map(str, p.shards)) or "none"
        lead = ", runs the join loop" if p.leader and p.alive else ""
        seen = p.seen_at.strftime("%Y-%m-%d %H:%M:%S")
        print(f"  process {p.name} ({alive}{lead}): shards {shards}, last seen {seen} UTC")
