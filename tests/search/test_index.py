"""The compact search index (``qualcode.postings``, ``nlp.store``): postings round-trip, a project
with the old ``token`` table converts and searches the same, and lemma search finds
compounds by their head and nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlmodel import select

from qualcode.db import Project, open_project, upgrade
from qualcode.importing import import_files
from qualcode.models import Posting, Term
from qualcode.nlp.pipeline import annotate_text
from qualcode.nlp.store import document_tokens
from qualcode.postings import DocumentPostings, decode, encode
from qualcode.search import search

# --- postings --------------------------------------------------------------------------


@st.composite
def _occurrences(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, int]]]:
    length = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.tuples(st.integers(0, 70_000), st.integers(0, 3_000_000)), max_size=60))
    odd = draw(st.lists(st.integers(0, 300), min_size=len(gaps), max_size=len(gaps)))
    ordinal = start = 0
    out = []
    for (d_ord, d_start), extra in zip(gaps, odd, strict=True):
        ordinal += d_ord
        start += d_start
        end = start + (length if extra % 3 else extra)  # now and then another length
        out.append((ordinal, start, end))
    return length, out


@given(_occurrences())
def test_postings_round_trip(case: tuple[int, list[tuple[int, int, int]]]) -> None:
    length, occurrences = case
    assert decode(encode(occurrences, length), length) == occurrences


def test_postings_refuse_occurrences_out_of_order() -> None:
    import pytest

    with pytest.raises(ValueError):
        encode([(5, 10, 14), (4, 20, 24)], 4)


@given(_occurrences())
def test_postings_decode_the_same_vectorised(case: tuple[int, list[tuple[int, int, int]]]) -> None:
    from qualcode import postings

    length, occurrences = case
    data = encode(occurrences, length)
    assert postings._decode_vector(data, length) == occurrences


def test_a_posting_costs_a_few_bytes_an_occurrence() -> None:
    occurrences = [(i * 40, i * 250, i * 250 + 9) for i in range(1000)]
    assert len(encode(occurrences, 9)) <= 3 * len(occurrences)


# --- the index in a project ------------------------------------------------------------

TEXT = (
    "I: Hvordan gik opfølgningen?\n\n"
    "Ekspert: Kræftopfølgningsplanen kom sent, og opfølgningsplanen var uklar. "
    "Vi fik en ny opfølgningsplan. Patientforløbene og forløbet var lange; "
    "rehabiliteringsforløbet hjalp. Hjemmesiden sagde intet om at være hjemme. "
    "En aftale om en samtale, men ingen tale.\n"
)


def _import(project: Project, tmp_path: Path, body: str = TEXT) -> int:
    path = tmp_path / "opf.txt"
    path.write_text(body, encoding="utf-8")
    (outcome,) = import_files(project, [path])
    assert outcome.status == "imported" and outcome.document_id is not None
    return outcome.document_id


def test_index_holds_every_word_once_and_reads_back_in_text_order(
    project: Project, tmp_path: Path
) -> None:
    doc_id = _import(project, tmp_path)
    expected = [(s, e, lo, le) for _, s, e, lo, le, _ in annotate_text(TEXT).tokens]
    with project.session() as s:
        assert document_tokens(s, [doc_id])[doc_id] == expected
        postings = s.exec(select(Posting)).all()
        assert sum(p.count for p in postings) == len(expected)
        # one row per distinct form, not per word
        assert len(postings) == len({(lo, le) for _, _, lo, le in expected}) < len(expected)
        assert len(s.exec(select(Term)).all()) == len(postings)


def test_reimporting_the_same_words_reuses_terms(project: Project, tmp_path: Path) -> None:
    _import(project, tmp_path)
    with project.session() as s:
        terms = len(s.exec(select(Term)).all())
    other = tmp_path / "b"
    other.mkdir()
    _import(project, other, TEXT.replace("Ekspert", "Deltager"))
    with project.session() as s:
        assert len(s.exec(select(Term)).all()) == terms + 1  # only "deltager" is new


def test_lemma_search_finds_compounds_by_their_head_and_marks_them(
    project: Project, tmp_path: Path
) -> None:
    _import(project, tmp_path)
    result = search(project, "opfølgningsplan", mode="lemma")
    found = [(h.text.lower(), h.match) for h in result.hits]
    assert found == [
        ("opfølgningsplanen", "lemma"),
        ("opfølgningsplan", "lemma"),
        ("kræftopfølgningsplanen", "compound"),  # after the inflections
    ]
    assert result.variants[0]["compounds"] == ["kræftopfølgningsplanen"]
    forløb = {h.text.lower(): h.match for h in search(project, "forløb", mode="lemma").hits}
    assert forløb == {
        "forløbet": "lemma",
        "patientforløbene": "compound",
        "rehabiliteringsforløbet": "compound",  # a linking s after a known word
    }


def test_lemma_search_does_not_take_prefixes_or_short_parts_for_compounds(
    project: Project, tmp_path: Path
) -> None:
    _import(project, tmp_path)
    # the query at the start is no head: hjemmesiden is no hit for hjemme
    assert [h.text for h in search(project, "hjemme", mode="lemma").hits] == ["hjemme"]
    # af (too short) and sam (no word) are no modifiers: aftale, samtale are other words
    assert [h.text for h in search(project, "tale", mode="lemma").hits] == ["tale"]
    # the compound's own lemma search does not find its head alone
    kræft = [h.text for h in search(project, "kræftopfølgningsplan", mode="lemma").hits]
    assert kræft == ["Kræftopfølgningsplanen"]
    # exact search stays literal
    assert [h.text for h in search(project, "opfølgningsplan").hits] == ["opfølgningsplan"]


def test_a_project_with_the_old_token_table_converts_and_searches_the_same(
    tmp_path: Path,
) -> None:
    """A project made before 0003_tokens keeps its index: the token rows become postings."""
    path = tmp_path / "old.qualcode"
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine, "0002")
    annotation = annotate_text(TEXT)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO document (id, title, kind, source_name, sha256, text, language, "
                "word_count, meta, guid, created, nlp_version) VALUES (1, 'Gammel', "
                "'interview', 'g.txt', 'abc', :text, 'da', 30, '{}', 'G1', "
                "'2025-01-01 00:00:00', :version)"
            ),
            {"text": TEXT, "version": "qc-nlp-2"},
        )
        conn.execute(
            text(
                'INSERT INTO token (document_id, ordinal, start, "end", lower, lemma, is_stop) '
                "VALUES (1, :o, :s, :e, :lo, :le, :st)"
            ),
            [
                {"o": o, "s": s, "e": e, "lo": lo, "le": le, "st": st}
                for o, s, e, lo, le, st in annotation.tokens
            ],
        )
        conn.execute(
            text('INSERT INTO sentence (document_id, ordinal, start, "end") VALUES (1, 0, 0, 10)')
        )
    engine.dispose()
    with open_project(path) as project:
        with project.session() as s:
            rows = document_tokens(s, [1])[1]
        assert rows == [(s, e, lo, le) for _, s, e, lo, le, _ in annotation.tokens]
        hits = search(project, "opfølgningsplan", mode="lemma").hits
        assert [h.text for h in hits] == [
            "opfølgningsplanen",
            "opfølgningsplan",
            "Kræftopfølgningsplanen",
        ]
        assert search(project, "ny opfølgningsplan").total == 1
    tables = {
        r[0]
        for r in create_engine(f"sqlite:///{path}")
        .connect()
        .execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))
    }
    assert "token" not in tables and {"term", "posting"} <= tables


def test_document_postings_accept_a_text_in_pieces() -> None:
    whole = annotate_text(TEXT)
    cut = TEXT.index("Vi fik")
    first, second = annotate_text(TEXT[:cut]), annotate_text(TEXT[cut:])
    built = DocumentPostings()
    built.add(first.tokens)
    built.add(second.tokens, ordinal_shift=1000, start_shift=cut)
    rebuilt = sorted(
        (s, e, lo, le)
        for (lo, le), writer in built.terms.items()
        for _, s, e in decode(writer.payload(), len(lo))
    )
    assert rebuilt == sorted((s, e, lo, le) for _, s, e, lo, le, _ in whole.tokens)
