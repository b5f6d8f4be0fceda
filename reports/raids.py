"""Raid detection in real time: one `RaidDetector` per channel, fed one chat message at a time.

Signals (thresholds in `Thresholds`, scaled by a channel's `Sensitivity`):

- A message is *suspect* when its author writes in this channel for the first time or the
  account is young (under ``young_days``). Regulars' messages cost a deque append and nothing
  else: the detector must not slow the chat ingest it sits on.
- Suspect messages are grouped by near-identical text (`textnorm`: folded skeleton, 3-gram
  MinHash, band keys; a message joins a group when the estimated Jaccard similarity to the
  group's first message is at least ``similarity``). A group trips when it holds
  ``min_messages`` messages from ``min_accounts`` accounts within ``window_s`` seconds.
- Unless it is a hype moment: when regulars posted the same text (same `textnorm.key`, e.g.
  an emote) at least as often in the window, the group is the crowd joining in, not a raid.
  Very short texts ("hi", one emote) trip only when most of their authors are young.
- Or a wave of fresh accounts: ``fresh_accounts`` accounts under ``fresh_days`` old writing here
  for the first time within the window, whatever they say.

A trip yields a frozen `Raid` with its `Risk` (`reports.risk`). Its kind: ``hate`` when the risk
category is hate or harassment; ``honest`` when a ``channel.raid`` from a real streamer arrived
within ``incoming_s`` (told with `note_incoming_raid`); else ``spam``. A raid stays active until
``quiet_s`` passes without a suspect message; later messages from its accounts or groups, and
fresh first-time accounts during a hostile raid, join it (`active`); a new trip during it is
reported only when it is more severe (honest -> spam -> hate).
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime
from functools import lru_cache

from reports import textnorm
from reports.i18n import N_, Phrase
from reports.raid_build import Seen, build_raid, with_members
from reports.raid_model import IncomingRaid, Raid, RaidKind
from reports.raid_thresholds import Sensitivity, Thresholds
from reports.risk import Category, RuleSet, assess, category_word

log = logging.getLogger(__name__)

__all__ = ["RaidDetector", "Sensitivity", "Thresholds"]

DAY_S = 86_400.0
MAX_KEPT_MESSAGES = 2_000
_REGULARS_KEPT = 4_096  # regular messages remembered for the hype check (one window's worth)
_SEVERITY = {RaidKind.HONEST: 0, RaidKind.SPAM: 1, RaidKind.HATE: 2}


class _Group:
    """Near-identical suspect messages inside the window."""

    __slots__ = ("bands", "key", "members", "next_check", "sig", "tripped", "users")

    def __init__(
        self, sig: textnorm.Signature, bands: tuple[tuple[int, int, int], ...], key: str
    ) -> None:
        self.sig = sig
        self.key = key
        self.bands = bands  # the band keys it was indexed under
        self.members: deque[Seen] = deque()
        self.users: dict[int, int] = {}
        self.tripped = False
        self.next_check = 0

    def add(self, m: Seen) -> None:
        self.members.append(m)
        self.users[m.user_id] = self.users.get(m.user_id, 0) + 1

    def expire(self, before: float) -> None:
        members, users = self.members, self.users
        while members and members[0].t < before:
            m = members.popleft()
            left = users[m.user_id] - 1
            if left:
                users[m.user_id] = left
            else:
                del users[m.user_id]


class _Active:
    __slots__ = ("groups", "incoming", "kind", "last_t", "messages", "raid", "seen", "users")

    def __init__(self, raid: Raid, groups: set[int], last_t: float) -> None:
        self.raid = raid
        self.kind = raid.kind
        self.incoming = raid.incoming
        self.groups = groups
        self.users: dict[int, Seen] = {}
        self.messages: list[Seen] = []
        self.seen: set[int] = set()  # id() of the messages kept
        self.last_t = last_t


class RaidDetector:
    """Sliding-window raid detector for one channel (not thread-safe; one per channel)."""

    def __init__(
        self,
        channel: str,
        *,
        thresholds: Thresholds | None = None,
        rules: RuleSet | None = None,
    ) -> None:
        self.channel = channel
        self.thresholds = thresholds or Thresholds()
        self.rules = rules or RuleSet.default()
        self._young_s = self.thresholds.young_days * DAY_S
        self._fresh_s = self.thresholds.fresh_days * DAY_S
        self._suspects: deque[tuple[Seen, int]] = deque()  # (message, group id)
        self._groups: dict[int, _Group] = {}
        self._bands: dict[tuple[int, int, int], int] = {}
        self._next_group = 0
        self._regulars: deque[tuple[float, str]] = deque(maxlen=_REGULARS_KEPT)
        self._fresh: dict[int, Seen] = {}  # fresh first-time accounts in the window, by user
        self._fresh_tripped = False
        self._fresh_oldest = 0.0
        self._incoming: IncomingRaid | None = None
        self._active: _Active | None = None
        self.trips = 0
        self.raids = 0  # raids started (not re-trips of the active one): names the active raid

    # --- input ----------------------------------------------------------------------------------

    def note_incoming_raid(self, at: datetime, from_login: str, viewers: int) -> None:
        """Remember a ``channel.raid`` to this channel: newcomers just after it are its guests."""
        self._incoming = IncomingRaid(at, from_login, viewers)

    def feed(
        self,
        at: datetime,
        user_id: int,
        login: str,
        *,
        created_at: datetime | None,
        first_time: bool,
        text: str,
    ) -> Raid | None:
        """Take one message; return a `Raid` when this message trips the detector."""
        t = at.timestamp()
        th = self.thresholds
        before = t - th.window_s
        suspects = self._suspects
        if (suspects and suspects[0][0].t < before) or (
            self._fresh and self._fresh_oldest < before
        ):
            self._expire(before)
        young = created_at is not None and t - created_at.timestamp() < self._young_s
        active = self._active
        if active is not None and t - active.last_t > th.quiet_s:
            self._active = active = None
        if not (first_time or young):
            if active is not None and user_id in active.users:
                self._join_active(active, Seen(t, user_id, login, created_at, False, young, text))
            else:
                self._regulars.append((t, text))
            return None
        m = Seen(t, user_id, login, created_at, first_time, young, text)
        gid = self._group_for(m)
        group = self._groups[gid]
        group.add(m)
        self._suspects.append((m, gid))
        fresh = first_time and created_at is not None and t - created_at.timestamp() < self._fresh_s
        if fresh:
            if not self._fresh:
                self._fresh_oldest = t
            self._fresh[user_id] = m
        if active is not None and (
            gid in active.groups
            or user_id in active.users
            or (fresh and active.kind is not RaidKind.HONEST)
        ):
            self._join_active(active, m)
        found = self._check_group(group, gid, t)
        if found is None and not self._fresh_tripped and len(self._fresh) >= th.fresh_accounts:
            self._fresh_tripped = True
            found = self._trip(list(self._fresh.values()), set(), t, "fresh")
        return found

    # --- state ----------------------------------------------------------------------------------

    @property
    def active(self) -> Raid | None:
        """Return the raid in progress with every account and message seen so far, or None."""
        a = self._active
        if a is None:
            return None
        return with_members(a.raid, a.messages)

    def _expire(self, before: float) -> None:
        suspects, groups = self._suspects, self._groups
        while suspects and suspects[0][0].t < before:
            _, gid = suspects.popleft()
            group = groups.get(gid)
            if group is None:
                continue
            group.expire(before)
            if not group.members:
                del groups[gid]
                for band in group.bands:
                    if self._bands.get(band) == gid:
                        del self._bands[band]
        if self._fresh and self._fresh_oldest < before:
            fresh = self._fresh
            for uid in [uid for uid, m in fresh.items() if m.t < before]:
                del fresh[uid]
            self._fresh_oldest = min((m.t for m in fresh.values()), default=0.0)
            if not fresh:
                self._fresh_tripped = False

    def _group_for(self, m: Seen) -> int:
        sig, bands, key = _shape(m.text)
        for band in bands:
            gid = self._bands.get(band)
            if gid is not None:
                group = self._groups[gid]
                if textnorm.similarity(sig, group.sig) >= self.thresholds.similarity:
                    return gid
        gid = self._next_group
        self._next_group += 1
        self._groups[gid] = _Group(sig, bands, key)
        for band in bands:
            self._bands.setdefault(band, gid)
        return gid

    def _check_group(self, group: _Group, gid: int, t: float) -> Raid | None:
        th = self.thresholds
        n = len(group.members)
        if group.tripped or n < th.min_messages or len(group.users) < th.min_accounts:
            return None
        if n < group.next_check:
            return None
        group.next_check = n + max(2, n // 4)  # re-check a vetoed group now and then, not always
        members = list(group.members)
        if len(group.key.replace(" ", "")) < th.short_chars:
            young = sum(1 for m in members if m.young)
            if young < th.short_young_share * n:
                return None
        if group.key:
            start = members[0].t
            hype = sum(1 for rt, text in self._regulars if rt >= start and _key(text) == group.key)
            if hype >= n:
                return None
        group.tripped = True
        return self._trip(members, {gid}, t, "group")

    # --- a trip ---------------------------------------------------------------------------------

    def _trip(self, members: list[Seen], gids: set[int], t: float, why: str) -> Raid | None:
        th = self.thresholds
        users = {m.user_id for m in members}
        span = max(1.0, members[-1].t - members[0].t)
        young = len({m.user_id for m in members if m.young})
        first = len({m.user_id for m in members if m.first_time})
        dup = 1.0 if why == "group" else 0.0
        risk = assess(
            [m.text for m in members],
            accounts=len(users),
            seconds=span,
            duplicate_share=dup,
            rules=self.rules,
        )
        incoming = self._incoming
        if incoming is not None and t - incoming.at.timestamp() > th.incoming_s:
            incoming = None
        if risk.category in (Category.HATE, Category.HARASSMENT):
            kind = RaidKind.HATE
        elif incoming is not None:
            kind = RaidKind.HONEST
        else:
            kind = RaidKind.SPAM
        reasons: list[str] = []
        if why == "group":
            reasons.append(
                Phrase(
                    N_("{count} near-identical messages in {secs} s"),
                    count=len(members),
                    secs=f"{span:.0f}",
                )
            )
        else:
            reasons.append(
                Phrase(
                    N_("{count} accounts under {days} days old in {secs} s"),
                    count=len(users),
                    days=f"{th.fresh_days:g}",
                    secs=f"{span:.0f}",
                )
            )
        reasons.append(
            Phrase(
                N_("{first} first-time chatters, {young} young accounts"), first=first, young=young
            )
        )
        if risk.category is not Category.NEUTRAL:
            reasons.append(
                Phrase(
                    N_("{category}: {why}"),
                    category=category_word(risk.category),
                    why=risk.justification,
                )
            )
        if incoming is not None:
            reasons.append(Phrase(N_("raid from {login} just before"), login=incoming.from_login))
        raid = build_raid(
            self.channel,
            kind,
            members=members,
            t=t,
            reasons=tuple(reasons),
            risk=risk,
            incoming=incoming,
        )
        active = self._active
        if active is not None:
            active.groups |= gids
            for m in members:
                self._join_active(active, m)
            if _SEVERITY[kind] <= _SEVERITY[active.kind]:
                return None
            active.raid, active.kind = raid, kind
        else:
            active = self._active = _Active(raid, set(gids), t)
            self.raids += 1
            for m in members:
                self._join_active(active, m)
        self.trips += 1
        log.info("raid tripped in %s: %s (%s)", self.channel, kind.value, "; ".join(reasons))
        return with_members(raid, active.messages)

    def _join_active(self, active: _Active, m: Seen) -> None:
        active.last_t = max(active.last_t, m.t)
        if m.user_id not in active.users:
            active.users[m.user_id] = m
        if len(active.messages) < MAX_KEPT_MESSAGES and id(m) not in active.seen:
            active.seen.add(id(m))
            active.messages.append(m)


@lru_cache(maxsize=16_384)
def _shape(text: str) -> tuple[textnorm.Signature, tuple[tuple[int, int, int], ...], str]:
    """Return a text's signature, band keys and key (chat repeats itself: "lol", emotes)."""
    folded = textnorm.skeleton(text)
    sig = textnorm.signature(folded)
    return sig, textnorm.band_keys(sig), textnorm.key_of(folded)


@lru_cache(maxsize=16_384)
def _key(text: str) -> str:
    return textnorm.key(text)
