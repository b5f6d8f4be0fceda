"""`botcheck run` as a service manager sees it: a real process against twitchsim.

READY=1 over $NOTIFY_SOCKET once it is up, `/healthz` and `/metrics` over HTTP, JSON log lines
with tokens redacted, one warning for a mistyped setting name, STOPPING=1 and exit 0 on SIGTERM.
`botcheck user` prints ids through the same twitchsim.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import stat
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.app import free_port
from tests.simworld import Channel, authorize_bot, bot_settings, populate
from twitchsim import TwitchSim

pytestmark = pytest.mark.timeout(180)

ROOT = Path(__file__).resolve().parents[2]


async def _datagram(sock: socket.socket, timeout: float) -> str:
    loop = asyncio.get_running_loop()
    data = await asyncio.wait_for(loop.sock_recv(sock, 4096), timeout)
    return data.decode()


async def _until(predicate: object, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_service_life_ready_health_metrics_json_logs(tmp_path: Path) -> None:
    notify_path = tmp_path / "notify.sock"
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(notify_path))
    notify.setblocking(False)
    async with TwitchSim() as sim:
        cast = populate(sim, [Channel("chan_a", size=200)])
        port = free_port()
        env = bot_settings(sim, cast, tmp_path, port)
        await authorize_bot(sim, cast, Path(env["BOTCHECK_DB"]))
        env |= {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "NOTIFY_SOCKET": str(notify_path),
            "BOTCHECK_METRICS": "true",
            "BOTCHECK_LOG_FORMAT": "json",
            "BOTCHECK_COOLDOWN": "5",  # a typo for BOTCHECK_COOLDOWN_S
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert await _datagram(notify, 60) == "READY=1"
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(timeout=10) as http:

                async def healthy() -> bool:
                    r = await http.get(f"{base}/healthz")
                    return r.status_code == 200 and r.json()["twitch"] == "connected"

                await _until(healthy, timeout=30, what="/healthz: 200, joined and connected")
                body = (await http.get(f"{base}/healthz")).json()
                assert body["status"] == "ok"
                assert body["database"] == "ok"
                assert body["twitch"] == "connected"
                assert body["recorder_dropped"] == 0

                world = sim.state
                await world.say("chan_a", cast.moderators["chan_a"], "!botcheck")

                async def answered() -> bool:
                    return any("/r/" in m.text for m in world.sent_messages("chan_a"))

                await _until(answered, timeout=60, what="the !botcheck answer")
                scrape = (await http.get(f"{base}/metrics")).text
            assert 'botcheck_commands_total{command="botcheck"} 1.0' in scrape
            assert 'botcheck_captures_total{status="complete"} 1.0' in scrape
            assert "botcheck_recorder_backlog" in scrape
            assert "botcheck_helix_calls_total" in scrape
            assert "botcheck_helix_429_total 0.0" in scrape
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 60)
            assert await _datagram(notify, 5) == "STOPPING=1"
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            notify.close()
        assert proc.returncode == 0, err.decode()
    # Reports written while it ran are private too (umask 077), not only tightened at start.
    written = [p for p in (tmp_path / "data").rglob("*")]
    assert any(p.name == "index.html" for p in written)
    for p in written:
        assert stat.S_IMODE(p.stat().st_mode) in (0o700, 0o600), p
    lines = [json.loads(x) for x in out.decode().splitlines() if x.strip()]
    assert lines, err.decode()
    assert all({"time", "level", "logger", "message"} <= set(x) for x in lines)
    assert lines[0]["time"][:4].isdigit() and "T" in lines[0]["time"]
    warnings = [x["message"] for x in lines if "unknown setting" in x["message"]]
    assert len(warnings) == 1
    assert "BOTCHECK_COOLDOWN (did you mean BOTCHECK_COOLDOWN_S?)" in warnings[0]
    assert any("botcheck is up" in x["message"] for x in lines)
    assert sim.client_secret not in out.decode() + err.decode()


async def test_botcheck_user_prints_ids(tmp_path: Path) -> None:
    async with TwitchSim() as sim:
        cast = populate(sim, [Channel("chan_a", size=10)])
        env = {
            **sim.env(),
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "user",
            "botcheck_bot",
            "Chan_A",
            "nobody_has_this_name",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = out.decode()
    assert proc.returncode == 1, err.decode()  # one login does not exist
    rows = {line.split()[0]: line.split(maxsplit=1)[1] for line in text.splitlines()}
    assert rows["botcheck_bot"] == str(cast.bot.user_id)
    assert rows["chan_a"].isdigit()
    assert rows["nobody_has_this_name"] == "(no such user)"
