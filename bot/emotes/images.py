"""Third-party emote images served through our own origin: ``GET /emotes/<provider>/<id>``.

Pages never load another origin (the dashboard's CSP allows ``img-src 'self'``), so the bot
fetches an emote's image from its provider's CDN once, keeps it in DATA_DIR/emotes/images/
(0600 files, 0700 folders) and serves it from there. Not an open proxy: the provider must be one
of the three, the id must match the id pattern and be in a set the bot holds (or already be on
disk), and the address fetched is built from the provider's CDN base setting and that id alone.
An image is at most `max_bytes` and must say it is PNG, GIF, WebP or AVIF.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx
from aiohttp import web

from bot.emotes.providers import Provider
from bot.emotes.sets import write_private
from bot.pages.routes import RateLimit, security_headers
from storage.emotes import ID_RE

__all__ = ["EmoteImages", "add_emote_routes"]

log = logging.getLogger(__name__)

TYPES = {"image/png": "png", "image/gif": "gif", "image/webp": "webp", "image/avif": "avif"}
MAX_BYTES = 1_000_000  # a 1x animated emote is tens of kB; 7TV allows a few hundred
MISS_S = 600.0  # an id the CDN would not give is not asked for again within this time
MAX_MISSES = 10_000


class EmoteImages:
    """Emote images fetched once from the providers' CDNs and kept on disk."""

    def __init__(
        self,
        *,
        providers: Iterable[Provider],
        directory: Path,
        known: Callable[[str, str], bool],
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        max_bytes: int = MAX_BYTES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._providers = {p.key: p for p in providers}
        self._dir = directory
        self._known = known
        self._transport = transport
        self._timeout_s = timeout_s
        self.max_bytes = max_bytes
        self._monotonic = monotonic
        self._fetching: dict[tuple[str, str], asyncio.Future[tuple[bytes, str] | None]] = {}
        self._misses: dict[tuple[str, str], float] = {}
        self.fetches = 0  # CDN requests made (tests count them)

    def _cached(self, provider: str, emote_id: str) -> tuple[bytes, str] | None:
        for ctype, ext in TYPES.items():
            path = self._dir / provider / f"{emote_id}.{ext}"
            try:
                return path.read_bytes(), ctype
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("emote image %s unreadable: %s", path, exc)
                return None
        return None

    async def get(self, provider: str, emote_id: str) -> tuple[bytes, str] | None:
        """The image and its content type, from disk or fetched once (None: no such image)."""
        if provider not in self._providers or not ID_RE.fullmatch(emote_id):
            return None
        found = self._cached(provider, emote_id)
        if found is not None:
            return found
        key = (provider, emote_id)
        if not self._known(provider, emote_id):
            return None
        missed = self._misses.get(key)
        if missed is not None and self._monotonic() - missed < MISS_S:
            return None
        waiting = self._fetching.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[tuple[bytes, str] | None] = (
            asyncio.get_running_loop().create_future()
        )
        self._fetching[key] = future
        try:
            result = await self._fetch(provider, emote_id)
            future.set_result(result)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waits
            raise
        finally:
            del self._fetching[key]
        if result is None:
            if len(self._misses) >= MAX_MISSES:
                self._misses.clear()
            self._misses[key] = self._monotonic()
        return result

    async def _fetch(self, provider: str, emote_id: str) -> tuple[bytes, str] | None:
        url = self._providers[provider].image_url(emote_id)
        self.fetches += 1
        try:
            async with (
                httpx.AsyncClient(transport=self._transport, timeout=self._timeout_s) as client,
                client.stream("GET", url) as resp,
            ):
                ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if resp.status_code != 200 or ctype not in TYPES:
                    log.info("emote image %s: HTTP %d, %r", url, resp.status_code, ctype)
                    return None
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        log.info("emote image %s is over %d bytes", url, self.max_bytes)
                        return None
        except httpx.HTTPError as exc:
            log.info("emote image %s unreachable: %s", url, exc)
            return None
        data = bytes(body)
        try:
            write_private(self._dir / provider / f"{emote_id}.{TYPES[ctype]}", data)
        except OSError as exc:
            log.warning("cannot keep emote image %s: %s", url, exc)
        return data, ctype


def add_emote_routes(
    app: web.Application,
    images: EmoteImages,
    *,
    rate_limit: RateLimit | None = None,
    client_address: Callable[[web.BaseRequest], str] | None = None,
) -> None:
    """Serve ``GET /emotes/{provider}/{emote_id}`` from `images`."""
    limiter = rate_limit if rate_limit is not None else RateLimit(burst=200, per_second=20.0)

    def address(request: web.BaseRequest) -> str:
        return client_address(request) if client_address is not None else request.remote or "?"

    async def emote(request: web.Request) -> web.Response:
        wait = limiter.allow(address(request))
        headers = security_headers()
        if wait > 0:
            headers["Retry-After"] = str(max(1, round(wait)))
            return web.Response(status=429, text="Too many requests.\n", headers=headers)
        found = await images.get(request.match_info["provider"], request.match_info["emote_id"])
        if found is None:
            return web.Response(status=404, text="No such emote.\n", headers=headers)
        data, ctype = found
        headers["Cache-Control"] = "public, max-age=86400"
        return web.Response(body=data, content_type=ctype, headers=headers)

    app.router.add_get("/emotes/{provider}/{emote_id}", emote)
