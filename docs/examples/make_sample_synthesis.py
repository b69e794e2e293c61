"""Rebuild the sample synthesis in this folder from the demo project.

    python docs/examples/make_sample_synthesis.py

Area 6 (basal palliation) of the demo, as a draft: two of its quotes are recorded as
approved (one with the expert's changes), the rest still wait and are marked as pending;
an analyst's memo on the area and one on an attention point show where the narrative goes.
Then render it (LibreOffice and poppler):

    cd docs/examples
    soffice --headless --convert-to pdf --outdir /tmp synthesis-area6-da.docx
    pdftoppm -png -r 80 -f 1 -l 2 /tmp/synthesis-area6-da.pdf synthesis-area6-da
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from qualcode.codebook import resolve_code
from qualcode.demo import build_demo
from qualcode.models import Memo
from qualcode.quotes import list_quotes, respond
from qualcode.synthesis import export_synthesis

HERE = Path(__file__).resolve().parent


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, _ = build_demo(Path(tmp) / "demo.qualcode")
        try:
            quotes = list_quotes(project, code="6.3") + list_quotes(project, code="6.1")
            respond(project, quotes[0]["id"], "approve", "ida", note="godkendt pr. mail")
            respond(
                project,
                quotes[1]["id"],
                "revise",
                "ida",
                text=quotes[1]["wording"].rstrip(".") + ", og det ved vi godt.",
                note="eksperten ønskede en tilføjelse",
            )
            with project.transaction() as s:
                area = resolve_code(s, "6")
                point = resolve_code(s, "6.5")
                s.add(
                    Memo(
                        target_kind="code",
                        target_id=area.id,
                        text=(
                            "Basal palliation fylder mere i interviewene med kommunale og "
                            "almenmedicinske eksperter end i taskforcens referater, hvor emnet "
                            "kun nævnes fire gange i løbet af året og aldrig behandles som "
                            "selvstændigt punkt."
                        ),
                    )
                )
                s.add(
                    Memo(
                        target_kind="code",
                        target_id=point.id,
                        text=(
                            "Fire eksperter peger uafhængigt af hinanden på, at der mangler tal "
                            "for omfanget af problemerne. Det bør undersøges, om registrene "
                            "kan bruges."
                        ),
                    )
                )
            export_synthesis(project, "docx", HERE / "synthesis-area6-da.docx", area="6")
        finally:
            project.close()


if __name__ == "__main__":
    main()
