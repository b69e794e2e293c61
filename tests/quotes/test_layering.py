"""The quote domain never pulls in a user interface (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys


def test_quote_modules_import_no_ui() -> None:
    code = (
        "import sys, qualcode.quotes, qualcode.packets, qualcode.fidelity, "
        "qualcode.formats.packet_docx, qualcode.formats.packet_text; "
        "bad = [m for m in ('textual', 'typer', 'click', 'rich') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
