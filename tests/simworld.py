"""A twitchsim world with the bot's cast in it, and the settings that point a bot at it.

Shared by the end-to-end and resilience suites (in-process bot and child-process bot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.twitch.oauth import BOT_SCOPES
from bot.twitch.tokens import save_token
from storage import Database
from twitchsim import TwitchSim
from twitchsim.scenarios import build

BOT = "botcheck_bot"
OWNER = "the_owner"
VIEWER = "a_viewer"


@dataclass
class Channel:
    login: str
    scenario: str = "organic"
    size: int = 300


@dataclass
class Cast:
    bot: Any
    owner: Any
    moderators: dict[str, str] = field(default_factory=dict)


def populate(sim: TwitchSim, channels: Sequence[Channel], *, live: bool = True) -> Cast:
    """Add the bot, its owner, a viewer, and each channel with a moderator and its audience."""
    world = sim.state
    cast = Cast(bot=world.add_user(BOT), owner=world.add_user(OWNER))
    world.add_user(VIEWER)
    for i, ch in enumerate(channels):
        world.add_channel(ch.login)
        mod = f"mod_{i}"
        world.add_user(mod)
        world.add_moderator(ch.login, mod)
        world.add_moderator(ch.login, BOT)
        world.load_scenario(ch.login, build(ch.scenario, i + 1, ch.size), live=live)
        cast.moderators[ch.login] = mod
    return cast


def bot_settings(sim: TwitchSim, cast: Cast, tmp_path: Path, port: int) -> dict[str, str]:
    """The environment of a bot pointed at `sim`, storing under `tmp_path`."""
    return {
        **sim.env(),
        "TWITCH_BOT_ID": str(cast.bot.user_id),
        "TWITCH_OWNER_ID": str(cast.owner.user_id),
        "BOTCHECK_DB": str(tmp_path / "botcheck.db"),
        "BOTCHECK_DATA_DIR": str(tmp_path / "data"),
        "BOTCHECK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "BOTCHECK_WEB_PORT": str(port),
        "BOTCHECK_EMOTES": "false",  # a `botcheck run` child would reach 7TV & co. otherwise
    }


async def authorize_bot(sim: TwitchSim, cast: Cast, db_path: Path | str) -> None:
    """Store a user token for the bot account, as if it had gone through OAuth."""
    access, refresh = sim.state.issue_user_token(cast.bot, list(BOT_SCOPES))
    async with Database(db_path) as db:
        await save_token(
            db,
            user_id=str(cast.bot.user_id),
            login=BOT,
            access_token=access,
            refresh_token=refresh,
            scopes=list(BOT_SCOPES),
            expires_in=4 * 3600,
        )
