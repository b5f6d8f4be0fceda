"""What the report pages share: their packaged templates and the policy that lets them render."""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources


@cache
def template(name: str) -> str:
    """Return a page template packaged with `reports` (read once)."""
    return resources.files("reports").joinpath(name).read_text(encoding="utf-8")


@cache
def csp_for(name: str) -> str:
    """Return the Content-Security-Policy allowing the template's own inline stylesheet (by its
    hash) and data: images, and nothing else."""
    style = re.search(r"<style>(.*?)</style>", template(name), re.DOTALL)
    assert style is not None, f"{name} has no inline stylesheet"
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    return (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def png_data_uri(png: bytes) -> str:
    """Return the chart as a data: URI, so the page stays one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
