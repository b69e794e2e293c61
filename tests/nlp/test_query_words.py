"""A plain Danish query is split without spaCy, and exactly as the tokenizer splits the
same text in a document."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.nlp.pipeline import _plain_words, query_words, tokenizer_pipeline

LETTERS = "abcdefghijklmnopqrstuvwxyzæøåéüöäABCÆØÅÉZ"


def _tokenizer_words(text: str) -> list[str]:
    """The words a document's text gives (what the index stores, before lower-casing)."""
    doc = tokenizer_pipeline("da").make_doc(text)
    return [t.text for t in doc if not (t.is_space or t.is_punct)]


_letters = st.text(alphabet=LETTERS, min_size=1, max_size=8)
_word = st.one_of(
    st.lists(_letters, min_size=1, max_size=3).flatmap(
        lambda parts: st.sampled_from(["-", "'"]).map(lambda joint: joint.join(parts))
    ),
    st.integers(min_value=0, max_value=10**6).map(str),
)
_part = st.tuples(_word, st.sampled_from(["", ",", "!", "?", ";", ":", "?!"])).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_part, min_size=1, max_size=5), st.sampled_from([" ", "  ", "\n", "\t"]))
def test_plain_queries_split_as_the_tokenizer_splits(parts: list[str], gap: str) -> None:
    query = gap.join(parts)
    fast = _plain_words(query)
    assert fast is not None, query
    assert fast == _tokenizer_words(query)


@pytest.mark.parametrize(
    "query",
    [
        "rådgiver-funktionen",
        "patient's egen læge",
        "Ringede, og rykkede!",
        "e-mail",
        "æøå-Ø",
        "O'Brien",
        "henvisning nr. 12",
        "og/eller",
        "10.30",
        "2025-04-01",
        "ord’s",
        "f.eks. ventetid",
        "(parentes)",
        '"citat"',
        "100%",
        "tak.",
        "ja–nej",
        "-a a-",
        "CO2-udledning",
    ],
)
def test_every_query_gives_the_documents_words(query: str) -> None:
    words = query_words(query, lemmas=False)
    assert [w for w, _ in words] == [w.lower() for w in _tokenizer_words(query)]


def test_a_plain_lemma_query_does_not_import_spacy() -> None:
    probe = (
        "import sys\n"
        "from qualcode.nlp.pipeline import query_words\n"
        'print(query_words("Rådgiver-funktionen patient\'s 12 henvisningerne!"))\n'
        "print('spacy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    words, spacy_loaded = done.stdout.strip().splitlines()
    assert spacy_loaded == "False"
    assert "('henvisningerne', 'henvisning')" in words


def test_no_tokenizer_exception_splits_a_plain_word_otherwise() -> None:
    rules = tokenizer_pipeline("da").tokenizer.rules
    plain = [word for word in rules if _plain_words(word) is not None]
    assert "S'gu" in plain  # (some exceptions are plain words: the check means something)
    assert [w for w in plain if _plain_words(w) != _tokenizer_words(w)] == []
