"""Report routes: `/r/<token>` (page) and `/r/<token>.png|.csv|.json`, on any aiohttp app.

The bot mounts them on TwitchIO's `AiohttpAdapter` (an `aiohttp.web.Application`). A token is
checked against `TOKEN_RE` before anything else; paths are never built from the request, only
from the directory `resolve(token)` returns and fixed file names (a botcheck report's, or a
stream report's `stream-chat.csv` and `stream.json`). Every answer from these
routes, 404s and 429s included, carries the security and no-cache headers, and a small per-IP
token bucket keeps one client from hammering them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.pages.links import NAME_RE, PREFIX, RAID_MARKER, TOKEN_RE, new_report_token
from reports.i18n import N_, Speaker, accepted_language
from reports.page import page_csp
from reports.preparing import preparing_csp, preparing_html
from reports.raid_page import raid_page_csp
from reports.stream_page import STREAM_MARKER, stream_page_csp

__all__ = ["TOKEN_RE", "RateLimit", "add_report_routes", "chain_resolvers", "new_report_token"]

log = logging.getLogger(__name__)


Resolver = Callable[[str], Awaitable[Path | None]]
Preparing = Callable[[str], bool]  # is this report's file set still being written?
Written = Callable[[str], Awaitable[bool]]  # wait for it; True when its files are there
# A download asked for while its report is being written waits this long for it, then 503.
WAIT_WRITTEN_S = 10.0
TOO_MANY = N_("Too many requests.")


@dataclass(frozen=True, slots=True)
class _Kind:
    filenames: tuple[str, ...]  # the first one present is served (botcheck, then stream reports)
    content_type: str
    download: bool  # as an attachment under its file name, else inline


_KINDS: dict[str | None, _Kind] = {
    None: _Kind(("index.html",), "text/html; charset=utf-8", False),
    "png": _Kind(("chart.png",), "image/png", False),
    "csv": _Kind(
        ("chatters.csv", "stream-chat.csv", "followers.csv", "daily.csv"),
        "text/csv; charset=utf-8",
        True,
    ),
    "json": _Kind(
        ("analysis.json", "stream.json", "daily.json"), "application/json; charset=utf-8", True
    ),
    # What a live stream page polls for its figures (reports/stream_page.py).
    "live.json": _Kind(("live.json",), "application/json; charset=utf-8", False),
}

_FILE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "private, no-store, max-age=0",
    "X-Robots-Tag": "noindex, nofollow",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def chain_resolvers(*resolvers: Resolver) -> Resolver:
    """Return a resolver that asks each in turn (botcheck reports, then stream reports)."""

    async def resolve(token: str) -> Path | None:
        for one in resolvers:
            found = await one(token)
            if found is not None:
                return found
        return None

    return resolve


def security_headers(csp: str = _FILE_CSP) -> dict[str, str]:
    """Return the headers every report-route answer carries."""
    return {**_COMMON_HEADERS, "Content-Security-Policy": csp}


class RateLimit:
    """A token bucket per client address: `burst` requests at once, `per_second` after."""

    MAX_CLIENTS = 10_000  # forget the quietest clients beyond this many

    def __init__(
        self,
        burst: int = 60,
        per_second: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = float(burst)
        self.per_second = per_second
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, at)

    @property
    def clients(self) -> int:
        """How many addresses the limiter remembers."""
        return len(self._buckets)

    def allow(self, address: str) -> float:
        """Take one request for `address`; return 0 if allowed, else seconds to wait."""
        now = self._clock()
        tokens, at = self._buckets.get(address, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.per_second)
        if tokens < 1.0:
            self._buckets[address] = (tokens, now)
            return (1.0 - tokens) / self.per_second
        if len(self._buckets) >= self.MAX_CLIENTS and address not in self._buckets:
            self._forget_full(now)
        self._buckets[address] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        refill = self.burst / self.per_second
        for key, (_, at) in list(self._buckets.items()):
            if now - at >= refill:  # back to a full bucket: nothing to remember
                del self._buckets[key]
        if len(self._buckets) >= self.MAX_CLIENTS:
            self._buckets.clear()  # a flood of addresses: start over rather than grow


def add_report_routes(
    app: web.Application,
    resolve: Resolver,
    *,
    prefix: str = PREFIX,
    rate_limit: RateLimit | None = None,
    preparing: Preparing | None = None,
    written: Written | None = None,
    client_address: Callable[[web.BaseRequest], str] | None = None,
) -> None:
    """Serve report files under `prefix`; `resolve(token)` gives a report's directory or None.

    `rate_limit` defaults to 60 requests at once and one a second after that, per address
    (`client_address(request)`, by default the peer). While `preparing(token)` is true the page
    is the "being prepared" page and its files wait for `written(token)` (a few seconds at most,
    then 503 with `Retry-After`), never a 404.
    """
    limiter = rate_limit if rate_limit is not None else RateLimit()
    address = client_address if client_address is not None else _peer

    async def report(request: web.Request) -> web.StreamResponse:
        wait = limiter.allow(address(request))
        if wait > 0:
            return _error(request, 429, TOO_MANY, {"Retry-After": str(max(1, round(wait)))})
        m = NAME_RE.fullmatch(request.match_info.get("name", ""))
        if m is None:
            return _not_found(request)
        kind = _KINDS[m.group("ext")]
        token = m.group("token")
        if preparing is not None and preparing(token):
            page = m.group("ext") is None
            if page or written is None or not await _wait(written(token)):
                return _preparing(request, page=page)
        try:
            directory = await resolve(m.group("token"))
        except Exception:
            log.exception("resolving a report token failed")
            return _error(request, 503, N_("Reports are unavailable right now."))
        if directory is None:
            return _not_found(request)
        path = next((directory / n for n in kind.filenames if (directory / n).is_file()), None)
        if path is None:
            log.warning("report directory %s has no %s", directory, kind.filenames[0])
            return _not_found(request)
        headers = security_headers(_FILE_CSP if m.group("ext") else _page_csp(directory))
        headers["Content-Type"] = kind.content_type
        if kind.download:
            headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
        return web.FileResponse(path, headers=headers)

    async def not_found(request: web.Request) -> web.StreamResponse:
        if limiter.allow(address(request)) > 0:
            return _error(request, 429, TOO_MANY)
        return _not_found(request)

    base = prefix.rstrip("/")
    app.router.add_get(base + "/{name}", report)
    # Anything else under the prefix (extra segments, dot tricks, an empty token) gets the same
    # headered 404 rather than aiohttp's bare one.
    app.router.add_get(base + "/{tail:.*}", not_found)
    app.router.add_get(base, not_found)


async def _wait(done: Awaitable[bool]) -> bool:
    try:
        return await asyncio.wait_for(done, WAIT_WRITTEN_S)
    except TimeoutError:
        return False


def _peer(request: web.BaseRequest) -> str:
    return request.remote or "?"


def _reader(request: web.BaseRequest) -> Speaker:
    """Who reads an answer given before the report is known: the browser's language."""
    return Speaker(accepted_language(request.headers.get("Accept-Language", "")))


def _preparing(request: web.BaseRequest, *, page: bool) -> web.Response:
    """The report is being written: a page that reloads itself, or 503 for its files."""
    if not page:
        return _error(request, 503, N_("The report is being prepared."), {"Retry-After": "2"})
    headers = security_headers(preparing_csp())
    html = preparing_html(speaker=_reader(request))
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=headers)


def _page_csp(directory: Path) -> str:
    """Each page gets the policy that allows its own stylesheet and nothing more."""
    if (directory / RAID_MARKER).is_file():  # a raid page (bot.defence.pages)
        return raid_page_csp()
    return stream_page_csp() if (directory / STREAM_MARKER).is_file() else page_csp()


def _not_found(request: web.BaseRequest) -> web.Response:
    return _error(request, 404, N_("No report here: the link is wrong or the report has expired."))


def _error(
    request: web.BaseRequest, status: int, message: str, extra: dict[str, str] | None = None
) -> web.Response:
    """A plain-text answer in the browser's language (English unless it asks for another)."""
    headers = security_headers()
    headers.update(extra or {})
    return web.Response(status=status, text=_reader(request).say(message) + "\n", headers=headers)
