"""One "bot process" for test_ratelimit_processes: its own Helix client and limiter, the app
token, as many Get Users calls as it is told, several at a time; prints what came back as JSON.

Run as ``python -m tests.bot.helix.limiter_child HELIX_URL AUTH_URL CLIENT_ID SECRET CALLS
CONCURRENCY REFILL_PER_S USER_ID``; it starts when it reads a line on stdin (all at once).
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter

from bot.helix import Helix, HelixError
from bot.helix.ratelimit import RateLimiters
from tests.bot.conftest import SimTokens


async def main(argv: list[str]) -> dict[str, object]:
    helix_url, auth_url, client_id, secret = argv[:4]
    calls, concurrency, refill, user = int(argv[4]), int(argv[5]), float(argv[6]), int(argv[7])
    tokens = SimTokens(auth_url, client_id, secret)
    await tokens.token(None)  # the app token before the start line: no OAuth in the race
    # Twitch refills a full bucket a minute; the sim runs faster, and so does this limiter.
    limiters = RateLimiters(refill_per_s=refill)
    helix = Helix(
        base_url=helix_url, client_id=client_id, tokens=tokens, limiters=limiters, max_retries=0
    )
    await helix.open()
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(calls):
        queue.put_nowait(i)
    ok = 0
    errors: Counter[str] = Counter()

    async def worker() -> None:
        nonlocal ok
        while not queue.empty():
            queue.get_nowait()
            try:
                await helix.get_users([user])
                ok += 1
            except HelixError as exc:
                errors[f"{type(exc).__name__} {exc.status}"] += 1

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await helix.close()
    bucket = limiters.bucket(None)
    return {"ok": ok, "errors": dict(errors), "throttled": bucket.throttled_count}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:]))), flush=True)
