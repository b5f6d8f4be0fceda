"""Give memory back to the system: glibc's arena limit and trim, where glibc is the allocator.

A 100,000-chatter capture and its report allocate a few hundred MB in small pieces on the event
loop's thread and in the worker threads (aiosqlite, analysis, report files). glibc gives every
thread that allocates an arena of its own and keeps freed memory in them, so the next capture
grows on top of what the last one left. Two arenas and a trim after each report keep the peak of
a capture lower (docs/benchmarks.md, #21). Without glibc (musl, macOS) both are no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache
from typing import Any

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h
ARENAS = 2


@cache
def _libc() -> Any | None:
    """glibc, when it is the C library this process runs on, else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    # gnu_get_libc_version: only glibc has it (musl has no malloc_trim either).
    if not all(hasattr(libc, f) for f in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = [ctypes.c_size_t]
    libc.malloc_trim.restype = ctypes.c_int
    return libc


def limit_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; True when it took effect."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, arenas))


def trim() -> bool:
    """Return freed heap memory to the system; True when some was returned (blocks briefly)."""
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))
