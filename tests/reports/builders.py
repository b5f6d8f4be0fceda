"""Hand-made audiences with known ground truth for the analysis tests.

Organic accounts are spread over years with a smooth, rising density and independent times;
farms are placed where the test says. Ids grow with creation time, as on Twitch.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from storage.models import Account

NOW = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
START = datetime(2012, 1, 1, tzinfo=UTC)
DEFAULT_PIC = "https://static-cdn.jtvnw.net/user-default-pictures-uv/x-profile_image-300x300.png"
CUSTOM_PIC = "https://static-cdn.jtvnw.net/jtv_user_pictures/abc-profile_image-300x300.png"
WORDS = ("fox", "wolf", "panda", "tiger", "dragon", "ninja", "wizard", "knight", "gamer", "potato")


def user_id_at(when: datetime) -> int:
    """Ids grow with time (about 2 a second, roughly Twitch's modern rate); always even."""
    return (int((when - START).total_seconds() * 2) + 1_000) * 2


def account(
    login: str,
    created: datetime | None,
    *,
    user_id: int | None = None,
    default_avatar: bool = False,
    description: str = "hi",
) -> Account:
    uid = user_id if user_id is not None else user_id_at(created or NOW)
    return Account(
        user_id=uid,
        login=login,
        display_name=login,
        created_at=created,
        profile_image_url=DEFAULT_PIC if default_avatar else CUSTOM_PIC,
        description=description,
    )


def organic(n: int, seed: int = 1, *, now: datetime = NOW) -> list[Account]:
    """Return `n` ordinary accounts, created from 2012 to a day before `now`, denser lately."""
    rng = random.Random(seed)
    span = (now - timedelta(days=1) - START).total_seconds()
    out = []
    used: set[int] = set()
    for i in range(n):
        # Density rising linearly with time: inverse CDF of a triangular-ish distribution.
        u = math.sqrt(rng.random() * 0.75 + 0.25)
        created = START + timedelta(seconds=(u - 0.5) / 0.5 * span)
        uid = user_id_at(created)
        while uid in used:
            uid += 2  # organic ids stay even
        used.add(uid)
        login = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{i}"
        out.append(account(login, created, user_id=uid, default_avatar=rng.random() < 0.4))
    return out


def farm(
    n: int,
    start: datetime,
    *,
    spread: timedelta,
    stem: str = "lovelyfox",
    seed: int = 2,
    default_avatar: bool = True,
) -> list[Account]:
    """Return `n` accounts created between `start` and `start + spread`, stem + digits logins."""
    rng = random.Random(seed)
    out = []
    used: set[int] = set()
    for i in range(n):
        created = start + timedelta(seconds=rng.random() * spread.total_seconds())
        uid = user_id_at(created) + 1  # odd: never an organic id
        while uid in used:
            uid += 2
        used.add(uid)
        login = f"{stem}{rng.randint(100, 99_999)}{i}"
        out.append(
            account(login, created, user_id=uid, default_avatar=default_avatar, description="")
        )
    return out
