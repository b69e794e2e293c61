"""The synthesis as a Word document: what a project lead pastes into the report.

Headings per area (Heading 1) and attention point (Heading 2); a shaded summary box per
area (guiding question and key points); quotes set apart in the "Quote" style with the
attribution consent allows; the experts × areas coverage table with expertise.

Word files carry metadata (author, last editor, title): those are set here to the project
and "qualcode", never to a person, so no name leaks through the file properties either.
Styles are looked up once and passed as objects: python-docx resolves a style *name* by
scanning every style, which would dominate the time for a 10,000-coding synthesis.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from typing import IO, Any

from docx import Document as new_document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from lxml import etree

from qualcode.progress import Progress, no_progress
from qualcode.synthesis import headings

MUTED_HEX = "5B6475"
WARN_HEX = "A3261B"
BOX_FILL = "EEF3F8"
TEXT_WIDTH_CM = 16.6  # A4 with 2.2 cm side margins
HEADER_FILL = "DCE6F1"


Run = tuple[str, str]  # (text, format flags: "b" bold, "i" italic, "m" muted, "w" warn, "s" small)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


class _Writer:
    """Holds the document and its style ids while one synthesis is written.

    Paragraphs are built as XML directly (``_p``): python-docx's ``add_paragraph(style=)``
    scans every style on each call, which made a 10,000-coding synthesis take seconds.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.h = headings(data["language"])
        self.doc = new_document()
        styles = self.doc.styles
        self.normal = styles["Normal"]
        self.normal.font.name = "Calibri"
        self.normal.font.size = Pt(10.5)
        self.style_ids = {
            "quote": styles["Quote"].style_id,
            "bullet": styles["List Bullet"].style_id,
            "title": styles["Title"].style_id,
            **{f"h{n}": styles[f"Heading {n}"].style_id for n in range(1, 5)},
        }
        self.table_style = styles["Table Grid"]
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm((21 - TEXT_WIDTH_CM) / 2)
        section.top_margin = section.bottom_margin = Cm(2)
        self.body = self.doc.element.body
        self.sect_pr = self.body.find(f"{_W}sectPr")

    # -- small building blocks --------------------------------------------------------------

    def _p(
        self,
        runs: list[Run],
        style: str | None = None,
        keep_next: bool = False,
        align: str | None = None,
        parent: Any = None,
        page_break: bool = False,
    ) -> Any:
        """Append one paragraph of formatted runs (to the body, or to ``parent``)."""
        p = etree.Element(f"{_W}p")
        if style or keep_next or align or page_break:
            ppr = etree.SubElement(p, f"{_W}pPr")
            if style:
                etree.SubElement(ppr, f"{_W}pStyle").set(f"{_W}val", self.style_ids[style])
            if keep_next:
                etree.SubElement(ppr, f"{_W}keepNext")
            if page_break:
                etree.SubElement(ppr, f"{_W}pageBreakBefore")
            if align:
                etree.SubElement(ppr, f"{_W}jc").set(f"{_W}val", align)
        for text, flags in runs:
            if not text:
                continue
            r = etree.SubElement(p, f"{_W}r")
            if flags:
                rpr = etree.SubElement(r, f"{_W}rPr")
                if "b" in flags:
                    etree.SubElement(rpr, f"{_W}b")
                if "i" in flags:
                    etree.SubElement(rpr, f"{_W}i")
                if "m" in flags:
                    etree.SubElement(rpr, f"{_W}color").set(f"{_W}val", MUTED_HEX)
                elif "w" in flags:
                    etree.SubElement(rpr, f"{_W}color").set(f"{_W}val", WARN_HEX)
                if "s" in flags:
                    etree.SubElement(rpr, f"{_W}sz").set(f"{_W}val", "17")
            t = etree.SubElement(r, f"{_W}t")
            t.text = _CONTROL.sub("", text)
            t.set(_XML_SPACE, "preserve")
        if parent is not None:
            parent.append(p)
        else:
            self.sect_pr.addprevious(p)
        return p

    def heading(self, text: str, level: int, new_page: bool = False) -> None:
        style = "title" if level == 0 else f"h{level}"
        self._p([(text, "")], style, keep_next=level > 0, page_break=new_page)

    def para(self, text: str = "", bold_lead: str | None = None, muted: bool = False) -> None:
        self._p([(bold_lead or "", "b"), (text, "m" if muted else "")])

    def counts(self, x: dict[str, Any]) -> None:
        text = self.h["counts"].format(
            codings=x["codings"], experts=x["experts"], documents=x["documents"]
        )
        if x.get("desk_mentions"):
            review = self.h["document_review"].lower()
            text += f" · {x['desk_mentions']} {self.h['mentions']} ({review})"
        self.para(text, muted=True)

    def quotes(self, items: list[dict[str, Any]]) -> None:
        if not items:
            return
        self.heading(self.h["quotes"], 4)
        for q in items:
            self._p([(f"»{q['wording']}«", "")], "quote", keep_next=True)
            runs: list[Run] = [(f"— {q['attribution']}", "im")]
            if q["pending"]:
                runs.append((f"  [{self.h['pending']}: {q['status_text']}]", "bw"))
            self._p(runs, align="right")

    def excerpts(self, groups: list[dict[str, Any]]) -> None:
        if not groups:
            return
        self.heading(self.h["excerpts"], 4)
        for g in groups:
            self._p([(f"{g['label']} ", "b"), (f"({len(g['excerpts'])})", "m")], keep_next=True)
            for e in g["excerpts"]:
                source = f"({e['document']}{', ' + e['code'] if e['code'] else ''})"
                self._p([(f"»{e['text']}« ", ""), (source, "ms")], "bullet")

    def table(
        self, header: list[str], rows: list[list[str]], widths: list[float], numeric_from: int
    ) -> None:
        """A grid table with a shaded, repeating header row; ``widths`` in cm; columns from
        ``numeric_from`` on hold numbers (right-aligned)."""
        table = self.doc.add_table(rows=0, cols=len(header))
        table.style = self.table_style
        tbl = table._tbl
        grid = tbl.tblGrid
        for col, w in zip(grid.findall(f"{_W}gridCol"), widths, strict=False):
            col.set(f"{_W}w", str(int(w * 567)))
        numeric = [i >= numeric_from for i in range(len(widths))]
        for r, values in enumerate([header, *rows]):
            tr = etree.SubElement(tbl, f"{_W}tr")
            if r == 0:
                etree.SubElement(etree.SubElement(tr, f"{_W}trPr"), f"{_W}tblHeader")
            for c, value in enumerate(values):
                tc = etree.SubElement(tr, f"{_W}tc")
                tcpr = etree.SubElement(tc, f"{_W}tcPr")
                tcw = etree.SubElement(tcpr, f"{_W}tcW")
                tcw.set(f"{_W}w", str(int(widths[c] * 567)))
                tcw.set(f"{_W}type", "dxa")
                if r == 0:
                    shd = etree.SubElement(tcpr, f"{_W}shd")
                    shd.set(f"{_W}val", "clear")
                    shd.set(f"{_W}color", "auto")
                    shd.set(f"{_W}fill", HEADER_FILL)
                self._p(
                    [(value, "bs" if r == 0 else "s")],
                    align="right" if numeric[c] else None,
                    parent=tc,
                )

    def summary_box(self, area: dict[str, Any]) -> None:
        table = self.doc.add_table(rows=1, cols=1)
        table.style = self.table_style
        cell = table.rows[0].cells[0]
        _shade(cell, BOX_FILL)
        tc = cell._tc
        tc.remove(tc.findall(f"{_W}p")[0])
        if area["guiding_question"]:
            self._p(
                [(f"{self.h['guiding_question']}: ", "b"), (area["guiding_question"], "")],
                parent=tc,
            )
        self._p([(self.h["key_points"], "b")], parent=tc)
        for p in area["key_points"]:
            counts = f"({p['experts']} {self.h['experts']}, {p['codings']} {self.h['codings']})"
            self._p([(f"{p['key']} {p['label']} ", ""), (counts, "m")], "bullet", parent=tc)
        self._p([])

    # -- the sections ----------------------------------------------------------------------

    def front(self) -> None:
        d, h = self.data, self.h
        self.heading(f"{h['title']} – {d['project']}", 0)
        self._p([(h["final"] if d["final"] else h["draft"], "im" if d["final"] else "iw")])
        t = d["totals"]
        self.para(
            f"{t['interviews']} interviews · {t['experts']} {h['experts']} · "
            f"{t['codings']} {h['codings']} · {t['approved_quotes']}/{t['quotes']} "
            f"{h['quotes'].lower()}",
            muted=True,
        )

    def coverage(self) -> None:
        d, h = self.data, self.h
        cov = d["coverage"]
        self.heading(h["coverage"], 1)
        header = [h["expert"], h["expertise"], *[a["key"] for a in cov["areas"]], h["total"]]
        rows = [
            [
                r["label"],
                r["expertise"],
                *[str(r["counts"][a["key"]] or "·") for a in cov["areas"]],
                str(r["total"]),
            ]
            for r in cov["rows"]
        ]
        n = len(cov["areas"]) + 1
        expertise = 4.0
        expert = min(7.0, TEXT_WIDTH_CM - expertise - n * 1.0 - 0.3)
        expertise = TEXT_WIDTH_CM - expert - n * 1.0 - 0.3
        self.table(header, rows, [expert, expertise] + [1.0] * (n - 1) + [1.3], 2)
        legend = " · ".join(f"{a['key']} {a['label']}" for a in cov["areas"])
        self._p([(legend, "ms")])

    def area(self, area: dict[str, Any]) -> None:
        h = self.h
        self.heading(f"{area['key']} {area['label']}", 1, new_page=True)
        self.summary_box(area)
        self.counts(area)
        for memo in area["memos"]:
            self.para(memo)
        if area["cross_cutting"]:
            self.para(
                ", ".join(f"{c['label']} ({c['count']})" for c in area["cross_cutting"]),
                bold_lead=f"{h['cross_cutting']}: ",
            )
        self.quotes(area["quotes"])
        self.excerpts(area["excerpts_by_expert"])
        for point in area["attention_points"]:
            self.point(point)

    def point(self, p: dict[str, Any]) -> None:
        h = self.h
        self.heading(f"{p['key']} {p['label']}", 2)
        self.counts(p)
        for memo in p["memos"]:
            self.para(memo)
        self.quotes(p["quotes"])
        linked = p["co_occurring"] + p["cross_cutting"]
        if linked:
            self.para(
                ", ".join(
                    (f"{c['key']} " if c["kind"] != "cross_cutting" else "")
                    + f"{c['label']} ({c['count']})"
                    for c in linked
                ),
                bold_lead=f"{h['co_occurring']}: ",
            )
        sat = p["saturation"]
        text = " → ".join(str(n) for n in sat["cumulative_experts"])
        if sat["saturated_after"]:
            text += (
                f" ({h['saturated_after']} {sat['saturated_after']}/"
                f"{self.data['totals']['interviews']})"
            )
        self.para(text, bold_lead=f"{h['saturation']}: ")
        self.excerpts(p["excerpts_by_expert"])

    def cross_cutting(self) -> None:
        d, h = self.data, self.h
        if not d["cross_cutting"]:
            return
        self.heading(h["cross_cutting"], 1, new_page=True)
        for c in d["cross_cutting"]:
            self.heading(c["label"], 2)
            self.counts(c)
            if c["areas"]:
                self.para(
                    ", ".join(f"{a['key']} {a['label']} ({a['count']})" for a in c["areas"]),
                    bold_lead=f"{h['runs_through']}: ",
                )
            for memo in c["memos"]:
                self.para(memo)
            self.quotes(c["quotes"])

    def frequencies(self) -> None:
        d, h = self.data, self.h
        self.heading(h["code_frequencies"], 1, new_page=True)
        rows = [
            [f["key"], f["label"], str(f["codings"]), str(f["experts"]), str(f["documents"])]
            for f in d["code_frequencies"]
        ]
        self.table(
            [h["code"], "", h["codings"], h["experts"], h["documents"]],
            rows,
            [2.6, TEXT_WIDTH_CM - 2.6 - 3 * 2.2, 2.2, 2.2, 2.2],
            2,
        )
        self.heading(h["saturation"], 1)
        self.para(h["saturation_intro"])
        rows = [
            [
                f"{s['key']} {s['label']}",
                str(s["experts"]),
                str(s["saturated_after"] or "–"),
                " ".join(str(n) for n in s["cumulative_experts"]),
            ]
            for s in d["saturation"]
        ]
        self.table(
            [h["code"], h["experts"], h["saturated_after"], ""],
            rows,
            [7.0, 2.0, 3.0, TEXT_WIDTH_CM - 12.0],
            1,
        )

    def document_review(self) -> None:
        d, h = self.data, self.h
        review = d["document_review"]
        if not review["documents"]:
            return
        self.heading(h["document_review"], 1, new_page=True)
        for doc in review["documents"]:
            self.heading(doc["title"] + (f" ({doc['date']})" if doc["date"] else ""), 2)
            rows = []
            for c in review["codes"]:
                hits = [x for x in c["documents"] if x["document_id"] == doc["document_id"]]
                rows.append([c["key"], c["label"], str(hits[0]["mentions"] if hits else 0)])
            self.table([h["code"], "", h["mentions"]], rows, [2.6, TEXT_WIDTH_CM - 4.6, 2.0], 2)
            for c in review["codes"]:
                for dm in c["documents"]:
                    if dm["document_id"] != doc["document_id"]:
                        continue
                    self.heading(f"{c['key']} {c['label']} – {dm['mentions']} {h['mentions']}", 3)
                    for hit in dm["hits"]:
                        where = f"{h['line']} {hit['line']}"
                        if hit["section"]:
                            where += f", {hit['section']}"
                        self._p(
                            [
                                (f"{where}: ", "ms"),
                                (hit["left"], ""),
                                (hit["match"], "b"),
                                (hit["right"], ""),
                            ],
                            "bullet",
                        )

    def properties(self) -> None:
        """File metadata: the project and qualcode, never a person."""
        props = self.doc.core_properties
        props.author = "qualcode"
        props.last_modified_by = "qualcode"
        props.title = f"{self.h['title']} – {self.data['project']}"
        props.subject = self.h["final"] if self.data["final"] else self.h["draft"]
        props.keywords = "qualcode; synthesis"
        props.comments = ""
        props.category = ""
        props.language = self.data["language"]
        props.revision = 1
        now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
        props.created = now
        props.modified = now


def _shade(cell: Any, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def write_docx(
    data: dict[str, Any],
    out: str | os.PathLike[str] | IO[bytes],
    progress: Progress = no_progress,
) -> None:
    """Write a synthesis dict (``qualcode.synthesis.synthesise``) as a .docx file."""
    w = _Writer(data)
    steps: list[tuple[str, Callable[[], None]]] = [
        ("front", w.front),
        ("coverage", w.coverage),
    ]
    steps += [(a["key"], (lambda a=a: w.area(a))) for a in data["areas"]]
    steps += [
        ("cross-cutting", w.cross_cutting),
        ("frequencies", w.frequencies),
        ("document review", w.document_review),
        ("properties", w.properties),
    ]
    for i, (label, step) in enumerate(steps):
        progress(i, len(steps) + 1, label)
        step()
    progress(len(steps), len(steps) + 1, "saving")
    w.doc.save(out)
    progress(len(steps) + 1, len(steps) + 1, "done")
