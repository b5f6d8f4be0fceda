"""The report page: its HTML, and how headless Chromium renders it at phone width."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from reports.analysis import analyze
from reports.page import page_csp
from reports.render import ReportFiles, write_report
from tests.reports.builders import NOW, farm, organic

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)
PHONE = (390, 844)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportFiles:
    accounts = organic(1_200) + farm(
        312, datetime(2026, 11, 2, tzinfo=UTC), spread=timedelta(minutes=50), stem="sweetangel"
    )
    a = analyze(accounts, now=NOW, viewer_count=1_310, renames={accounts[0].user_id: ["old"]})
    return write_report(a, accounts, tmp_path_factory.mktemp("page"), title="#somechannel <check>")


def test_page_is_self_contained(report: ReportFiles) -> None:
    page = report.page.read_text()
    assert "&lt;check&gt;" in page  # the title is escaped
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # no external assets
    assert "<script" not in page
    assert 'src="data:image/png;base64,' in page


def test_csp_allows_exactly_the_inline_style(report: ReportFiles) -> None:
    page = report.page.read_text()
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    csp = page_csp()
    assert f"style-src 'sha256-{digest}'" in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "img-src data:" in csp and "script-src" not in csp


async def _chromium(user_dir: Path, *args: str) -> asyncio.subprocess.Process:
    assert CHROMIUM is not None
    return await asyncio.create_subprocess_exec(
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={user_dir}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


@needs_chromium
async def test_page_renders_its_key_figures_at_phone_width(
    report: ReportFiles, tmp_path: Path
) -> None:
    proc = await _chromium(tmp_path / "profile", "--dump-dom", report.page.as_uri())
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=60)
    dom = out.decode()
    assert "Likely viewbot waves" in dom
    assert re.search(r"31\d of 1,51\d accounts \(2\d%\) were created on 2 Nov 2026", dom)
    assert 'id="fig-chatters"' in dom and "1,512" in dom
    assert 'id="fig-viewers"' in dom and "1,310" in dom
    assert "sweetangel + digits" in dom

    shot = tmp_path / "phone.png"
    proc = await _chromium(tmp_path / "profile2", f"--screenshot={shot}", report.page.as_uri())
    await asyncio.wait_for(proc.communicate(), timeout=60)
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    assert int.from_bytes(png[16:20], "big") == PHONE[0]


@pytest.fixture
async def devtools(tmp_path: Path) -> AsyncIterator[aiohttp.ClientSession]:
    """A headless Chromium with its DevTools endpoint, and a session pointed at it."""
    profile = tmp_path / "devtools-profile"
    proc = await _chromium(
        profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"
    )
    try:
        port_file = profile / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            await asyncio.sleep(0.1)
        port = int(port_file.read_text().splitlines()[0])
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as session:
            yield session
    finally:
        proc.kill()
        await proc.wait()


async def _send(
    ws: aiohttp.ClientWebSocketResponse, method: str, params: dict[str, Any], ident: int
) -> dict[str, Any]:
    await ws.send_json({"id": ident, "method": method, "params": params})
    while True:
        raw = await ws.receive(timeout=30)
        assert raw.type is aiohttp.WSMsgType.TEXT, raw
        msg: dict[str, Any] = json.loads(raw.data)
        if msg.get("id") == ident:
            assert "error" not in msg, msg
            result: dict[str, Any] = msg["result"]
            return result


async def _evaluate(ws: aiohttp.ClientWebSocketResponse, expression: str, ident: int) -> Any:
    result = await _send(
        ws, "Runtime.evaluate", {"expression": expression, "returnByValue": True}, ident
    )
    assert "exceptionDetails" not in result, result["exceptionDetails"]
    return result["result"].get("value")


@needs_chromium
async def test_page_layout_fits_a_phone(
    report: ReportFiles, devtools: aiohttp.ClientSession
) -> None:
    async with devtools.put(f"/json/new?{report.page.as_uri()}") as resp:
        target = await resp.json()
    async with devtools.ws_connect(target["webSocketDebuggerUrl"], max_msg_size=0) as ws:
        # A phone: its width, its pixel density, and a mobile viewport.
        metrics = {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 3, "mobile": True}
        await _send(ws, "Emulation.setDeviceMetricsOverride", metrics, 999)
        # The new tab starts on about:blank: wait for our page, fully loaded.
        ready = "document.readyState === 'complete' && !!document.querySelector('.chart img')"
        for i in range(200):
            if await _evaluate(ws, ready, i):
                break
            await asyncio.sleep(0.1)
        layout = await _evaluate(
            ws,
            """JSON.stringify({
                inner: window.innerWidth,
                scroll: document.documentElement.scrollWidth,
                chart: document.querySelector('.chart img').getBoundingClientRect().width,
                chartLoaded: document.querySelector('.chart img').naturalWidth,
                verdictTop: document.getElementById('verdict').getBoundingClientRect().top,
                fontPx: parseFloat(getComputedStyle(document.body).fontSize),
                figures: [...document.querySelectorAll('#figures dd')].map(e => e.textContent),
            })""",
            1000,
        )
    m = json.loads(layout)
    assert m["inner"] == PHONE[0]
    assert m["scroll"] <= m["inner"]  # nothing sticks out sideways
    assert 300 < m["chart"] <= m["inner"]
    assert m["chartLoaded"] > 0  # the data URI image decoded under the page's CSP
    assert m["verdictTop"] < PHONE[1] / 2  # the verdict is on the first screen
    assert m["fontPx"] >= 16
    assert "1,512" in m["figures"]
