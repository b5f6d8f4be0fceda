"""Real disk faults for tests: a small tmpfs that can be filled up or made read-only.

Needs root (mount); a test that cannot make one is skipped with the reason. chmod does not
stop root, so a read-only directory is a read-only mount here, never a mode.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


class SmallDisk:
    """A tmpfs mounted at `path`: `fill()` uses up its space, `free()` gives it back."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._filler = path / ".filler"

    def fill(self) -> None:
        """Write zeros until the disk is full."""
        chunk = b"\0" * 65536
        with contextlib.suppress(OSError), self._filler.open("ab") as f:
            while True:
                f.write(chunk)
                f.flush()

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)

    def read_only(self, on: bool = True) -> None:
        """Remount read-only (or read-write again)."""
        mode = "remount,ro" if on else "remount,rw"
        _mount("-o", mode, str(self.path))


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=10)


@contextlib.contextmanager
def small_disk(path: Path, size: str = "8m") -> Iterator[SmallDisk]:
    """Mount a tmpfs of `size` at `path` for the block; skip the test when that is not allowed."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs (a real full or read-only disk)")
    try:
        _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a tmpfs here ({exc}): no real disk fault to test with")
    try:
        yield SmallDisk(path)
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True, timeout=10)
