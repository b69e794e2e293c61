"""The synthesis as Markdown: one text a project lead can paste into a report draft."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from qualcode.formats.synthesis_text import headings

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _cell(value: Any) -> str:
    """Text safe inside a Markdown table cell (no pipes, no line breaks)."""
    return " ".join(str(value or "").split()).replace("|", "\\|")


@cache
def environment(autoescape: bool) -> jinja2.Environment:
    """The Jinja2 environment for synthesis templates (HTML escapes, Markdown does not)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=autoescape,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = _cell
    return env


def render_markdown(data: dict[str, Any]) -> str:
    """Render a synthesis dict (``qualcode.synthesis.synthesise``) as Markdown."""
    template = environment(False).get_template("synthesis.md.j2")
    text = template.render(d=data, h=headings(data["language"]))
    # Collapse the blank-line runs template control flow leaves behind.
    lines: list[str] = []
    for line in text.splitlines():
        if not line.strip() and lines and not lines[-1].strip():
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip() + "\n"
