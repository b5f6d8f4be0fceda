"""Faults the control API can inject into Helix: error answers and hangs for the next N calls.

Socket drops, reconnect messages and token revocation act on the live world and live in
`eventsub` and `state`; this module only decides what the next Helix calls suffer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)

FAULT_STATUSES = (429, 500, 502, 503)


@dataclass(slots=True)
class Fault:
    """An armed fault: answer ``status`` or stall ``hang_s`` for the next ``remaining`` calls."""

    remaining: int
    status: int | None = None
    hang_s: float = 0.0
    path_prefix: str | None = None  # e.g. "/helix/chat/chatters"; None: any Helix call
    headers: dict[str, str] | None = None  # sent instead of the true ones (e.g. Ratelimit-*)
    rewrite: tuple[str, str] | None = None  # (regex, replacement) applied to the JSON body

    def matches(self, path: str) -> bool:
        return self.remaining > 0 and (
            self.path_prefix is None or path.startswith(self.path_prefix)
        )


class Faults:
    """The queue of armed faults, consumed in the order they were armed."""

    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self.fired = 0

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        path_prefix: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``n`` matching Helix calls with ``status`` (429, 500, 502 or 503),
        with `headers` instead of the true ones if given (e.g. an absurd Ratelimit-Reset)."""
        if status not in FAULT_STATUSES:
            raise ValueError(f"status must be one of {FAULT_STATUSES}")
        self._armed.append(
            Fault(remaining=n, status=status, path_prefix=_norm(path_prefix), headers=headers)
        )

    def hang_next(self, n: int = 1, seconds: float = 30.0, path_prefix: str | None = None) -> None:
        """Stall the next ``n`` matching Helix calls for ``seconds`` before answering."""
        self._armed.append(Fault(remaining=n, hang_s=seconds, path_prefix=_norm(path_prefix)))

    def headers_next(
        self, headers: dict[str, str], n: int = 1, path_prefix: str | None = None
    ) -> None:
        """Answer the next ``n`` matching calls normally but with these headers (bad data)."""
        self._armed.append(
            Fault(remaining=n, headers=dict(headers), path_prefix=_norm(path_prefix))
        )

    def rewrite_next(
        self, pattern: str, replacement: str, n: int = 1, path_prefix: str | None = None
    ) -> None:
        """Answer the next ``n`` matching calls with `re.sub(pattern, replacement)` on the body."""
        self._armed.append(
            Fault(remaining=n, rewrite=(pattern, replacement), path_prefix=_norm(path_prefix))
        )

    def clear(self) -> None:
        self._armed.clear()

    @property
    def pending(self) -> int:
        return sum(f.remaining for f in self._armed)

    def take(self, path: str) -> Fault | None:
        """Return the fault that hits a call to ``path`` now, if any (and count it)."""
        for fault in self._armed:
            if fault.matches(path):
                fault.remaining -= 1
                self.fired += 1
                if fault.remaining == 0:
                    self._armed.remove(fault)
                log.debug("fault on %s: status=%s hang=%s", path, fault.status, fault.hang_s)
                return fault
        return None


def _norm(prefix: str | None) -> str | None:
    """Accept "chat/chatters", "/chat/chatters" or "/helix/chat/chatters"."""
    if prefix is None:
        return None
    prefix = "/" + prefix.lstrip("/")
    return prefix if prefix.startswith("/helix/") else "/helix" + prefix
