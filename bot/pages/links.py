"""The one report-link scheme: `/r/<token>` for the page, `/r/<token>.png|.csv|.json` beside it.

Every page family (capture reports, stream reports) and the routes use this module: the token's
shape, how a fresh one is made, and the public links built from it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

__all__ = [
    "EXTENSIONS",
    "NAME_RE",
    "PREFIX",
    "RAID_MARKER",
    "TOKEN_BYTES",
    "TOKEN_RE",
    "Links",
    "new_report_token",
]

PREFIX = "/r"
EXTENSIONS = ("png", "csv", "json")
RAID_MARKER = "raid-page"  # a file beside a raid page (bot.defence.pages): its own CSP
TOKEN_BYTES = 24  # 192 random bits
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}")  # what secrets.token_urlsafe(24) makes
# A served name: a token, and one of the extensions or none (the page).
NAME_RE = re.compile(r"(?P<token>[A-Za-z0-9_-]{32})(?:\.(?P<ext>png|csv|json|live\.json))?")


def new_report_token() -> str:
    """Return a fresh random report token (192 bits, URL-safe, 32 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


@dataclass(frozen=True, slots=True)
class Links:
    """A report's public links."""

    page: str
    png: str
    csv: str
    json: str

    @classmethod
    def for_token(cls, public_url: str, token: str) -> Links:
        """The links of the report with this token, under `public_url`."""
        page = f"{public_url.rstrip('/')}{PREFIX}/{token}"
        return cls(page=page, png=f"{page}.png", csv=f"{page}.csv", json=f"{page}.json")
