"""Languages beyond Danish and English: detected as such (Norwegian bokmål and Swedish are not
taken for Danish), stored as their code, tokenised by their own rules and searched by word
form, never lemmatised with Danish or English rules. Short fictional texts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from qualcode.db import Project
from qualcode.importing import import_files
from qualcode.models import Document
from qualcode.nlp.language import (
    FUNCTION_WORDS,
    detect_language,
    language_scores,
    scandinavian_scores,
)
from qualcode.nlp.pipeline import annotate_text, lemma_key, query_words
from qualcode.search import search

TEXTS = {
    "hu": (
        "A falu iskolájában kevés a tanár, és a szülők szerint a gyerekek sokat utaznak. "
        "Azt mondják, hogy ez már nem mehet így tovább."
    ),
    "de": (
        "Die Pflegekräfte in der Gemeinde berichten, dass sie zu wenig Zeit für die "
        "Patienten haben. Es gibt auch Probleme mit der Dokumentation."
    ),
    "sv": (
        "Sjuksköterskorna i kommunen säger att de har för lite tid med patienterna. Det "
        "finns också problem med dokumentationen och vi vet inte varför."
    ),
    "nb": (
        "Sykepleierne i kommunen sier at de har for lite tid med pasientene. Det er også "
        "problemer med dokumentasjonen, og vi vet ikke hvorfor det ble slik."
    ),
    "da": (
        "Sygeplejerskerne i kommunen siger, at de har for lidt tid med patienterne. Der er "
        "også problemer med dokumentationen, og vi ved ikke hvorfor det blev sådan."
    ),
    "en": "The nurses in the municipality say they have too little time with the patients.",
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_detects_each_language(lang: str) -> None:
    assert detect_language(TEXTS[lang]) == lang


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Norwegian with few function words still has words only bokmål spells that way.
        ("Jeg synes at helsetjenesten har blitt bedre de siste årene, men det er fortsatt "
         "lang ventetid.", "nb"),
        ("Jeg synes, at sundhedsvæsenet er blevet bedre de seneste år, men der er stadig "
         "lang ventetid.", "da"),
        # Danish written as it is spoken ("hva'", "ska'", "bli'r") stays Danish.
        ("Interviewer: Hva' siger du så?\nBente: Nå, altså, jeg ska' lige ha' tænkt over "
         "det. Det er jo ikke sådan at man bli'r glad af det, vel? Nej.", "da"),
        ("Jag tycker att vården har blivit bättre de senaste åren.", "sv"),
        ("Wir haben lange gewartet, bis endlich jemand kam.", "de"),
        ("", "da"),
    ],
)  # fmt: skip
def test_close_cases(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize("lang", ["hu", "de", "sv", "nb", "no", "xx-unknown", "ja"])
def test_no_lemmas_for_languages_without_them(lang: str) -> None:
    # Danish rules would make "patienterne" -> "patient", English "nurses" -> "nurse".
    for word in ("patienterne", "nurses", "gyerekek", "Pasientene"):
        assert lemma_key(word, lang) == word.lower()
    annotation = annotate_text("Pasientene venter, gyerekek utaznak.", lang)
    assert [t[4] for t in annotation.tokens] == ["pasientene", "venter", "gyerekek", "utaznak"]
    assert query_words("Gyerekek", lang) == [("gyerekek", "gyerekek")]


def test_danish_and_english_keep_their_lemmas() -> None:
    assert lemma_key("patienterne", "da") == "patient"
    assert lemma_key("nurses", "en") == "nurse"


def test_imported_foreign_texts_are_stored_and_found_by_form(
    project: Project, tmp_path: Path
) -> None:
    paths = []
    for lang in ("hu", "nb", "sv", "de"):
        path = tmp_path / f"{lang}.txt"
        path.write_text(TEXTS[lang], encoding="utf-8")
        paths.append(path)
    outcomes = import_files(project, paths)
    assert [o.status for o in outcomes] == ["imported"] * 4
    with project.session() as s:
        stored = {d.source_name: d.language for d in s.exec(select(Document))}
    assert stored == {"hu.txt": "hu", "nb.txt": "nb", "sv.txt": "sv", "de.txt": "de"}
    assert [h.document for h in search(project, "gyerekek").hits] == ["hu"]
    # Lemma search over foreign texts matches word forms: the Norwegian plural is found by
    # itself only (Danish rules would have keyed it "pasient").
    assert [h.document for h in search(project, "pasientene", mode="lemma").hits] == ["nb"]
    assert search(project, "pasient", mode="lemma").total == 0


def _old_language_scores(text: str, sample_chars: int = 20_000) -> dict[str, int]:
    """The scores as they were counted before (word by word): the oracle for the faster one."""
    from qualcode.nlp.language import _MARKERS, _WORD, FUNCTION_WORDS

    sample = text[:sample_chars]
    words = _WORD.findall(sample.lower())
    scores = {lang: sum(1 for w in words if w in vocab) for lang, vocab in FUNCTION_WORDS.items()}
    for lang, letters in _MARKERS.items():
        if any(ch in sample.lower() for ch in letters):
            scores[lang] += 3
    return scores


def _old_scandinavian_scores(text: str, sample_chars: int = 20_000) -> dict[str, int]:
    from qualcode.nlp.language import _SCANDINAVIAN, _SWEDISH_LETTERS, _WORD

    words = _WORD.findall(text[:sample_chars].lower())
    scores = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _SCANDINAVIAN.items()}
    scores["sv"] += sum(1 for w in words if any(ch in w for ch in _SWEDISH_LETTERS))
    return scores


_FUNCTION_SAMPLE = sorted(
    {w for vocab in FUNCTION_WORDS.values() for w in vocab}
    | {"hvad", "hva", "vad", "säger", "İstanbul"}
)


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from(_FUNCTION_SAMPLE) | st.text(max_size=6), max_size=60),
    sample=st.integers(1, 400),
)
def test_scores_are_counted_as_before(words: list[str], sample: int) -> None:
    text = " ".join(w.upper() if len(w) % 3 == 0 else w for w in words)
    assert language_scores(text, sample) == _old_language_scores(text, sample)
    assert scandinavian_scores(text, sample) == _old_scandinavian_scores(text, sample)
