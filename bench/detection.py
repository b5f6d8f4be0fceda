"""Score the detection on seeded twitchsim scenarios.

    .venv/bin/python -m bench.detection [--seed 1] [--jobs 2] [--organic 120] [--farmed 80]
        [--small 60] [--followers 50] [--attacked 50] [--plain 0]

Chatter audiences (sizes log-uniform 200..50,000) are realistic by default: Twitch-wide event
days and honest clusters (friends, a class, a raid's newcomers) in every organic audience
(`--plain N` adds N audiences without them, as the bench had before). Prints the false alarms on
organic audiences (with and without the platform signal), farm-account recall (farms of >= 30
accounts or >= 3% of chatters) and precision, recall on small farms (10-30 accounts), follow-bot
recall and precision on follower lists with attacks, false alarms on follower lists with honest
spikes, the cross-channel presence table for K = 2..6, and how the verdict treats the public
known-bot lists in ../shared/data/known-bots/ when they are there.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reports.analysis import analyze
from reports.followers import Follower, analyze_followers
from reports.knownbots import load_known_bots
from reports.model import Analysis
from reports.platform import SignupRates
from reports.presence import channels_at_once, multi_channel
from reports.service_bots import service_bot_logins
from storage.models import Account
from twitchsim import follows as fw
from twitchsim import scenarios as sc
from twitchsim.presence import served_channels

MIN_SIZE, MAX_SIZE = 200, 50_000
ELIGIBLE_ACCOUNTS, ELIGIBLE_SHARE = 30, 0.03
KNOWN_BOTS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "known-bots"


NO_PLATFORM = SignupRates(0, (), 0)  # the analysis without Twitch-wide signup rates


@dataclass(frozen=True)
class Result:
    kind: str  # "plain", "organic", "farmed" or "small"
    seed: int
    size: int
    level: str
    waves: int
    bursts: int
    level_without_platform: str  # the same audience without the platform signal
    alarm_without_platform: bool
    flagged: int
    flagged_farm: int
    eligible_farm_accounts: int
    eligible_found: int
    eligible_farms: int
    farms_found: int  # eligible farms with >= 95% of their accounts flagged
    small_farm_accounts: int
    small_found: int
    seconds: float
    missed: tuple[str, ...]  # eligible farms below 95% recall: a line each


def to_account(u: sc.SimUser) -> Account:
    return Account(
        user_id=u.user_id,
        login=u.login,
        display_name=u.display_name,
        created_at=u.created_at,
        type=u.type,
        broadcaster_type=u.broadcaster_type,
        profile_image_url=u.profile_image_url,
        description=u.description,
    )


def log_uniform_size(rng: random.Random) -> int:
    return int(math.exp(rng.uniform(math.log(MIN_SIZE), math.log(MAX_SIZE))))


def small_farm_specs(rng: random.Random, audience_size: int) -> list[sc.FarmSpec]:
    """Return one farm of 10-30 accounts, otherwise drawn like `random_farm_specs`."""
    spec = sc.random_farm_specs(rng, audience_size)[0]
    return [dataclasses.replace(spec, size=rng.randint(10, 30))]


def run_one(kind: str, seed: int) -> Result:
    rng = random.Random(f"bench:{kind}:{seed}")
    size = log_uniform_size(rng)
    real = kind != "plain"  # event days and honest clusters
    if kind in {"plain", "organic"}:
        scenario = sc.organic(
            seed,
            size,
            service=rng.randint(0, 4),
            lurkers=rng.randint(0, 10),
            events=real,
            clusters=real,
        )
    else:
        specs = (small_farm_specs if kind == "small" else sc.random_farm_specs)(rng, size)
        scenario = sc.with_farms(
            seed, size, specs, service=rng.randint(0, 4), events=True, clusters=True
        )
    accounts = [to_account(u) for u in scenario.chatters]
    t0 = time.perf_counter()
    analysis = analyze(accounts, now=scenario.now, viewer_count=scenario.viewer_count)
    seconds = time.perf_counter() - t0
    without = analysis
    if kind == "organic":
        without = analyze(accounts, now=scenario.now, platform=NO_PLATFORM)
    flagged_ids = _flagged(analysis)
    farm_ids = scenario.farm_user_ids()
    total = len(scenario.chatters)
    eligible = found = eligible_farms = farms_found = small = small_found = 0
    missed = []
    for farm in scenario.farms:
        k = len(farm.user_ids)
        hit = len(farm.user_ids & flagged_ids)
        if kind != "small" and (k >= ELIGIBLE_ACCOUNTS or k >= ELIGIBLE_SHARE * total):
            eligible += k
            found += hit
            eligible_farms += 1
            farms_found += hit >= 0.95 * k
            if hit < 0.95 * k:
                missed.append(
                    f"seed {seed}: {k} of {total:,} chatters, sitting={farm.sitting}, "
                    f"{farm.created_from:%Y-%m-%d %H:%M} to {farm.created_to:%Y-%m-%d %H:%M}, "
                    f"naming={farm.naming}: {hit} flagged"
                )
        else:
            small += k
            small_found += hit
    return Result(
        kind=kind,
        seed=seed,
        size=total,
        level=str(analysis.verdict.level),
        waves=len(analysis.waves),
        bursts=len(analysis.bursts),
        level_without_platform=str(without.verdict.level),
        alarm_without_platform=bool(without.waves or without.bursts),
        flagged=len(flagged_ids),
        flagged_farm=len(flagged_ids & farm_ids),
        eligible_farm_accounts=eligible,
        eligible_found=found,
        eligible_farms=eligible_farms,
        farms_found=farms_found,
        small_farm_accounts=small,
        small_found=small_found,
        seconds=seconds,
        missed=tuple(missed),
    )


def _flagged(analysis: Analysis) -> frozenset[int]:
    return analysis.flagged_ids()


def known_bot_lists(jobs_seed: int) -> list[str]:
    """Say how the verdict treats the public lists, when ../shared/data/known-bots/ exists."""
    if not KNOWN_BOTS_DIR.is_dir():
        return [f"(no known-bot lists at {KNOWN_BOTS_DIR}: skipped)"]
    lines = []
    ours = service_bot_logins()
    for name in ("arrowgent-goodbots.txt", "t-affeldt-friendly.txt", "mreliasen-whitelist.json"):
        path = KNOWN_BOTS_DIR / name
        if path.exists():
            listed = load_known_bots(path)
            covered = len(listed & ours)
            missing = ", ".join(sorted(listed - ours)[:8])
            lines.append(
                f"service list {name}: {covered} of {len(listed)} in our service list"
                + (
                    f" (not in it: {missing}{', ...' if len(listed - ours) > 8 else ''})"
                    if missing
                    else ""
                )
            )
    lurkers: frozenset[str] = frozenset()
    for name in ("arrowgent-lurkers.txt", "mreliasen-list-2021-08-28.json"):
        path = KNOWN_BOTS_DIR / name
        if path.exists():
            lurkers |= load_known_bots(path)
    if not lurkers:
        return lines
    levels: Counter[str] = Counter()
    levels_without: Counter[str] = Counter()
    pool = sc.lurker_pool()
    on_list = sum(1 for u in pool if u.login in lurkers)
    rng = random.Random(f"bench:lists:{jobs_seed}")
    for seed in range(20):
        size = log_uniform_size(rng)
        scenario = sc.organic(10_000 + seed, size, service=4, lurkers=40)
        accounts = [to_account(u) for u in scenario.chatters]
        with_list = analyze(accounts, now=scenario.now, known_bot_logins=lurkers)
        without = analyze(accounts, now=scenario.now)
        levels[str(with_list.verdict.level)] += 1
        levels_without[str(without.verdict.level)] += 1
    lines.append(
        f"lurker lists: {len(lurkers):,} logins; {on_list} of the simulator's {len(pool)} "
        "lurker bots are on them"
    )
    lines.append(
        "20 organic audiences + 4 service bots + 40 lurker bots: verdicts with the lists "
        f"{dict(levels)}, without {dict(levels_without)}"
    )
    # Listed logins sitting in a chat in numbers (no creation dates: the lists carry none).
    base = sc.organic(20_001, 300)
    listed = sorted(lurkers)[:: max(1, len(lurkers) // 100)][:100]
    accounts = [to_account(u) for u in base.chatters]
    accounts += [Account(user_id=9_000_000_000 + i, login=x) for i, x in enumerate(listed)]
    with_list = analyze(accounts, now=base.now, known_bot_logins=lurkers)
    without = analyze(accounts, now=base.now)
    lines.append(
        f"300 organic chatters + {len(listed)} listed lurker logins: with the lists "
        f"{with_list.verdict.level} ({with_list.verdict.reasons[0]}); without them "
        f"{without.verdict.level} ({without.totals.unknown} chatters without a creation date)"
    )
    return lines


@dataclass(frozen=True)
class FollowResult:
    attacked: bool
    seed: int
    follows: int
    level: str
    bots: int  # true follow-bots in the list
    found: int  # true follow-bots flagged
    flagged: int  # accounts flagged as follow-bots
    seconds: float
    missed: str  # a line when recall or precision fell below 0.95


def run_followers(attacked: bool, seed: int) -> FollowResult:
    rng = random.Random(f"bench:followers:{attacked}:{seed}")
    size = int(math.exp(rng.uniform(math.log(200), math.log(10_000))))
    attacks = fw.random_attacks(rng, size) if attacked else []
    scenario = fw.follower_list(seed, size, attacks=attacks)
    follows = [Follower(to_account(f.user), f.followed_at) for f in scenario.follows]
    t0 = time.perf_counter()
    result = analyze_followers(follows, now=scenario.now)
    seconds = time.perf_counter() - t0
    truth = scenario.bot_ids()
    flagged = result.bot_ids()
    found = len(flagged & truth)
    missed = ""
    if found < 0.95 * len(truth) or found < 0.95 * len(flagged):
        kinds = ", ".join(
            f"{a.kind} {len(a.farm.user_ids)} {a.farm.naming} sitting={a.farm.sitting}"
            for a in scenario.attacks
        )
        missed = (
            f"seed {seed}: {len(follows):,} follows, attacks [{kinds}], spikes "
            f"{[s.kind for s in scenario.spikes]}: {found} of {len(truth)} found, "
            f"{len(flagged)} flagged"
        )
    return FollowResult(
        attacked,
        seed,
        len(follows),
        str(result.verdict.level),
        len(truth),
        found,
        len(flagged),
        seconds,
        missed,
    )


def presence_table(seed: int) -> list[str]:
    """Say, for K = 2..6, how many people and lurker bots are seen in K channels at once."""
    lines = []
    for channels, people in ((10, 200), (30, 150), (100, 40)):
        scenario = served_channels(seed, channels, people_per_channel=people)
        counts = channels_at_once(scenario.sightings)
        cells = []
        for k in range(2, 7):
            marked = multi_channel(counts, k)
            p = len(marked & scenario.people) / len(scenario.people)
            r = len(marked & scenario.lurkers) / max(1, len(scenario.lurkers))
            cells.append(f"K={k}: people {p:.2%}, lurkers {r:.2f}")
        lines.append(f"presence, {channels} served channels: " + "; ".join(cells))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organic", type=int, default=120, help="realistic organic audiences")
    parser.add_argument("--plain", type=int, default=0, help="organic audiences as before")
    parser.add_argument("--farmed", type=int, default=80)
    parser.add_argument("--small", type=int, default=60, help="audiences with a 10-30 farm")
    parser.add_argument("--followers", type=int, default=50, help="organic follower lists")
    parser.add_argument("--attacked", type=int, default=50, help="follower lists with attacks")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="list every missed farm")
    args = parser.parse_args(argv if argv is not None else [])  # `python -m bench` passes none
    started = time.perf_counter()
    base = args.seed * 100_000
    tasks = [("organic", base + i) for i in range(args.organic)]
    tasks += [("plain", base + i) for i in range(args.plain)]
    tasks += [("farmed", base + 50_000 + i) for i in range(args.farmed)]
    tasks += [("small", base + 70_000 + i) for i in range(args.small)]
    follow_tasks = [(False, base + i) for i in range(args.followers)]
    follow_tasks += [(True, base + 30_000 + i) for i in range(args.attacked)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_one, *zip(*tasks, strict=True), chunksize=2))
        follow_results = (
            list(pool.map(run_followers, *zip(*follow_tasks, strict=True), chunksize=2))
            if follow_tasks
            else []
        )
    by_kind = {k: [r for r in results if r.kind == k] for k in ("organic", "plain", "farmed")}
    print(
        f"chatter audiences ({MIN_SIZE:,}..{MAX_SIZE:,} chatters, log-uniform; event days and "
        "honest clusters unless 'plain')"
    )
    for kind in ("organic", "plain"):
        organic = by_kind[kind]
        if not organic:
            continue
        alarms = sum(1 for r in organic if r.waves or r.bursts)
        high = sum(1 for r in organic if r.level == "high")
        print(
            f"{kind}: {len(organic)} audiences; verdict high (false alarm) {high} "
            f"({_rate(high, len(organic))}); any wave or burst {alarms} "
            f"({_rate(alarms, len(organic))}); verdicts {dict(Counter(r.level for r in organic))}"
        )
        if kind == "organic":
            high_w = sum(1 for r in organic if r.level_without_platform == "high")
            alarms_w = sum(1 for r in organic if r.alarm_without_platform)
            print(
                f"  without the platform signal: high {high_w} ({_rate(high_w, len(organic))}), "
                f"any wave or burst {alarms_w} ({_rate(alarms_w, len(organic))}); verdicts "
                f"{dict(Counter(r.level_without_platform for r in organic))}"
            )
    farmed = by_kind["farmed"]
    eligible = sum(r.eligible_farm_accounts for r in farmed)
    found = sum(r.eligible_found for r in farmed)
    flagged = sum(r.flagged for r in farmed)
    true_flags = sum(r.flagged_farm for r in farmed)
    farms = sum(r.eligible_farms for r in farmed)
    farms_found = sum(r.farms_found for r in farmed)
    print(
        f"farmed: {len(farmed)} audiences; farm-account recall (farms >= {ELIGIBLE_ACCOUNTS} or "
        f">= {ELIGIBLE_SHARE:.0%}): {_ratio(found, eligible)} ({found:,} of {eligible:,}); "
        f"farms >= 95% found: {farms_found} of {farms}"
    )
    print(
        f"  precision of flagged accounts: {_ratio(true_flags, flagged)} "
        f"({true_flags:,} of {flagged:,}); verdicts {dict(Counter(r.level for r in farmed))}"
    )
    per = sorted(r.flagged_farm / r.flagged for r in farmed if r.flagged)
    if per:
        print(f"  per-audience precision: median {per[len(per) // 2]:.3f}, worst {per[0]:.3f}")
    small = [r for r in results if r.kind == "small"]
    small_n = sum(r.small_farm_accounts for r in small)
    small_found = sum(r.small_found for r in small)
    small_farms = sum(1 for r in small if r.small_found >= 0.9 * r.small_farm_accounts)
    print(
        f"small farms (10-30 accounts): recall {_ratio(small_found, small_n)} "
        f"({small_found:,} of {small_n:,}); farms >= 90% found: {small_farms} of {len(small)}"
    )
    slowest = max(results, key=lambda r: r.seconds)
    print(f"analysis time: slowest {slowest.seconds:.2f} s ({slowest.size:,} chatters)")
    missed = [m for r in farmed for m in r.missed]
    if missed:
        print(f"eligible farms below 95% recall: {len(missed)}")
        for line in missed if args.verbose else missed[:5]:
            print("  " + line)
    _print_followers(follow_results, verbose=args.verbose)
    for line in presence_table(args.seed):
        print(line)
    for line in known_bot_lists(args.seed):
        print(line)
    print(f"total time {time.perf_counter() - started:.0f} s")
    return 0


def _print_followers(results: list[FollowResult], *, verbose: bool) -> None:
    organic = [r for r in results if not r.attacked]
    attacked = [r for r in results if r.attacked]
    if organic:
        high = sum(1 for r in organic if r.level == "high")
        any_bot = sum(1 for r in organic if r.flagged)
        print(
            f"follower lists with honest spikes: {len(organic)}; verdict high (false alarm) "
            f"{high} ({_rate(high, len(organic))}); any account flagged {any_bot}; verdicts "
            f"{dict(Counter(r.level for r in organic))}"
        )
    if attacked:
        bots = sum(r.bots for r in attacked)
        found = sum(r.found for r in attacked)
        flagged = sum(r.flagged for r in attacked)
        print(
            f"follower lists with follow-bot attacks: {len(attacked)}; recall "
            f"{_ratio(found, bots)} ({found:,} of {bots:,}); precision {_ratio(found, flagged)} "
            f"({found:,} of {flagged:,}); verdicts {dict(Counter(r.level for r in attacked))}"
        )
        missed = [r.missed for r in attacked if r.missed]
        for line in missed if verbose else missed[:3]:
            print("  " + line)
    if results:
        slowest = max(results, key=lambda r: r.seconds)
        print(f"  follower analysis time: slowest {slowest.seconds:.2f} s ({slowest.follows:,})")


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def _rate(a: int, b: int) -> str:
    return f"{a / b:.1%}" if b else "n/a"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
