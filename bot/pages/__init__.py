"""Everything on the web: report links and pages, the moderators\' dashboard and its API."""

from __future__ import annotations

from bot.pages.captures import BuiltReport, Reports
from bot.pages.links import TOKEN_RE, Links, new_report_token
from bot.pages.routes import RateLimit, add_report_routes, chain_resolvers
from bot.pages.streams import StreamReports

__all__ = [
    "TOKEN_RE",
    "BuiltReport",
    "Links",
    "RateLimit",
    "Reports",
    "StreamReports",
    "add_report_routes",
    "chain_resolvers",
    "new_report_token",
]
