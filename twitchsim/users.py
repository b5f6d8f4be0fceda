"""Accounts that exist in every simulated world: the simulator's account record, service bots
(nightbot, streamelements, ...) and the lurker bots that sit in many channels at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from twitchsim import names
from twitchsim.growth import id_at, ts_at

DEFAULT_NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
DAY = 86_400.0
YEAR = 365.25 * DAY


@dataclass(frozen=True, slots=True)
class SimUser:
    """A Twitch account as Get Users describes it."""

    user_id: int
    login: str
    display_name: str
    created_at: datetime  # aware UTC
    type: str = ""
    broadcaster_type: str = ""
    profile_image_url: str = ""
    description: str = ""

    @property
    def default_avatar(self) -> bool:
        return not self.profile_image_url or "user-default-pictures" in self.profile_image_url


# --- service bots and lurker bots: the same accounts in every scenario --------------------------

_SERVICE_BOTS: tuple[tuple[str, str, int, str], ...] = (
    ("nightbot", "Nightbot", 19264788, "Nightbot is a chat bot for Twitch, YouTube and Trovo."),
    ("streamelements", "StreamElements", 100135110, "StreamElements chat bot."),
    ("moobot", "Moobot", 1564983, "Moobot, the chat bot for Twitch."),
    ("fossabot", "Fossabot", 237719657, "Fossabot is a Twitch chat bot. fossabot.com"),
    ("streamlabs", "Streamlabs", 105166207, "The official Streamlabs chat bot."),
    ("soundalerts", "SoundAlerts", 216527497, "Play sounds on stream with Bits and points."),
    ("sery_bot", "Sery_Bot", 402337290, "Sery_Bot is a free Twitch chat bot."),
    ("wizebot", "WizeBot", 52268235, "WizeBot, the Twitch bot."),
    ("pokemoncommunitygame", "PokemonCommunityGame", 519435394, "Catch Pokemon in chat!"),
    ("kofistreambot", "KofiStreamBot", 612337429, "Ko-fi alerts for your stream."),
    ("streamstickers", "StreamStickers", 578362743, ""),
    ("blerp", "blerp", 398162374, "Sound alerts for streamers."),
)

_KNOWN_LURKERS = names.words(
    "commanderroot anotherttvviewer 0ax2 drapsnatt lurxx aliengathering v_and_k "
    "electricallongboard 8hvdes creatisbot"
)


def service_bots() -> tuple[SimUser, ...]:
    """Return the service bots (nightbot, streamelements, ...), the same in every scenario."""
    rng = random.Random("service-bots")
    return tuple(
        SimUser(
            user_id=uid,
            login=login,
            display_name=display,
            created_at=datetime.fromtimestamp(int(ts_at(uid)), UTC),
            profile_image_url=names.custom_avatar(rng, login, old=True),
            description=desc,
        )
        for login, display, uid, desc in _SERVICE_BOTS
    )


def lurker_pool(now: datetime = DEFAULT_NOW) -> tuple[SimUser, ...]:
    """Return the lurker bots that sit in many channels (mostly old accounts, a few young)."""
    rng = random.Random("lurker-pool-v1")
    pool = names.LoginPool({s[0] for s in _SERVICE_BOTS})
    out: list[SimUser] = []
    for i in range(80):
        if i < len(_KNOWN_LURKERS):
            parts: tuple[str, ...] = (_KNOWN_LURKERS[i],)
        elif rng.random() < 0.5:
            parts = names.farm_login("random_letters", "", i, rng)
        else:
            parts = names.ordinary_parts(rng)
        login = pool.claim("".join(parts), rng)
        if rng.random() < 0.85:  # old: 2012-2020
            ts = rng.uniform(
                datetime(2012, 1, 1, tzinfo=UTC).timestamp(),
                datetime(2020, 12, 31, tzinfo=UTC).timestamp(),
            )
        else:
            ts = now.timestamp() - rng.uniform(30 * DAY, 2 * YEAR)
        uid = id_at(ts)
        avatar = (
            names.default_avatar(rng)
            if rng.random() < 0.6
            else names.custom_avatar(rng, login, old=True)
        )
        out.append(
            SimUser(
                uid,
                login,
                login,
                datetime.fromtimestamp(int(ts_at(uid)), UTC),
                profile_image_url=avatar,
            )
        )
    return tuple(out)
