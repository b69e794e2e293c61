"""The synthesis as one standalone HTML page: readable on screen, clean when printed."""

from __future__ import annotations

from typing import Any

from qualcode.formats.synthesis_md import environment
from qualcode.formats.synthesis_text import headings


def render_html(data: dict[str, Any]) -> str:
    """Render a synthesis dict (``qualcode.synthesis.synthesise``) as an HTML page."""
    template = environment(True).get_template("synthesis.html.j2")
    return template.render(d=data, h=headings(data["language"]))
