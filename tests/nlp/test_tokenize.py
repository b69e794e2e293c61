"""``nlp.tokenize`` gives exactly spaCy's tokens, offsets and sentence starts.

Search reads the words, offsets and ordinals annotation stores, so the tokenizer that runs
without spaCy must not differ from spaCy's blank tokenizer and sentencizer in anything: the
reference here is spaCy itself, on text built to hit its rules (special cases with and
without affixes around them, URLs, e-mail addresses, numbers, hyphens, apostrophes,
quotes, brackets, emoticons, runs of white space, æøå).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.nlp import tokenize
from qualcode.nlp.pipeline import (
    Annotation,
    _chunks,
    _sentences,
    annotate_text,
    lemmatizer,
    tokenizer_pipeline,
)
from qualcode.nlp.tokenize import Rules, Tokenizer, is_punct, punct_chars, sentence_starts

Row = tuple[int, str, bool, bool, bool]


def spacy_rows(text: str, lang: str) -> list[Row]:
    doc = tokenizer_pipeline(lang)(text)
    return [(t.idx, t.text, bool(t.is_sent_start), t.is_punct, t.is_space) for t in doc]


def our_rows(text: str, lang: str) -> list[Row]:
    tokens = tokenize.tokenizer(lang).tokens(text)
    starts = sentence_starts([orth for _, orth in tokens], punct_chars(lang))
    return [
        (idx, orth, start, is_punct(orth), orth.isspace())
        for (idx, orth), start in zip(tokens, starts, strict=True)
    ]


WORDS = [
    "patienten", "Patienterne", "kræftplan", "øjeblikket", "Århus", "æble", "hjemmebehandling",
    "e-mail", "3-4", "10.000", "kl.", "f.eks.", "bl.a.", "ca.", "nr.", "dvs.", "pga.", "mht.",
    "osv.", "Hr.", "jan.", "A/S", "1.", "2.", "3,5", "50%", "kr.", "d.", "Dr.", "St.", "ift.",
    "don't", "can't", "it's", "I'm", "we'll", "cannot", "gonna", "U.S.", "e.g.", "i.e.",
    "https://www.eksempel.dk/sti?x=1&y=2", "www.sundhed.dk", "mail@eksempel.dk",
    "patientens'", "'ja'", "\"nej\"", "»citat«", "„tekst“", "(parentes)", "[klamme]",
    "{krølle}", "ord...", "...", "?!", "!!", ":-)", ":)", ";)", "<3", "(:", "-", "--", "–", "—",
    "/", "&", "+", "#emne", "@navn", "5km", "kl.10", "2024-03-05", "10:30", "1990'erne",
    "80'erne", "o.l.", "m.v.", "et.", "ø", "æ", "å", "A.", "b)", "c.", "i:", "I:", "Ekspert:",
    "s.", "S.", "vs.", "etc.", "Mr.", "Mrs.", "p.m.", "a.m.", "'s", "'n", "n't", "o'clock",
    "rock'n'roll", "y'all", "ma'am", "'em", "'til", "ain't",
]  # fmt: skip
GLUE = ["", "", "", ".", ",", "?", "!", ":", ";", ")", "(", "'", '"', "-", "...", "»", "«"]
SPACES = [" ", " ", " ", " ", "  ", "\n", "\n\n", "\t", "\xa0", " \n ", "   ", "\r\n"]


@st.composite
def texts(draw: st.DrawFn) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 40))):
        word = draw(st.sampled_from(WORDS) | st.text(alphabet="abcæøåABÆØÅ019.-'/:,", max_size=8))
        parts.append(draw(st.sampled_from(GLUE)) + word + draw(st.sampled_from(GLUE)))
        parts.append(draw(st.sampled_from(SPACES)))
    return draw(st.sampled_from(["", " ", "\n", "  "])) + "".join(parts)


@pytest.mark.parametrize("lang", ["da", "en"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts())
def test_tokens_offsets_and_sentences_equal_spacys(lang: str, text: str) -> None:
    assert our_rows(text, lang) == spacy_rows(text, lang)


@pytest.mark.parametrize("lang", ["da", "en"])
@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_any_unicode_text_tokenises_as_spacy_does(lang: str, text: str) -> None:
    assert our_rows(text, lang) == spacy_rows(text, lang)


@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_special_case_with_affixes_around_it(lang: str) -> None:
    rules = tokenize.tokenizer(lang).rules
    keys = sorted(k for k in rules.specials if not k.isspace())
    pieces = []
    for n, key in enumerate(keys):
        glue = GLUE[n % len(GLUE)]
        pieces.append(f"{glue}{key}{GLUE[(n * 7) % len(GLUE)]}")
        pieces.append(SPACES[n % len(SPACES)])
        pieces.append(key)
        pieces.append(" ")
    text = "".join(pieces)
    for _, piece in _chunks(text, 4_000):
        assert our_rows(piece, lang) == spacy_rows(piece, lang)


@pytest.mark.parametrize("lang", ["de", "sv", "nb", "xx"])
def test_other_languages_tokenise_as_spacy_does(lang: str) -> None:
    text = (
        "Das ist's: z.B. 3,5 km (ca.) — „Zitat“ u.a. https://beispiel.de/x?y=1. Jag är här. "
        "Hva' gjør du nå? Det er bl.a. 10% av 2.000 kr. Ende.\n\nNeuer  Absatz\t:-)"
    )
    assert our_rows(text, lang) == spacy_rows(text, lang)


def test_danish_keeps_hyphenated_words_and_english_splits_them() -> None:
    text = "e-mail 3-4 -foran ord- don't"
    da = [orth for _, orth in tokenize.tokenizer("da").tokens(text)]
    en = [orth for _, orth in tokenize.tokenizer("en").tokens(text)]
    assert da == ["e-mail", "3-4", "-foran", "ord-", "don't"]
    assert en == ["e", "-", "mail", "3", "-", "4", "-foran", "ord-", "do", "n't"]


def test_abbreviations_keep_their_period_and_sentences_split_after_a_full_stop() -> None:
    rows = our_rows("Vi mødes bl.a. kl. 10. juni. Så går vi.", "da")
    assert [r[1] for r in rows][:6] == ["Vi", "mødes", "bl.a.", "kl.", "10.", "juni"]
    assert [r[1] for r in rows if r[2]] == ["Vi", "Så"]  # "10." is an ordinal, not an end


def test_rules_survive_the_cache_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path))
    built = tokenize.load_rules("da")
    files = list(tmp_path.glob("tokenizer_da_*.json"))
    assert len(files) == 1
    again = tokenize.load_rules("da")  # now read from the file
    assert again == built
    text = "Hun sagde bl.a.: »Det er 3-4 uger (ca.)« – se www.sundhed.dk."
    assert Tokenizer(again).tokens(text) == Tokenizer(built).tokens(text)


def test_a_broken_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path))
    path = tokenize._rules_file("en")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"prefix": ', encoding="utf-8")
    rules = tokenize.load_rules("en")
    assert isinstance(rules, Rules) and "don't" in rules.specials
    assert json.loads(path.read_text(encoding="utf-8"))["specials"]["don't"] == ["do", "n't"]


def test_annotation_of_a_text_is_unchanged_in_words_offsets_and_sentences() -> None:
    text = "I: Hvordan går det?\n\nEkspert: Godt, bl.a. fordi vi har 3-4 læger. Men ikke nok!\n"
    ann = annotate_text(text, "da")
    words = [(text[s:e], o) for o, s, e, *_ in ann.tokens]
    assert words[:5] == [("I", 1), ("Hvordan", 3), ("går", 4), ("det", 5), ("Ekspert", 7)]
    assert ("bl.a.", 11) in words and ("3-4", 15) in words and ("læger", 16) in words
    assert [text[a:b] for a, b in ann.sentences] == [
        "I: Hvordan går det?", "Ekspert: Godt, bl.a. fordi vi har 3-4 læger.", "Men ikke nok!",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "text", "orths"),
    [
        ("da", "(-:., og", ["(-:", ".", ",", "og"]),
        ("en", "'Cause., so", ["'Cause", ".", ",", "so"]),
        ("en", "x ''., y", ["x", "''", ".", ",", "y"]),
    ],
)
def test_special_cases_inside_affixes_are_rejoined_as_spacy_does(
    lang: str, text: str, orths: list[str]
) -> None:
    assert [row[1] for row in our_rows(text, lang)] == orths
    assert our_rows(text, lang) == spacy_rows(text, lang)


def spacy_annotation(text: str, lang: str) -> Annotation:
    """The annotation as it was made before ``nlp.tokenize``: spaCy's pipeline over the
    same pieces, read as arrays (the code this module replaced, kept here as the oracle)."""
    from spacy.attrs import IDX, ORTH, SENT_START

    nlp = tokenizer_pipeline(lang)
    lem = lemmatizer(lang)
    rows = []
    spans: list[tuple[int, int]] = []
    ordinal = 0
    for offset, doc in ((o, nlp(p)) for o, p in _chunks(text)):
        sentence_start: int | None = None
        for orth, idx, sent_start in doc.to_array([ORTH, IDX, SENT_START]).tolist():
            start = offset + idx
            if sent_start == 1:
                if sentence_start is not None:
                    spans.append((sentence_start, start))
                sentence_start = start
            word = doc.vocab.strings[orth]
            lex = doc.vocab[orth]
            if lex.is_space:
                continue
            ordinal += 1
            if lex.is_punct:
                continue
            lower = word.lower()
            rows.append((ordinal, start, start + len(word), lower, lem.key(word),
                         lower in lem.stop_words))  # fmt: skip
        if sentence_start is not None:
            spans.append((sentence_start, offset + len(doc.text)))
        ordinal += 1
    return Annotation(language=lang, tokens=rows, sentences=_sentences(text, spans))


@pytest.mark.parametrize("lang", ["da", "en"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts())
def test_annotation_equals_the_spacy_annotation(lang: str, text: str) -> None:
    assert annotate_text(text, lang) == spacy_annotation(text, lang)


def test_annotation_of_long_varied_text_equals_the_spacy_annotation() -> None:
    """Several pieces (``CHUNK_CHARS``), both languages, every special case in context."""
    keys = sorted(tokenize.tokenizer("da").rules.specials)
    words = [w for n, k in enumerate(keys) for w in (k, WORDS[n % len(WORDS)])]
    text = " ".join(words) + "\n\n" + " ".join(WORDS * 300)
    assert len(_chunks(text)) > 2
    for lang in ("da", "en"):
        assert annotate_text(text, lang) == spacy_annotation(text, lang)


def test_annotation_does_not_import_spacy_once_the_rules_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No spaCy pipeline is built to annotate (the demo and an import used to build one
    per language, two seconds of start-up): spaCy is read only to cache its rules."""
    import subprocess
    import sys

    monkeypatch.setenv("QUALCODE_CACHE_DIR", str(tmp_path))
    for lang in ("da", "en"):
        tokenize.load_rules(lang)
    script = (
        "import sys; from qualcode.nlp.pipeline import annotate_text; "
        "a = annotate_text('Hun sagde bl.a.: det går godt. Ja!', 'da'); "
        "b = annotate_text(\"We don't know. Yes.\", 'en'); "
        "print(len(a.tokens), len(b.tokens), len(a.sentences), 'spacy' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.split() == ["7", "5", "2", "False"]
