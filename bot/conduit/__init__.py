"""Conduit mode: several bot processes share one EventSub conduit over PostgreSQL (issue #16).

`ConduitMode` is the face: `open()`, `start(client)`, `status()` (a `ConduitStatus` for
/healthz), `close()`. Inside: `keeper` (this process's shards), `channels` (the join loop, in
one process at a time). SQL is in `storage.conduit`, Helix calls in `bot.helix.conduits`, the
TwitchIO socket accessors in `bot.twitch.patches`.
"""

from __future__ import annotations

from bot.conduit.mode import ConduitMode, ConduitStatus

__all__ = ["ConduitMode", "ConduitStatus"]
