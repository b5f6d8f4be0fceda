"""twitchsim: a local stand-in for Twitch (Helix, OAuth, EventSub WebSocket) for tests and demos.

async with TwitchSim() as sim:
    sim.state.add_channel("streamer")
    ...  # point TwitchIO or botcheck at sim.helix_url / sim.auth_url / sim.ws_url
"""

from __future__ import annotations

from twitchsim.config import SimConfig
from twitchsim.server import TwitchSim
from twitchsim.state import SimError, World

__all__ = ["SimConfig", "SimError", "TwitchSim", "World"]
