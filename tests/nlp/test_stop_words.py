"""Stop words are read from spaCy's data file without building a pipeline, and are the
very set the pipeline itself uses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qualcode.nlp.language import FUNCTION_WORDS
from qualcode.nlp.pipeline import lemmatizer, stop_words, tokenizer_pipeline


@pytest.mark.parametrize("lang", sorted({"da", "en", *FUNCTION_WORDS}))
def test_stop_words_are_the_pipelines_own(lang: str) -> None:
    assert stop_words(lang) == frozenset(tokenizer_pipeline(lang).Defaults.stop_words)


def test_a_language_without_a_data_file_falls_back_to_the_pipeline() -> None:
    assert stop_words("xx") == frozenset(tokenizer_pipeline("xx").Defaults.stop_words)


def test_lemmatizer_reads_stop_words_without_importing_spacy() -> None:
    probe = (
        "import sys\n"
        "from qualcode.nlp.pipeline import lemmatizer\n"
        "lem = lemmatizer('da')\n"
        "assert 'og' in lem.stop_words and 'henvisning' not in lem.stop_words\n"
        "lem.key('henvisningen')\n"
        "print('spacy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert "og" in lemmatizer("da").stop_words
