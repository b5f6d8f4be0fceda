"""Run the benchmarks: `python -m bench [NAME ...] [--quick]` (all of them by default)."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time

BENCHMARKS = (
    "storage",
    "capture",
    "detection",
    "watch",
    "ingest",
    "render",
    "engines",
    "defence",
    "dashboard",
    "daily",
    "scale",
)


def main(argv: list[str]) -> int:
    # Options (`--quick`) are left in sys.argv for the benchmarks that read them.
    chosen = [a for a in argv if not a.startswith("-")]
    names = chosen or [n for n in BENCHMARKS if importlib.util.find_spec(f"bench.{n}")]
    for name in names:
        if name not in BENCHMARKS:
            print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
            return 2
        print(f"\n=== bench/{name}.py ===", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench.{name}")
        module.main()
        print(f"(bench/{name}.py took {time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
