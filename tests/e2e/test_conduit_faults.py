"""Conduit mode under socket faults: a session_reconnect keeps the binding (the moved socket is
adopted, not re-bound), and sockets cut by the network are reopened and bound again."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.conduit.fleet import fleet, wait_until
from tests.e2e.test_conduit import all_stored, say_everywhere

pytestmark = [pytest.mark.timeout(300)]

PATCH_SHARDS = "PATCH /helix/eventsub/conduits/shards"


async def test_reconnects_are_adopted_and_cut_sockets_rebound(pg_url: str, tmp_path: Path) -> None:
    async with fleet(pg_url, tmp_path, processes=1, shards=3, channels=12) as f:
        f.procs["bot1"].start()
        await f.ready(3, timeout=120)
        world = f.world
        await all_stored(f, await say_everywhere(f, "before"))
        patches_before = world.helix_calls[PATCH_SHARDS]
        sessions_before = {s.session_id for s in f.conduit().shards}

        assert await world.send_reconnect() == 3
        # The sessions move to new sockets; the shards keep their sessions and bindings.
        await wait_until(
            lambda: (
                sum(1 for s in world.hub.sessions.values() if s.conn is not None) == 3
                and f.enabled_shards() == {0, 1, 2}
            ),
            timeout=30,
            what="the reconnected sockets",
        )
        ids = await say_everywhere(f, "after reconnect")
        await all_stored(f, ids)
        assert world.conduits.dropped == 0
        assert {s.session_id for s in f.conduit().shards} == sessions_before
        assert world.helix_calls[PATCH_SHARDS] == patches_before

        # The network cuts every socket: the keeper opens new ones and binds them again.
        await world.drop_sockets()
        await wait_until(
            lambda: (
                f.enabled_shards() == {0, 1, 2}
                and not ({s.session_id for s in f.conduit().shards} & sessions_before)
            ),
            timeout=30,
            what="the shards bound to new sockets",
        )
        await all_stored(f, await say_everywhere(f, "after the cut"))
        assert await f.procs["bot1"].stop() == 0
