"""The `!botcheck ban` plan: only wave/burst accounts, never regulars, never the protected."""

from __future__ import annotations

import dataclasses

from reports.analysis import analyze
from reports.banplan import ban_plan
from reports.model import FLAG_BITS

from .builders import NOW, organic

W, B, Y, K, S = (FLAG_BITS[n] for n in ("wave", "burst", "young", "known_bot", "service_bot"))


def test_plan_bans_only_flagged_newcomers() -> None:
    accounts = organic(40)
    ids = [a.user_id for a in accounts]
    flags = {
        ids[0]: W,
        ids[1]: B | Y,
        ids[2]: Y,  # young only
        ids[3]: K,  # listed only
        ids[4]: W,  # a regular
        ids[5]: B,  # a moderator
        ids[6]: W | S,  # a service bot in a wave
    }
    analysis = dataclasses.replace(analyze(accounts, now=NOW), flags=flags)
    plan = ban_plan(
        analysis, accounts + accounts[:3], earlier_chatters={ids[4]}, protected={ids[5]}
    )
    assert set(plan.user_ids) == {ids[0], ids[1]}
    assert [a.user_id for a in plan.spared_regulars] == [ids[4]]
    assert plan.spared_protected == 1
    assert plan.not_flagged == 40 - 4
    text = plan.summary()
    assert text.startswith("2 wave/burst accounts would be banned")
    assert "1 who chatted here before the wave" in text


def test_plan_orders_youngest_first_and_handles_nothing() -> None:
    accounts = organic(10)
    flags = {a.user_id: W for a in accounts}
    analysis = dataclasses.replace(analyze(accounts, now=NOW), flags=flags)
    plan = ban_plan(analysis, accounts, earlier_chatters=set())
    created = [a.created_at for a in plan.ban]
    assert created == sorted(created, reverse=True)
    empty = ban_plan(analysis, [], earlier_chatters=set())
    assert empty.ban == () and empty.summary() == "0 wave/burst accounts would be banned."
