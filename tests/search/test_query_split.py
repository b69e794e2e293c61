"""A query is split into words exactly as spaCy's tokenizer splits a document, and no search
imports spaCy to do it: plain words by ``query_words``' own expression, anything else
(``nr. 12``, ``og/eller``, ``10.30``) by ``nlp.tokenize``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.db import open_project
from qualcode.importing import import_files
from qualcode.nlp.pipeline import tokenizer_pipeline
from qualcode.search_core import split_query

TEXT = (
    "I: Hvordan gik det med henvisningen?\n\n"
    "Ekspert: Henvisning nr. 12 kom kl. 10.30 – og/eller dagen efter. Vi ringede og rykkede "
    "(igen!) om rådgiver-funktionen, jf. brevet af 3. marts.\n"
)


def _spacy_words(text: str) -> list[tuple[str, str]]:
    doc = tokenizer_pipeline("da").make_doc(text)
    return [(t.text.lower(), t.text.lower()) for t in doc if not (t.is_space or t.is_punct)]


_piece = st.sampled_from(
    ["nr.", "12", "10.30", "og/eller", "kl.", "jf.", "(igen!)", "rådgiver-funktionen", "–",
     "Henvisning", "patient's", "U.S.A.", "e-mail:", "50%", "1.000", "...", "«citat»", "æ-ø"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_piece, st.text(min_size=1, max_size=6)), min_size=1, max_size=6))
def test_any_query_is_split_as_spacy_splits_it(pieces: list[str]) -> None:
    query = " ".join(pieces)
    assert split_query(query) == _spacy_words(query)


@pytest.fixture
def study(tmp_path: Path) -> Path:
    path = tmp_path / "study.qualcode"
    (tmp_path / "samtale.txt").write_text(TEXT, encoding="utf-8")
    with open_project(path, create=True) as project:
        assert [o.status for o in import_files(project, [tmp_path / "samtale.txt"])] == ["imported"]
    return path


_PROBE = """
import json, sys
from qualcode.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules})}))
"""


@pytest.mark.parametrize(
    "query,expected",
    [
        ("henvisning nr. 12", "Henvisning nr. 12"),
        ("og/eller", "og/eller"),
        ("kl. 10.30", "kl. 10.30"),
    ],
)
def test_a_punctuated_lemma_search_finds_its_phrase_without_spacy(
    study: Path, query: str, expected: str
) -> None:
    argv = ["-p", str(study), "search", query, "--lemma", "--json"]
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    report = json.loads(lines[-1])
    assert report["code"] == 0
    hits = json.loads("\n".join(lines[:-1]))["hits"]
    assert [h["text"] for h in hits] == [expected]
    assert {"spacy", "thinc", "spacy_lookups_data"} & set(report["modules"]) == set()
