"""The simulator's knobs (rate limit, latency, lifetimes), changeable while it runs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class SimConfig:
    """Settings for one `TwitchSim`; tests and benchmarks pick Twitch-like or fast values."""

    rate_capacity: int = 800  # Helix points per bucket
    rate_refill_per_s: float = 800 / 60
    latency_s: float = 0.0  # added to every Helix answer
    jitter_s: float = 0.0  # plus a uniform extra in [0, jitter_s]
    keepalive_default_s: int = 10  # EventSub keepalive when the client asks for none
    # close 4003 when nothing subscribes (or binds a conduit shard) by then; None: the keepalive
    # timeout, as on Twitch (10 s by default, Twitch's window to bind a shard)
    subscribe_timeout_s: float | None = None
    reconnect_grace_s: float = 30.0  # close 4004 when a reconnect is not taken up by then
    token_ttl_s: int = 4 * 3600  # user token lifetime (Twitch: about 4 hours)
    app_token_ttl_s: int = 60 * 86400  # app token lifetime (Twitch: about 60 days)
    max_subscriptions_per_session: int = 300
    max_conduits: int = 5  # per client id
    max_shards: int = 20_000  # per conduit
    max_total_cost: int = 10_000  # per client id, for conduit subscriptions
    chat_send_limit: int = 100  # messages per 30 s for a moderator or broadcaster
    chat_send_limit_user: int = 20  # ... and for anyone else
