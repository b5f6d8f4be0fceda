"""Score the bot-wave analysis on seeded twitchsim scenarios.

    .venv/bin/python -m bench.detection [--organic 200] [--farmed 200] [--seed 1] [--jobs 2]

Organic audiences and audiences with farms (sizes log-uniform 200..50,000, farms from
`twitchsim.scenarios.random_farm_specs`). Prints farm-account recall (farms of >= 30 accounts or
>= 3% of chatters), precision of flagged accounts (in a wave or a burst), the false-alarm rate on
organic audiences, and how the verdict treats the public known-bot lists in
../shared/data/known-bots/ when they are there.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from reports.analysis import analyze
from reports.knownbots import load_known_bots
from reports.model import Analysis
from reports.service_bots import service_bot_logins
from storage.models import Account
from twitchsim import scenarios as sc

MIN_SIZE, MAX_SIZE = 200, 50_000
ELIGIBLE_ACCOUNTS, ELIGIBLE_SHARE = 30, 0.03
KNOWN_BOTS_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "known-bots"


@dataclass(frozen=True)
class Result:
    kind: str  # "organic" or "farmed"
    seed: int
    size: int
    level: str
    waves: int
    bursts: int
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


def run_one(kind: str, seed: int) -> Result:
    rng = random.Random(f"bench:{kind}:{seed}")
    size = log_uniform_size(rng)
    if kind == "organic":
        scenario = sc.organic(seed, size, service=rng.randint(0, 4), lurkers=rng.randint(0, 10))
    else:
        specs = sc.random_farm_specs(rng, size)
        scenario = sc.with_farms(seed, size, specs, service=rng.randint(0, 4))
    accounts = [to_account(u) for u in scenario.chatters]
    t0 = time.perf_counter()
    analysis = analyze(accounts, now=scenario.now, viewer_count=scenario.viewer_count)
    seconds = time.perf_counter() - t0
    flagged_ids = _flagged(analysis)
    farm_ids = scenario.farm_user_ids()
    total = len(scenario.chatters)
    eligible = found = eligible_farms = farms_found = small = small_found = 0
    missed = []
    for farm in scenario.farms:
        k = len(farm.user_ids)
        hit = len(farm.user_ids & flagged_ids)
        if k >= ELIGIBLE_ACCOUNTS or k >= ELIGIBLE_SHARE * total:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organic", type=int, default=200)
    parser.add_argument("--farmed", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--verbose", action="store_true", help="list every missed farm")
    args = parser.parse_args(argv if argv is not None else [])  # `python -m bench` passes none
    started = time.perf_counter()
    tasks = [("organic", args.seed * 100_000 + i) for i in range(args.organic)]
    tasks += [("farmed", args.seed * 100_000 + 50_000 + i) for i in range(args.farmed)]
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_one, *zip(*tasks, strict=True), chunksize=4))
    organic = [r for r in results if r.kind == "organic"]
    farmed = [r for r in results if r.kind == "farmed"]

    print(
        f"scenarios: {len(organic)} organic, {len(farmed)} with farms "
        f"(chatters {MIN_SIZE:,}..{MAX_SIZE:,}, log-uniform)"
    )
    alarms = [r for r in organic if r.waves or r.bursts]
    high = [r for r in organic if r.level == "high"]
    print(
        f"organic: {len(alarms)} of {len(organic)} with a wave or burst "
        f"({_rate(len(alarms), len(organic))}), {len(high)} high; verdicts "
        f"{dict(Counter(r.level for r in organic))}"
    )
    eligible = sum(r.eligible_farm_accounts for r in farmed)
    found = sum(r.eligible_found for r in farmed)
    flagged = sum(r.flagged for r in farmed)
    true_flags = sum(r.flagged_farm for r in farmed)
    farms = sum(r.eligible_farms for r in farmed)
    farms_found = sum(r.farms_found for r in farmed)
    print(
        f"farm-account recall (farms >= {ELIGIBLE_ACCOUNTS} or >= {ELIGIBLE_SHARE:.0%}): "
        f"{_ratio(found, eligible)} ({found:,} of {eligible:,}); farms >= 95% found: "
        f"{farms_found} of {farms}"
    )
    small = sum(r.small_farm_accounts for r in farmed)
    small_found = sum(r.small_found for r in farmed)
    print(f"smaller farms, recall: {_ratio(small_found, small)} ({small_found:,} of {small:,})")
    print(
        f"precision of flagged accounts: {_ratio(true_flags, flagged)} "
        f"({true_flags:,} of {flagged:,})"
    )
    per = sorted(r.flagged_farm / r.flagged for r in farmed if r.flagged)
    if per:
        print(f"per-audience precision: median {per[len(per) // 2]:.3f}, worst {per[0]:.3f}")
    print(f"farmed verdicts {dict(Counter(r.level for r in farmed))}")
    slowest = max(results, key=lambda r: r.seconds)
    print(f"analysis time: slowest {slowest.seconds:.2f} s ({slowest.size:,} chatters)")
    missed = [m for r in farmed for m in r.missed]
    if missed:
        print(f"eligible farms below 95% recall: {len(missed)}")
        for line in missed if args.verbose else missed[:5]:
            print("  " + line)
    for line in known_bot_lists(args.seed):
        print(line)
    print(f"total time {time.perf_counter() - started:.0f} s")
    return 0


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f}" if b else "n/a"


def _rate(a: int, b: int) -> str:
    return f"{a / b:.1%}" if b else "n/a"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
