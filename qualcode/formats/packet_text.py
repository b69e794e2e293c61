"""Write a quote-approval packet as HTML (a Jinja2 template) or Markdown.

Only the Word packet is read back automatically; these two are for experts who prefer a
mail body or a web page, with answers recorded by ``qualcode quotes respond``.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qualcode.formats.packet_content import PacketContent

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def write_packet_html(content: PacketContent) -> str:
    env = Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(["html", "j2"]),
        keep_trailing_newline=True,
    )
    return env.get_template("packet.html.j2").render(c=content)


def _md_escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def write_packet_md(content: PacketContent) -> str:
    t = content.texts
    out: list[str] = [
        f"<!-- qualcode-packet: {content.token} qualcode-project: {content.project_id} -->",
        "",
    ]
    if content.researcher:
        out += [f"**{t['researcher_banner']}**", ""]
    out += [f"# {t['title']}", "", f"*{content.project_name}*", ""]
    out += [content.greeting + ("," if content.language == "en" else ""), ""]
    for i, para in enumerate(content.letter):
        out += [f"**{para}**" if i == 2 else para, ""]
    total = len(content.quotes)
    for n, q in enumerate(content.quotes, start=1):
        out += [f"## {content.t('quote_heading', n=n, total=total)}", ""]
        rows = [(t["ref"], q.ref)]
        if q.area:
            rows.append((t["area"], q.area))
        rows.append((t["quote"], f"*»{q.wording}«*"))
        rows.append((t["context"], f"{q.context_before}**{q.context_quote}**{q.context_after}"))
        if q.draft_paragraph:
            rows.append((t["draft"], q.draft_paragraph))
        if content.researcher:
            rows.append((t["source"], q.source_text))
            rows.append((t["check"], f"**{q.check}**" if q.flagged else q.check))
        rows += [(t["answer"], ""), (t["new_wording"], ""), (t["comment"], "")]
        out += ["| | |", "|---|---|"]
        out += [f"| **{k}** | {_md_escape_cell(v)} |" for k, v in rows]
        out.append("")
    out += [
        t["thanks"],
        "",
        content.signature.replace("\n", "  \n"),
        "",
    ]
    out += [f"<sub>{content.t('reference', reference=content.reference)}</sub>", ""]
    return "\n".join(out)
