"""Damaged files of every format: the parser answers with ImportFormatError or a document.

Nothing else may escape for bad input, so a user never sees a traceback. Each valid
fixture is cut short, overwritten in places, or has a stretch removed, with a fixed seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from qualcode.errors import ImportFormatError
from qualcode.formats import parse_bytes

from .test_docx import docx_bytes, interview
from .test_pdf import PAGES, pdf_bytes
from .test_subtitles import SRT, VTT

VARIANTS_PER_FORMAT = 40


def damaged(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    broken = bytearray(data)
    choice = rng.random()
    if choice < 0.4:
        for _ in range(rng.randint(1, 10)):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
    elif choice < 0.7:
        broken = broken[: rng.randrange(len(broken))]
    else:
        start = rng.randrange(len(broken))
        del broken[start : start + rng.randint(1, 50)]
    return bytes(broken)


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("x.docx", lambda: docx_bytes(interview)),
        ("x.pdf", lambda: pdf_bytes(PAGES)),
        ("x.vtt", lambda: VTT.encode("utf-8")),
        ("x.srt", lambda: SRT.encode("utf-8")),
        ("x.txt", lambda: "I: æøå\nOle: hej\nOle: igen\n".encode("utf-16")),
    ],
)
def test_damaged_files_raise_only_import_format_error(
    filename: str, build: Callable[[], bytes]
) -> None:
    data = build()
    for seed in range(VARIANTS_PER_FORMAT):
        try:
            doc = parse_bytes(filename, damaged(data, seed))
        except ImportFormatError as error:
            assert error.message.startswith(f"{filename}: ")
        else:
            assert doc.text.strip()
            assert all(0 <= t.start < t.end <= len(doc.text) for t in doc.turns)
