"""A pytest plugin for `make test`: one progress line per test file instead of a wall of dots.

Loaded with `-p tests.progress`. When a file's last test is done it prints, e.g.,
``[ 12/97 files,  140/812 tests, 0:42] tests/bot/test_startup.py: 11 passed (18.2 s)``.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest


class Progress:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.total: Counter[str] = Counter()
        self.done: Counter[str] = Counter()
        self.outcomes: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.started: dict[str, float] = {}
        self.files_done = 0
        self.tests_done = 0
        self.t0 = time.monotonic()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            self.total[item.location[0]] += 1

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = report.location[0]
        self.started.setdefault(path, time.monotonic())
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.outcomes[path][report.outcome] += 1
        if report.when != "teardown":
            return
        self.done[path] += 1
        self.tests_done += 1
        if self.done[path] == self.total[path]:
            self.files_done += 1
            self._line(path)

    def _line(self, path: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None:
            return
        elapsed = int(time.monotonic() - self.t0)
        took = time.monotonic() - self.started[path]
        outcomes = ", ".join(f"{n} {what}" for what, n in sorted(self.outcomes[path].items()))
        reporter.write(
            f"\n[{self.files_done:>3}/{len(self.total)} files, "
            f"{self.tests_done:>4}/{sum(self.total.values())} tests, "
            f"{elapsed // 60}:{elapsed % 60:02d}] {path}: {outcomes or 'nothing run'} "
            f"({took:.1f} s)\n"
        )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(Progress(config), "botcheck-progress")
