"""The layers one Helix request goes through, the way httpx layers `send`.

From the outside in: `Retries` tries a request again after a timeout, a dropped connection or a
5xx, with backoff and jitter; `TokenAuth` (an `httpx.Auth` flow) signs it with the token of the
chosen bucket's owner and, on a 401, refreshes that token once and signs it again; the
`PacedTransport` under httpx takes every request's point from its bucket first, and waits out a
429 until Twitch's reset. `Helix._call` only picks the bucket and reads the answer.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from bot import metrics
from bot.helix.errors import HelixAuthError, HelixError, HelixRateLimited, HelixUnavailable
from bot.helix.ratelimit import Priority, RateLimitTimeout, TokenBucket

log = logging.getLogger(__name__)

PACING = "botcheck.pacing"  # the request extension that tells the transport how to pace it


class TokenSource(Protocol):
    """Where Helix gets OAuth tokens: user tokens by user id, the app token for None."""

    async def token(self, user_id: str | None) -> str: ...

    async def refresh(self, user_id: str | None, stale: str) -> str:
        """Return a fresh token, or the current one if another caller refreshed already."""
        ...


@dataclass(frozen=True, slots=True)
class Pacing:
    """Which bucket pays for a request, at which priority, and until when it may wait."""

    bucket: TokenBucket
    priority: Priority
    path: str  # for messages: "chat/chatters"
    deadline: float  # loop time after which waiting for the rate limit gives up
    max_wait_s: float


def header_int(resp: httpx.Response, name: str) -> int | None:
    """The header as a whole number; None when missing or not a finite number (`inf`, `nan`)."""
    raw = resp.headers.get(name)
    try:
        return int(float(raw)) if raw is not None else None
    except (ValueError, OverflowError):
        return None


class TokenAuth(httpx.Auth):
    """Sign with the key's token; on a 401, refresh it once and send again."""

    def __init__(self, tokens: TokenSource, key: str | None, path: str) -> None:
        self._tokens = tokens
        self._key = key
        self._path = path

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        who = self._key or "the app"
        token = await self._token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        log.info("%s: 401, refreshing the token of %s", self._path, who)
        try:
            fresh = await self._tokens.refresh(self._key, token)
        except HelixError:
            raise
        except Exception as exc:
            raise HelixAuthError(
                f"could not refresh the token of {who}: {exc}", status=401
            ) from exc
        request.headers["Authorization"] = f"Bearer {fresh}"
        response = yield request
        if response.status_code == 401:
            raise HelixAuthError(
                f"Twitch rejected the token for {who} even after a refresh", status=401
            )

    async def _token(self) -> str:
        try:
            return await self._tokens.token(self._key)
        except HelixError:
            raise
        except Exception as exc:
            raise HelixAuthError(f"no token for {self._key or 'the app'}: {exc}") from exc


class PacedTransport(httpx.AsyncBaseTransport):
    """Take each request's point from its bucket before sending; wait out 429s."""

    def __init__(self, inner: httpx.AsyncBaseTransport, on_send: Callable[[], None]) -> None:
        self._inner = inner
        self._on_send = on_send

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        pacing = request.extensions.get(PACING)
        if not isinstance(pacing, Pacing):
            return await self._inner.handle_async_request(request)
        loop = asyncio.get_running_loop()
        bucket = pacing.bucket
        while True:
            try:
                ticket = await bucket.acquire(
                    pacing.priority, timeout_s=max(0.0, pacing.deadline - loop.time())
                )
            except RateLimitTimeout as exc:
                raise HelixRateLimited(
                    f"Twitch's rate limit kept {pacing.path} waiting over {pacing.max_wait_s:.0f} s"
                ) from exc
            try:
                self._on_send()
                response = await self._inner.handle_async_request(request)
            except BaseException:
                bucket.abandon(ticket)
                raise
            if response.status_code != 429:
                bucket.observe(
                    ticket,
                    limit=header_int(response, "Ratelimit-Limit"),
                    remaining=header_int(response, "Ratelimit-Remaining"),
                )
                return response
            metrics.bump("helix_429")
            reset = header_int(response, "Ratelimit-Reset")
            wait = bucket.throttled(ticket, reset_epoch=float(reset) if reset is not None else None)
            await response.aclose()
            if loop.time() + wait > pacing.deadline:
                raise HelixRateLimited(
                    f"Twitch's rate limit would keep {pacing.path} waiting another {wait:.0f} s",
                    status=429,
                )
            # The bucket is blocked until the reset: the next acquire waits for it.

    async def aclose(self) -> None:
        await self._inner.aclose()


class Retries:
    """Send again after a timeout, a dropped connection or a 5xx, with backoff and jitter."""

    def __init__(
        self,
        *,
        max_retries: int,
        backoff_s: float,
        max_backoff_s: float,
        rng: random.Random | None = None,
    ) -> None:
        self.max_retries = max_retries
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._rng = rng or random.Random()

    def backoff(self, failures: int) -> float:
        base: float = min(self._max_backoff_s, self._backoff_s * 2.0 ** (failures - 1))
        return base * self._rng.uniform(0.5, 1.5)

    async def send(
        self, path: str, attempt: Callable[[], Awaitable[httpx.Response]]
    ) -> httpx.Response:
        """Return the first answer that is not a 5xx; raise HelixUnavailable after the last try."""
        failures = 0
        while True:
            try:
                response = await attempt()
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                what = type(exc).__name__
                failures += 1
                if failures > self.max_retries:
                    raise HelixUnavailable(
                        f"Twitch did not answer {path} ({what}), {failures} tries"
                    ) from exc
            else:
                if response.status_code < 500:
                    return response
                what = str(response.status_code)
                failures += 1
                if failures > self.max_retries:
                    raise HelixUnavailable(
                        f"Twitch answered {what} to {path}, {failures} tries",
                        status=response.status_code,
                    )
            log.info("%s: %s, retry %d", path, what, failures)
            await asyncio.sleep(self.backoff(failures))
