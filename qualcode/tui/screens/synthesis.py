"""The synthesis preview: one development area at a time, and exports in a worker.

The left list holds the areas; the right pane shows the highlighted one as the report
would: the summary box (guiding question and key points with counts), the attention
points with their counts, saturation and quotes (pending ones marked), and the experts ×
areas coverage matrix with the area's column highlighted.

Keys: ``e`` exports every area, ``x`` only the highlighted one (the file name's extension
picks the format: .docx, .md, .html or .json); ``f`` switches between draft and final
(a final export refuses, with the list, while a quote it would use is not approved);
``l`` switches Danish/English; ``r`` reads the project again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from qualcode.synthesis import (
    SYNTHESIS_FORMATS,
    SynthesisExportDict,
    build_synthesis,
    export_synthesis,
    headings,
)
from qualcode.tui.base import QualcodeScreen


def preview(data: dict[str, Any], area_key: str) -> RenderableType:
    """The rich rendering of one area of a synthesis dict (pure, so tests can call it)."""
    h = headings(data["language"])
    area = next((a for a in data["areas"] if a["key"] == area_key), None)
    if area is None:
        return Text(h["none"])
    parts: list[RenderableType] = []
    parts.append(Text(f"{area['key']} {area['label']}", style="bold"))
    box = Text()
    if area["guiding_question"]:
        box.append(f"{h['guiding_question']}: ", style="bold")
        box.append(area["guiding_question"] + "\n")
    box.append(h["key_points"] + "\n", style="bold")
    for p in area["key_points"]:
        box.append(f"• {p['key']} {p['label']} ")
        box.append(f"({p['experts']} {h['experts']}, {p['codings']} {h['codings']})\n", "dim")
    box.rstrip()
    parts.append(Panel(box, border_style="blue"))
    counts = h["counts"].format(
        codings=area["codings"], experts=area["experts"], documents=area["documents"]
    )
    if area.get("desk_mentions"):
        counts += f" · {area['desk_mentions']} {h['mentions']} ({h['document_review'].lower()})"
    parts.append(Text(counts, style="dim"))
    if area["cross_cutting"]:
        line = Text(f"{h['cross_cutting']}: ", style="bold")
        line.append(", ".join(f"{c['label']} ({c['count']})" for c in area["cross_cutting"]))
        parts.append(line)
    parts.extend(_quotes(area["quotes"], h))
    for p in area["attention_points"]:
        parts.append(Text(""))
        parts.append(Text(f"{p['key']} {p['label']}", style="bold underline"))
        counts = h["counts"].format(
            codings=p["codings"], experts=p["experts"], documents=p["documents"]
        )
        sat = p["saturation"]
        parts.append(
            Text(
                f"{counts} · {h['saturation'].lower()}: "
                + " → ".join(str(n) for n in sat["cumulative_experts"]),
                style="dim",
            )
        )
        for memo in p["memos"]:
            parts.append(Text(memo, style="italic"))
        parts.extend(_quotes(p["quotes"], h))
    parts.append(Text(""))
    parts.append(Text(h["coverage"], style="bold"))
    parts.append(_coverage_table(data, area_key, h))
    return Group(*parts)


def _quotes(items: list[dict[str, Any]], h: dict[str, str]) -> list[RenderableType]:
    out: list[RenderableType] = []
    for q in items:
        line = Text("  »", style="italic")
        line.append(q["wording"], style="italic")
        line.append("«", style="italic")
        line.append(f" — {q['attribution']}", style="dim")
        if q["pending"]:
            line.append(f"  [{h['pending']}: {q['status_text']}]", style="bold red")
        out.append(line)
    return out


def _coverage_table(data: dict[str, Any], area_key: str, h: dict[str, str]) -> Table:
    cov = data["coverage"]
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column(h["expert"])
    table.add_column(h["expertise"], style="dim")
    for a in cov["areas"]:
        table.add_column(
            a["key"], justify="right", style="bold reverse" if a["key"] == area_key else ""
        )
    table.add_column(h["total"], justify="right")
    for r in cov["rows"]:
        table.add_row(
            r["label"],
            r["expertise"],
            *[str(r["counts"][a["key"]] or "·") for a in cov["areas"]],
            str(r["total"]),
        )
    return table


class SynthesisScreen(QualcodeScreen[None]):
    """Preview the synthesis per area and export it (all areas or one) in a worker."""

    BINDINGS = [
        Binding("e", "export_all", "export all", id="synthesis.export_all",
                tooltip="Export every area (.docx, .md, .html or .json)"),
        Binding("x", "export_area", "export area", id="synthesis.export_area",
                tooltip="Export the highlighted area only"),
        Binding("f", "toggle_final", "draft/final", id="synthesis.final",
                tooltip="Final exports use approved quotes only and refuse while any is pending"),
        Binding("l", "toggle_language", "da/en", id="synthesis.language",
                tooltip="Headings and labels in Danish or English"),
        Binding("r", "reload", "reload", id="synthesis.reload", tooltip="Read the project again"),
        Binding("escape", "app.back", "back", show=False),
    ]  # fmt: skip
    DEFAULT_CSS = """
    SynthesisScreen #synthesis-bar { height: 1; padding: 0 1; background: $boost; }
    SynthesisScreen #synthesis-body { height: 1fr; }
    SynthesisScreen #synthesis-areas { width: 34; border-right: solid $primary; }
    SynthesisScreen #synthesis-preview { width: 1fr; padding: 0 1; }
    SynthesisScreen #synthesis-progress { height: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] | None = None
        self.area_key: str | None = None
        self.final = False
        self.language: str | None = None
        self.last_export: SynthesisExportDict | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="synthesis-bar")
        with Horizontal(id="synthesis-body"):
            yield OptionList(id="synthesis-areas")
            with VerticalScroll(id="synthesis-preview"):
                yield Static("…", id="synthesis-preview-text")
        yield ProgressBar(id="synthesis-progress", show_eta=False, classes="hidden")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.action_reload()

    # ----- data (read in a worker: a big project takes a moment) -------------------------

    def action_reload(self) -> None:
        self._update_bar("reading the project…")
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="synthesis-load")
    def _load(self) -> dict[str, Any]:
        data = build_synthesis(self.app.project, language=self.language)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._loaded, data)
        return data

    def _loaded(self, data: dict[str, Any]) -> None:
        self.data = data
        self.language = data["language"]
        options = self.query_one(OptionList)
        options.clear_options()
        h = headings(data["language"])
        for a in data["areas"]:
            label = Text(f"{a['key']:>3} {a['label']}\n", overflow="ellipsis")
            label.append(f"    {a['experts']} {h['experts']}, {a['codings']} {h['codings']}", "dim")
            options.add_option(Option(label, id=a["key"]))
        keys = [a["key"] for a in data["areas"]]
        if keys:
            self.area_key = self.area_key if self.area_key in keys else keys[0]
            options.highlighted = keys.index(self.area_key)
        self._show()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None:
            self.area_key = event.option.id
            self._show()

    def _show(self) -> None:
        text = self.query_one("#synthesis-preview-text", Static)
        if self.data is None:
            return
        if not self.data["areas"]:
            text.update("No development areas yet: load a codebook (c) and code some passages.")
        elif self.area_key is not None:
            text.update(preview(self.data, self.area_key))
        self._update_bar()

    def _update_bar(self, note: str = "") -> None:
        parts = ["Synthesis", "final" if self.final else "draft", self.language or ""]
        if self.data is not None:
            pending = len(self.data["pending_quotes"])
            parts.append(f"{pending} pending quote{'s' if pending != 1 else ''}")
        if note:
            parts.append(note)
        self.query_one("#synthesis-bar", Static).update(" · ".join(p for p in parts if p))

    # ----- toggles ----------------------------------------------------------------------

    def action_toggle_final(self) -> None:
        self.final = not self.final
        self._update_bar()

    def action_toggle_language(self) -> None:
        self.language = "en" if (self.language or "da") == "da" else "da"
        self.action_reload()

    # ----- export (a worker with a progress bar) ----------------------------------------

    def _default_name(self, area: str | None) -> str:
        stem = "synthesis" if self.language == "en" else "syntese"
        if area:
            stem += f"-{area}"
        return stem + ("-final" if self.final else "") + ".docx"

    def action_export_all(self) -> None:
        self._ask_path(None)

    def action_export_area(self) -> None:
        self._ask_path(self.area_key)

    def _ask_path(self, area: str | None) -> None:
        from qualcode.tui.widgets.dialogs import TextPrompt

        def chosen(value: str | None) -> None:
            if value:
                self.export(Path(value).expanduser(), area)

        what = f"area {area}" if area else "all areas"
        self.app.push_screen(
            TextPrompt(
                f"Export the {'final' if self.final else 'draft'} synthesis ({what}) to",
                self._default_name(area),
                help="The extension picks the format: .docx, .md, .html or .json.",
            ),
            chosen,
        )

    def export(self, out: Path, area: str | None = None) -> None:
        """Start an export in a worker (also the entry point tests use)."""
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in SYNTHESIS_FORMATS:
            self.notify(
                f"{out.name}: the extension must be one of "
                + ", ".join(f".{f}" for f in SYNTHESIS_FORMATS),
                severity="error",
            )
            return
        bar = self.query_one("#synthesis-progress", ProgressBar)
        bar.remove_class("hidden")
        bar.update(total=None, progress=0)
        self._export_worker(out, fmt, area)

    @work(thread=True, exclusive=True, exit_on_error=False, group="synthesis-export")
    def _export_worker(self, out: Path, fmt: str, area: str | None) -> SynthesisExportDict:
        worker = get_current_worker()

        def progress(done: int, total: int, label: str) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, done, total)

        result = export_synthesis(
            self.app.project,
            fmt,
            out,
            area=area,
            final=self.final,
            language=self.language,
            progress=progress,
        )
        self.app.call_from_thread(self._exported, result)
        return result

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#synthesis-progress", ProgressBar).update(total=total, progress=done)

    def _exported(self, result: SynthesisExportDict) -> None:
        self.last_export = result
        self.query_one("#synthesis-progress", ProgressBar).add_class("hidden")
        kind = "final" if result["final"] else "draft"
        self.notify(f"wrote {result['path']} ({kind}, {result['quotes']} quotes)", timeout=6)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        if event.worker.group == "synthesis-export":
            self.query_one("#synthesis-progress", ProgressBar).add_class("hidden")
        if event.worker.group in ("synthesis-export", "synthesis-load"):
            self._update_bar()
            error = event.worker.error
            if error is not None:
                self.app.notify_error(error)
