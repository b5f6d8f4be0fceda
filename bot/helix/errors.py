"""What a failed Helix call raises.

Exceptions::

    HelixError              a Helix call failed; the message is for people
    ├── HelixAuthError      401 even after a token refresh (or no token at all)
    ├── HelixForbidden      403, e.g. the token's user is not a moderator of the channel
    ├── HelixRateLimited    the rate limit kept us waiting longer than allowed
    ├── HelixUnavailable    5xx or timeouts, still after every retry
    └── HelixBadRequest     Twitch refused the request itself (400, 404, 422, ...)
"""

from __future__ import annotations


class HelixError(Exception):
    """A Helix call failed; the message is meant for people."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class HelixAuthError(HelixError):
    """Twitch rejected the token, even after a refresh."""


class HelixForbidden(HelixError):
    """Twitch refused: the token's user may not do this (e.g. not a moderator)."""


class HelixRateLimited(HelixError):
    """The rate limit kept us waiting longer than allowed."""


class HelixUnavailable(HelixError):
    """Twitch answered 5xx or not at all, every time we tried."""


class HelixBadRequest(HelixError):
    """Twitch refused the request itself."""
