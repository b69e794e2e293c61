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
from docx.oxml.parser import oxml_parser
from docx.shared import Cm, Pt
from lxml import etree

from qualcode.formats.synthesis_text import headings
from qualcode.progress import Progress, no_progress

MUTED_HEX = "5B6475"
WARN_HEX = "A3261B"
BOX_FILL = "EEF3F8"
TEXT_WIDTH_CM = 16.6  # A4 with 2.2 cm side margins
HEADER_FILL = "DCE6F1"


Run = tuple[str, str]  # (text, format flags: "b" bold, "i" italic, "m" muted, "w" warn, "s" small)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W = "{" + _W_NS + "}"
_TWIPS_PER_CM = 567


def _xml_text(text: str) -> str:
    """Text safe inside an XML element (escaped, without characters XML forbids)."""
    return _CONTROL.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _run_xml(text: str, flags: str) -> str:
    if not text:
        return ""
    props = ""
    if flags:
        props = (
            ("<w:b/>" if "b" in flags else "")
            + ("<w:i/>" if "i" in flags else "")
            + (f'<w:color w:val="{MUTED_HEX}"/>' if "m" in flags else "")
            + (f'<w:color w:val="{WARN_HEX}"/>' if "w" in flags and "m" not in flags else "")
            + ('<w:sz w:val="17"/>' if "s" in flags else "")
        )
        props = f"<w:rPr>{props}</w:rPr>"
    return f'<w:r>{props}<w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


class _Writer:
    """Collects the body as WordprocessingML text, parsed into the document once at the end.

    Building thousands of paragraphs through python-docx (``add_paragraph(style=)`` scans
    every style on each call) or even element by element through lxml took seconds for a
    10,000-coding synthesis; one parse of the generated XML takes a fraction of that.
    python-docx still provides the package: styles, section, properties, saving.
    """

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.h = headings(data["language"])
        self.doc = new_document()
        styles = self.doc.styles
        normal = styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(10.5)
        self.style_ids = {
            "quote": styles["Quote"].style_id,
            "bullet": styles["List Bullet"].style_id,
            "title": styles["Title"].style_id,
            "table": styles["Table Grid"].style_id,
            **{f"h{n}": styles[f"Heading {n}"].style_id for n in range(1, 5)},
        }
        section = self.doc.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin = section.right_margin = Cm((21 - TEXT_WIDTH_CM) / 2)
        section.top_margin = section.bottom_margin = Cm(2)
        self.body = self.doc.element.body
        self.parts: list[str] = []

    # -- small building blocks --------------------------------------------------------------

    def _para_xml(
        self,
        runs: list[Run],
        style: str | None = None,
        keep_next: bool = False,
        align: str | None = None,
        page_break: bool = False,
    ) -> str:
        props = ""
        if style or keep_next or align or page_break:
            props = (
                "<w:pPr>"
                + (f'<w:pStyle w:val="{self.style_ids[style]}"/>' if style else "")
                + ("<w:keepNext/>" if keep_next else "")
                + ("<w:pageBreakBefore/>" if page_break else "")
                + (f'<w:jc w:val="{align}"/>' if align else "")
                + "</w:pPr>"
            )
        return "<w:p>" + props + "".join(_run_xml(t, f) for t, f in runs) + "</w:p>"

    def _p(
        self,
        runs: list[Run],
        style: str | None = None,
        keep_next: bool = False,
        align: str | None = None,
        page_break: bool = False,
    ) -> None:
        """Append one paragraph of formatted runs to the body."""
        self.parts.append(self._para_xml(runs, style, keep_next, align, page_break))

    def _table_xml(self, widths: list[float], rows: list[str]) -> str:
        grid = "".join(f'<w:gridCol w:w="{int(w * _TWIPS_PER_CM)}"/>' for w in widths)
        return (
            f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.style_ids["table"]}"/>'
            '<w:tblW w:type="auto" w:w="0"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
            'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
            f"<w:tblGrid>{grid}</w:tblGrid>" + "".join(rows) + "</w:tbl>"
        )

    @staticmethod
    def _cell_xml(width: float, content: str, fill: str | None = None, pad: int = 0) -> str:
        shade = f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>' if fill else ""
        margins = (
            "<w:tcMar>"
            + "".join(f'<w:{side} w:w="{pad}" w:type="dxa"/>' for side in ("top", "bottom"))
            + "".join(f'<w:{side} w:w="{2 * pad}" w:type="dxa"/>' for side in ("left", "right"))
            + "</w:tcMar>"
            if pad
            else ""
        )
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{int(width * _TWIPS_PER_CM)}" w:type="dxa"/>{shade}'
            f"{margins}</w:tcPr>{content}</w:tc>"
        )

    def finish(self) -> None:
        """Parse the collected body into the document, before the section properties."""
        root = etree.fromstring(
            f'<w:body xmlns:w="{_W_NS}">' + "".join(self.parts) + "</w:body>", oxml_parser
        )
        sect_pr = self.body.find(f"{_W}sectPr")
        for element in list(root):
            sect_pr.addprevious(element)
        self.parts = []

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
        xml_rows = []
        for r, values in enumerate([header, *rows]):
            cells = "".join(
                self._cell_xml(
                    widths[c],
                    self._para_xml(
                        [(value, "bs" if r == 0 else "s")],
                        align="right" if c >= numeric_from else None,
                    ),
                    HEADER_FILL if r == 0 else None,
                )
                for c, value in enumerate(values)
            )
            head = "<w:trPr><w:tblHeader/></w:trPr>" if r == 0 else ""
            xml_rows.append(f"<w:tr>{head}{cells}</w:tr>")
        self.parts.append(self._table_xml(widths, xml_rows))

    def summary_box(self, area: dict[str, Any]) -> None:
        """The shaded box at the top of an area: guiding question and key points."""
        paragraphs = []
        if area["guiding_question"]:
            paragraphs.append(
                self._para_xml(
                    [(f"{self.h['guiding_question']}: ", "b"), (area["guiding_question"], "")]
                )
            )
        paragraphs.append(self._para_xml([(self.h["key_points"], "b")]))
        for p in area["key_points"]:
            counts = f"({p['experts']} {self.h['experts']}, {p['codings']} {self.h['codings']})"
            paragraphs.append(
                self._para_xml([(f"{p['key']} {p['label']} ", ""), (counts, "m")], "bullet")
            )
        cell = self._cell_xml(TEXT_WIDTH_CM, "".join(paragraphs), BOX_FILL, pad=100)
        self.parts.append(self._table_xml([TEXT_WIDTH_CM], [f"<w:tr>{cell}</w:tr>"]))
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
        ("finish", w.finish),
    ]
    for i, (label, step) in enumerate(steps):
        progress(i, len(steps) + 1, label)
        step()
    progress(len(steps), len(steps) + 1, "saving")
    w.doc.save(out)
    progress(len(steps) + 1, len(steps) + 1, "done")
