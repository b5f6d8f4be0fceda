"""Every report page in a real Chromium at 390 and 1280 px, in light and dark schemes.

Playwright for Python drives Debian's Chromium (`/usr/bin/chromium`, never a downloaded
browser). Pages are served over loopback with their real Content-Security-Policy, so a style,
image or script the policy would block shows up here. Screenshots land in
`$BOTCHECK_SCREENSHOTS` (else the test's temporary directory) for a person to look at.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from reports.analysis import analyze
from reports.render import write_report
from reports.stream_chart import stream_chart_png
from reports.stream_export import write_stream_report
from reports.stream_model import StreamReport
from reports.stream_page import StreamLinks, live_dict, stream_page_csp, stream_page_html
from storage import Database
from tests.reports.builders import NOW, farm, organic
from tests.reports.test_stream_page import gather

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = [pytest.param((390, 844), id="phone"), pytest.param((1280, 720), id="desktop")]
SCHEMES = ("light", "dark")
MIN_TEXT_PX = 12
MIN_CONTRAST = 4.5

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
)

# Contrast of white text on each verdict colour, as the page styles it (WCAG 2 formula).
CONTRAST_JS = """() => {
  const lum = (rgb) => {
    const c = rgb.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => v / 255)
      .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const out = {};
  for (const level of ["low", "elevated", "high", "live", "ended"]) {
    const el = document.createElement("section");
    el.className = "box " + level;
    el.textContent = "x";
    document.querySelector("main").appendChild(el);
    const s = getComputedStyle(el);
    const [a, b] = [lum(s.color), lum(s.backgroundColor)].sort((x, y) => y - x);
    out[level] = (a + 0.05) / (b + 0.05);
    el.remove();
  }
  return out;
}"""

# The smallest text on the page: every element with its own visible text, and each chart's
# letters as shown (their size in the image, scaled to the width the image is shown at).
TEXT_JS = """() => {
  const small = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const px = parseFloat(getComputedStyle(el).fontSize);
    if (px < 12) small.push(el.tagName + " " + px + " " + el.textContent.trim().slice(0, 30));
  }
  const charts = [...document.querySelectorAll("img[data-min-text-px]")].map(img => {
    const source = img.closest("picture")?.querySelector("source");
    const own = !source || img.currentSrc === img.getAttribute("src");
    const natural = parseFloat((own ? img : source).dataset.minTextPx);
    return {shown: natural * img.clientWidth / img.naturalWidth, height: img.clientHeight};
  });
  return {small, charts, scroll: document.documentElement.scrollWidth, inner: innerWidth};
}"""


class _Handler(SimpleHTTPRequestHandler):
    csp = ""

    def end_headers(self) -> None:
        if self.path.split("?")[0] in ("/", "/index.html"):
            self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(directory: Path, csp: str) -> str:
        handler = type("Handler", (_Handler,), {"csp": csp})
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(directory)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _shots(tmp_path: Path) -> Path:
    where = Path(os.environ.get("BOTCHECK_SCREENSHOTS", tmp_path))
    where.mkdir(parents=True, exist_ok=True)
    return where


def _open(browser: Any, size: tuple[int, int]) -> tuple[Any, list[str]]:
    """Open a tab of `size` that collects console errors (CSP violations) and failed loads."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors: list[str] = []

    def console(m: Any) -> None:
        if m.type == "error" and "favicon" not in m.location.get("url", ""):
            errors.append(m.text)

    def response(r: Any) -> None:
        if r.status >= 400 and not r.url.endswith("/favicon.ico"):
            errors.append(f"{r.status} {r.url}")

    page.on("console", console)
    page.on("response", response)
    return page, errors


def _check(browser: Any, url: str, size: tuple[int, int], shot: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for scheme in SCHEMES:
        page, errors = _open(browser, size)
        page.emulate_media(color_scheme=scheme)
        page.goto(url, wait_until="load")
        page.screenshot(path=str(shot.with_name(f"{shot.stem}-{scheme}.png")), full_page=True)
        assert not errors, errors  # a CSP violation is reported on the console
        contrast = page.evaluate(CONTRAST_JS)
        assert min(contrast.values()) >= MIN_CONTRAST, (scheme, contrast)
        text = page.evaluate(TEXT_JS)
        assert not text["small"], text["small"][:10]
        assert text["charts"] and all(c["shown"] >= MIN_TEXT_PX for c in text["charts"]), text
        assert text["scroll"] <= text["inner"]  # nothing sticks out sideways
        assert all(c["height"] <= size[1] for c in text["charts"]), text["charts"]
        found[scheme] = {
            "verdict_bottom": page.evaluate(
                "document.querySelector('.box').getBoundingClientRect().bottom"
            ),
            "figures_bottom": page.evaluate(
                "document.getElementById('figures').getBoundingClientRect().bottom"
            ),
        }
        page.close()
    return found


@pytest.mark.parametrize("size", WIDTHS)
def test_botcheck_page(browser: Any, serve: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    accounts = organic(1_200) + farm(
        312, datetime(2026, 11, 2, tzinfo=UTC), spread=timedelta(minutes=50), stem="sweetangel"
    )
    a = analyze(accounts, now=NOW, viewer_count=1_310)
    files = write_report(a, accounts, tmp_path / "r", title="#somechannel")
    from reports.page import page_csp

    url = serve(files.directory, page_csp())
    found = _check(browser, url, size, _shots(tmp_path) / f"botcheck-{size[0]}.png")
    for scheme in SCHEMES:
        # The summary comes first: verdict and figures on the first screen.
        assert found[scheme]["figures_bottom"] <= size[1], found


def _wait(page: Any, condition: str, timeout_s: float = 15) -> None:
    """Poll `condition` (wait_for_function would need eval, which the page's CSP forbids)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        page.wait_for_timeout(100)


async def _stream_report(path: Path) -> StreamReport:
    async with Database(path) as db:
        return await gather(db)


@pytest.mark.parametrize("size", WIDTHS)
def test_stream_page_refreshes_in_place(
    browser: Any, serve: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    # Playwright's sync API holds this thread's loop: build the report in a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        ended = pool.submit(asyncio.run, _stream_report(tmp_path / "botcheck.db")).result()
    session = dataclasses.replace(ended.summary.session, ended_at=None)
    report = dataclasses.replace(ended, summary=dataclasses.replace(ended.summary, session=session))
    files = write_stream_report(report, tmp_path / "s", links=StreamLinks())
    # A page that asks every second, so the test need not wait a minute.
    page_html = stream_page_html(
        report, chart_png=stream_chart_png(report), links=StreamLinks(), refresh_s=1
    )
    files.page.write_text(page_html, encoding="utf-8")
    url = serve(files.directory, stream_page_csp())
    shots = _shots(tmp_path)
    _check(browser, url, size, shots / f"stream-{size[0]}.png")

    page, errors = _open(browser, size)
    page.goto(url, wait_until="load")
    page.evaluate("window.scrollTo(0, 400); window.marker = 1")
    later = live_dict(report)
    later["figures"]["messages"] = "12,345"
    later["generated"] = "later"
    (files.directory / "live.json").write_text(json.dumps(later), encoding="utf-8")
    _wait(page, "document.querySelector('#fig-messages dd').textContent === '12,345'")
    # Updated in place: the same document (no reload) and the reader's place kept.
    assert page.evaluate("window.marker") == 1
    assert page.evaluate("window.scrollY") > 0
    _wait(page, "document.getElementById('chart').complete")
    assert page.evaluate("document.getElementById('chart').naturalWidth") > 0
    assert not errors, errors
    page.close()
