"""What the report pages share: the Jinja2 templates, one stylesheet, and the policy that lets
them render.

Templates live in `reports/templates/` and render with autoescape on: every value is text
unless a page marks it otherwise. The stylesheet (`report.css`) and the live page's script
(`live.js`) are inlined verbatim, so the Content-Security-Policy can allow exactly them by hash.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from reports.i18n import ENGLISH, Speaker

STYLESHEET = "report.css"
LIVE_SCRIPT = "live.js"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # {% trans %} and _(): gettext comes in each render's context (pages are written in
        # threads, so nothing per-language is installed on the shared environment).
        extensions=["jinja2.ext.i18n"],
    )
    env.newstyle_gettext = True  # type: ignore[attr-defined]
    return env


@cache
def asset(name: str) -> str:
    """Return a file packaged in `reports/templates/` (read once)."""
    return resources.files("reports").joinpath("templates", name).read_text(encoding="utf-8")


def render(name: str, *, speaker: Speaker = ENGLISH, **values: Any) -> str:
    """Render a page template with the shared stylesheet inlined, in the speaker's language."""
    template = _environment().get_template(name)
    return template.render(
        stylesheet=Markup(asset(STYLESHEET)),  # noqa: S704
        lang=speaker.language,
        **speaker.jinja(),
        **values,
    )


def _digest(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


@cache
def csp(*, script: bool = False, self_images: bool = False) -> str:
    """Return the Content-Security-Policy allowing the inline stylesheet (by its hash), data:
    images, and with `script` the live script (by its hash) and its polls to the same origin."""
    images = "data: 'self'" if self_images else "data:"
    policy = f"default-src 'none'; style-src 'sha256-{_digest(asset(STYLESHEET))}'; "
    policy += f"img-src {images}; "
    if script:
        policy += f"script-src 'sha256-{_digest(asset(LIVE_SCRIPT))}'; connect-src 'self'; "
    return policy + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def png_data_uri(png: bytes) -> str:
    """Return a chart as a data: URI, so the page stays one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
