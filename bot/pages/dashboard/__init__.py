"""The moderators' dashboard: log in with Twitch, channels, checks, chatters, actions, JSON API.

The wiring calls `add_dashboard_routes(app, deps)` once, before the web server starts, with
the same aiohttp application that serves the report links.
"""

from __future__ import annotations

from aiohttp import web

from bot.pages.dashboard.actions import Actions
from bot.pages.dashboard.analytics import AnalyticsPages
from bot.pages.dashboard.analytics_api import AnalyticsApi
from bot.pages.dashboard.api import Api
from bot.pages.dashboard.auth import Auth
from bot.pages.dashboard.deps import (
    CheckRefused,
    DashboardDeps,
    Limits,
    ModeratorsUnknown,
    Progress,
    Requester,
)
from bot.pages.dashboard.newcomers import NewcomerPages
from bot.pages.dashboard.pages import Pages
from bot.pages.dashboard.site import Site
from bot.pages.dashboard.streamstats import StreamAnalytics

__all__ = [
    "CheckRefused",
    "DashboardDeps",
    "Limits",
    "ModeratorsUnknown",
    "Progress",
    "Requester",
    "add_dashboard_routes",
]


def add_dashboard_routes(app: web.Application, deps: DashboardDeps) -> Site:
    """Mount /login, /logout, /dashboard/... and /api/v1/... on `app`; return the site."""
    site = Site(deps)
    Auth(site).add_routes(app)
    Pages(site).add_routes(app)
    Actions(site).add_routes(app)
    NewcomerPages(site).add_routes(app)  # before the API's catch-all
    StreamAnalytics(site).add_routes(app)  # before the API's catch-all
    AnalyticsPages(site).add_routes(app)
    AnalyticsApi(site).add_routes(app)  # before Api: its catch-all answers unknown paths
    Api(site).add_routes(app)
    return site
