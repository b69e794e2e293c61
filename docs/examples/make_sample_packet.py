"""Rebuild the sample packets in this folder from the demo project.

    python docs/examples/make_sample_packet.py

Then render them (LibreOffice and poppler):

    soffice --headless --convert-to pdf --outdir docs/examples docs/examples/packet-*.docx
    pdftoppm -png -r 60 docs/examples/packet-da.pdf docs/examples/packet-da
    pdftoppm -png -r 60 docs/examples/packet-en.pdf docs/examples/packet-en
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

from qualcode.demo import build_demo
from qualcode.packets import make_packets
from qualcode.quotes import edit_quote, list_quotes

HERE = Path(__file__).resolve().parent
DUE = dt.date(2025, 4, 4)
TODAY = dt.date(2025, 3, 21)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project, _ = build_demo(Path(tmp) / "demo.qualcode")
        try:
            jens = list_quotes(project, participant="Jens Kjærsgaard")
            edit_quote(
                project,
                jens[0]["id"],
                "ida",
                draft_paragraph=(
                    "Flere eksperter beskriver patienter, der sendes frem og tilbage mellem "
                    "almen praksis og hospitalet, uden at nogen har gjort noget forkert. "
                    "Problemet ligger i overgangene, ikke hos den enkelte behandler."
                ),
            )
            for who, name in (("Jens Kjærsgaard", "packet-da"), ("Erik Lindahl", "packet-en")):
                made = make_packets(
                    project, Path(tmp) / "out", DUE, participant=who, today=TODAY, who="ida"
                )[0]
                shutil.copyfile(made["path"], HERE / f"{name}.docx")
                if name == "packet-da":
                    shutil.copyfile(made["researcher_copy"], HERE / f"{name}-researcher.docx")
        finally:
            project.close()


if __name__ == "__main__":
    main()
