"""Score the raid detector (`reports.raids`) on twitchsim's raid scenarios and organic chat.

    .venv/bin/python -m bench.defence [--seeds 100] [--organic 1000000] [--channels 10]

1. Hostile raids (spam and hate, 15-80 accounts, seeds 0..N-1): detected, with the right kind,
   within 5 s of their 10th message (goal: all).
2. Honest raids (a ``channel.raid`` then 20-200 newcomers with varied messages) and organic
   chat with hype moments: never alerted as hate raids (goal: 0).
3. False alarms on a deterministic replay of organic chat (default 1,000,000 messages over 10
   channels at 1.2-10 messages a second; each channel's share is one simulated day of its
   chat): at most 1 per channel per simulated day.
4. The per-message cost of `RaidDetector.feed` against a bare loop that makes the same call to
   a function doing nothing (same run), on organic chat and on a raid (every message suspect).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterable
from datetime import timedelta

from reports.raid_model import RaidKind
from reports.raids import RaidDetector
from reports.risk import Category, RuleSet
from twitchsim import raids as sim

GOAL_DELAY_S = 5.0
GOAL_FALSE_PER_DAY = 1.0
RATES = (1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
RULES = RuleSet.default().with_terms(Category.HATE, sim.PLACEHOLDER_SLURS)


def replay(sc: sim.RaidScenario) -> list[tuple[float, RaidKind]]:
    d = RaidDetector("bench", rules=RULES)
    if sc.incoming_from is not None:
        at = sc.start + timedelta(seconds=sc.incoming_at_s)
        d.note_incoming_raid(at, sc.incoming_from.login, sc.incoming_viewers)
    trips = []
    for m in sc.messages:
        raid = d.feed(
            sc.start + timedelta(seconds=m.at_s),
            m.user.user_id,
            m.user.login,
            created_at=m.user.created_at,
            first_time=m.first_time,
            text=m.text,
        )
        if raid is not None:
            trips.append((m.at_s, raid.kind))
    return trips


def hostile(seeds: int) -> bool:
    delays: list[float] = []
    missed: list[str] = []
    wrong: list[str] = []
    for truth, kind in ((sim.Truth.SPAM, RaidKind.SPAM), (sim.Truth.HATE, RaidKind.HATE)):
        for seed in range(seeds):
            size = random.Random(f"bench-defence:{truth}:{seed}").randint(15, 80)
            sc = sim.build(truth, seed, size=size)
            tenth = sc.raid_message_at(10)
            trips = replay(sc)
            if not trips or tenth is None:
                missed.append(sc.name)
                continue
            delays.append(trips[0][0] - tenth)
            if trips[0][1] is not kind:
                wrong.append(f"{sc.name}: {trips[0][1].value}")
    late = [d for d in delays if d > GOAL_DELAY_S]
    n = 2 * seeds
    print(f"hostile raids: {n} (spam and hate, 15-80 accounts)")
    print(f"  detected: {len(delays)}/{n}; kind right: {len(delays) - len(wrong)}/{len(delays)}")
    if delays:
        delays.sort()
        print(
            f"  trip time after the 10th raid message: median {delays[len(delays) // 2]:+.2f} s, "
            f"worst {delays[-1]:+.2f} s (negative: before it)"
        )
    ok = not missed and not late and not wrong
    print(f"  goal: all within {GOAL_DELAY_S:.0f} s of the 10th message: {_met(ok)}")
    for line in (missed + wrong)[:10]:
        print(f"    {line}")
    return ok


def benign(seeds: int) -> bool:
    hate = honest_alerts = organic_alerts = 0
    for seed in range(seeds):
        size = random.Random(f"bench-defence:benign:{seed}").randint(20, 200)
        for truth in (sim.Truth.HONEST, sim.Truth.ORGANIC):
            trips = replay(sim.build(truth, seed, size=size))
            hate += sum(1 for _, k in trips if k is RaidKind.HATE)
            if truth is sim.Truth.HONEST:
                honest_alerts += len(trips)
            else:
                organic_alerts += len(trips)
    print(f"honest raids and organic chat with hype: {seeds} of each (20-200 newcomers)")
    print(f"  alerts on honest raids (said as honest): {honest_alerts}; on hype: {organic_alerts}")
    print(f"  goal: never a hate raid: {hate} hate alerts: {_met(hate == 0)}")
    return hate == 0


def organic(total: int, channels: int) -> bool:
    per = total // channels
    worst = 0.0
    trips_total = 0
    hours: list[float] = []
    started = time.perf_counter()
    for c in range(channels):
        rate = RATES[c % len(RATES)]
        d = RaidDetector(f"ch{c}", rules=RULES)
        first = last = None
        trips = 0
        for e in sim.organic_stream(c, messages=per, rate=rate):
            first = first or e.at
            last = e.at
            if d.feed(
                e.at,
                e.user_id,
                e.login,
                created_at=e.created_at,
                first_time=e.first_time,
                text=e.text,
            ):
                trips += 1
        span_h = (last - first).total_seconds() / 3600 if first and last else 0.0
        hours.append(span_h)
        trips_total += trips
        worst = max(worst, trips)  # each channel's replay is one simulated day
    seconds = time.perf_counter() - started
    print(
        f"organic replay: {per * channels:,} messages, {channels} channels, "
        f"{per:,} each at {RATES[0]}-{RATES[min(channels, len(RATES)) - 1]} msg/s "
        f"({min(hours):.1f}-{max(hours):.1f} h of chat each), {seconds:.0f} s"
    )
    print(f"  false alarms: {trips_total} in all, at most {worst:.0f} in one channel's day")
    ok = worst <= GOAL_FALSE_PER_DAY
    print(f"  goal: at most {GOAL_FALSE_PER_DAY:.0f} per channel per simulated day: {_met(ok)}")
    return ok


def _noop(
    at: object, uid: int, login: str, *, created_at: object, first_time: bool, text: str
) -> None:
    return None


def _time_feed(events: list[sim.ChatEvent], detector: RaidDetector | None) -> float:
    fn = detector.feed if detector is not None else _noop
    started = time.perf_counter()
    for e in events:
        fn(e.at, e.user_id, e.login, created_at=e.created_at, first_time=e.first_time, text=e.text)
    return (time.perf_counter() - started) / len(events) * 1e6


def _raid_events(n: int) -> list[sim.ChatEvent]:
    out: list[sim.ChatEvent] = []
    seed = 0
    while len(out) < n:
        sc = sim.build(sim.Truth.SPAM, seed, size=80)
        out += [
            sim.ChatEvent(
                sc.start + timedelta(seconds=m.at_s + seed * 120),
                m.user.user_id,
                m.user.login,
                m.user.created_at,
                m.first_time,
                m.text,
            )
            for m in sc.messages
            if m.raider
        ]
        seed += 1
    return out[:n]


def cost() -> None:
    events = list(sim.organic_stream(99, messages=200_000, rate=5.0))
    raid = _raid_events(20_000)
    suspect = sum(1 for e in events if e.first_time or (events[0].at - e.created_at).days < 30)
    print("per-message cost of RaidDetector.feed (same run, best of 3):")
    for name, evs in (("organic chat", events), ("spam raid, every message suspect", raid)):
        bare = min(_time_feed(evs, None) for _ in range(3))
        mine = min(_time_feed(evs, RaidDetector("cost", rules=RULES)) for _ in range(3))
        print(
            f"  {name:34s} bare loop {bare:5.2f} us, detector {mine:6.2f} us (+{mine - bare:.2f})"
        )
    print(f"  ({suspect / len(events):.0%} of the organic messages: newcomers or young accounts)")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.defence")
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--organic", type=int, default=1_000_000)
    parser.add_argument("--channels", type=int, default=10)
    args = parser.parse_args(list(argv) if argv is not None else [])
    results = [hostile(args.seeds), benign(args.seeds), organic(args.organic, args.channels)]
    cost()
    print(f"all defence goals: {_met(all(results))}")


if __name__ == "__main__":
    main(sys.argv[1:])
