"""bot.memory: glibc's arena limit and trim, and no-ops where glibc is absent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot import memory


@pytest.fixture(autouse=True)
def _fresh_lookup() -> Iterator[None]:
    memory._libc.cache_clear()
    yield
    memory._libc.cache_clear()  # later tests see the real C library again


def test_trim_and_limit_run_on_this_machine() -> None:
    # Both are harmless on any allocator: True only where glibc took the call.
    expected = memory._libc() is not None
    assert memory.limit_arenas() is expected
    assert memory.trim() in (True, False)


@pytest.mark.parametrize(
    "found",
    [
        pytest.param(None, id="no-c-library"),
        pytest.param("libdoes-not-exist.so.9", id="unloadable"),
    ],
)
def test_without_glibc_both_are_noops(monkeypatch: pytest.MonkeyPatch, found: str | None) -> None:
    monkeypatch.setattr(memory.ctypes.util, "find_library", lambda _: found)
    assert memory.limit_arenas() is False
    assert memory.trim() is False
