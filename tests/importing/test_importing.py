"""Importing through the CLI: formats, encodings, duplicates, speaker links, bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from qualcode_testutil import file_digest
from sqlmodel import select

from qualcode.db import open_project
from qualcode.demo import demo_corpus_dir
from qualcode.models import Document, DocumentParticipant, Participant, Turn

CORPUS = demo_corpus_dir()


@pytest.fixture
def ready(cli, project_path: Path):  # type: ignore[no-untyped-def]
    """A project with the demo participants, closed on disk."""
    assert cli("init", str(project_path), project=None)[0] == 0
    assert cli("participants", "import", str(CORPUS / "participants.csv"))[0] == 0
    return project_path


def _docs(path: Path) -> list[Document]:
    with open_project(path) as p, p.session() as s:
        return list(s.exec(select(Document).order_by(Document.id)))


@pytest.mark.parametrize(
    ("name", "encoding_word"),
    [
        ("06_vibe.txt", "ø"),  # cp1252 + CRLF
        ("09_fisker.txt", "æ"),  # UTF-8 with BOM
        ("02_kjaersgaard.docx", "æ"),
        ("04_aagaard.vtt", "ø"),
        ("03_lindqvist.md", "å"),
    ],
)
def test_demo_formats_import_with_danish_letters_and_turns(cli, ready, name, encoding_word):  # type: ignore[no-untyped-def]
    code, out, err = cli("import", str(CORPUS / name), "--json")
    assert code == 0, err
    [outcome] = json.loads(out)
    assert outcome["status"] == "imported"
    [doc] = _docs(ready)
    assert encoding_word in doc.text
    assert "\r" not in doc.text and "\ufeff" not in doc.text
    assert outcome["turns"] >= 10
    linked = [link for link in outcome["speaker_links"] if link["participant"]]
    assert linked, "the expert's speaker label links to the participant"


def test_double_interview_links_both_experts(cli, ready):  # type: ignore[no-untyped-def]
    code, out, err = cli("import", str(CORPUS / "05_moelgaard_dalsgaard.txt"))
    assert code == 0, err
    with open_project(ready) as p, p.session() as s:
        names = set(
            s.exec(
                select(Participant.name).join(
                    DocumentParticipant, DocumentParticipant.participant_id == Participant.id
                )
            )
        )
        speakers = {t.speaker: t.participant_id for t in s.exec(select(Turn))}
    assert names == {"Peter Mølgaard", "Rikke Dalsgaard"}
    assert speakers["I"] is None
    assert speakers["Peter Mølgaard"] is not None and speakers["Rikke Dalsgaard"] is not None


def test_reimporting_same_bytes_adds_nothing(cli, ready):  # type: ignore[no-untyped-def]
    f = CORPUS / "01_holmgaard.txt"
    assert cli("import", str(f))[0] == 0
    code, out, _ = cli("import", str(f))
    assert code == 0
    assert "already imported" in out
    assert len(_docs(ready)) == 1


def test_the_same_interview_saved_again_is_a_duplicate(cli, ready, tmp_path):  # type: ignore[no-untyped-def]
    """Other bytes, the same text once decoded (cp1252, UTF-16 with BOM, CRLF, old Mac line
    ends): one document, not four; a one-word change is a new document."""
    text = (CORPUS / "01_holmgaard.txt").read_text(encoding="utf-8")
    saved = {
        "cp1252.txt": text.encode("cp1252"),
        "utf16.txt": text.encode("utf-16"),
        "crlf.txt": text.replace("\n", "\r\n").encode("utf-8-sig"),
        "mac.txt": text.replace("\n", "\r").encode("utf-8"),
    }
    for name, data in saved.items():
        (tmp_path / name).write_bytes(data)
    code, out, err = cli("import", *(str(tmp_path / n) for n in saved), "--json")
    assert code == 0, err
    assert [o["status"] for o in json.loads(out)] == ["imported"] + ["duplicate"] * 3
    assert len(_docs(ready)) == 1
    changed = tmp_path / "changed.txt"
    changed.write_text(text.replace("professor", "lektor", 1), encoding="utf-8")
    code, out, _ = cli("import", str(changed))
    assert code == 0 and "imported as" in out
    assert len(_docs(ready)) == 2


def test_fuzzy_speaker_link_is_reported(cli, ready, tmp_path):  # type: ignore[no-untyped-def]
    f = tmp_path / "typo.txt"
    f.write_text(
        "I: Hvordan går det?\n\nBirgite Holmgard: Fint, tak.\n\nI: Og så?\n\n"
        "Birgite Holmgard: Det er svært.\n",
        encoding="utf-8",
    )
    code, out, _ = cli("import", str(f))
    assert code == 0
    assert "fuzzy match" in out and "Birgitte Holmgaard" in out


def test_unknown_speaker_is_not_guessed(cli, ready, tmp_path):  # type: ignore[no-untyped-def]
    f = tmp_path / "stranger.txt"
    f.write_text(
        "I: Hej.\n\nKnud Jensen: Hej.\n\nI: Farvel.\n\nKnud Jensen: Farvel.\n", encoding="utf-8"
    )
    code, out, _ = cli("import", str(f))
    assert code == 0
    assert "matches no participant" in out
    with open_project(ready) as p, p.session() as s:
        assert all(t.participant_id is None for t in s.exec(select(Turn)))


def _truncated_docx(tmp_path: Path) -> Path:
    data = (CORPUS / "02_kjaersgaard.docx").read_bytes()
    out = tmp_path / "truncated.docx"
    out.write_bytes(data[: len(data) // 2])
    return out


def _zip_not_docx(tmp_path: Path) -> Path:
    out = tmp_path / "fake.docx"
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a word file")
    return out


BAD_INPUTS = {
    "empty.txt": lambda tmp: _write(tmp / "empty.txt", b""),
    "blank.txt": lambda tmp: _write(tmp / "blank.txt", b" \n\t\r\n  "),
    "binary.txt": lambda tmp: _write(tmp / "binary.txt", bytes(range(256)) * 8),
    "nul.md": lambda tmp: _write(tmp / "nul.md", b"I: hej\x00\x00 med dig\n"),
    "plain-named.docx": lambda tmp: _write(tmp / "plain-named.docx", b"I am not a docx file"),
    "zip-not-docx.docx": _zip_not_docx,
    "truncated.docx": _truncated_docx,
    "broken.vtt": lambda tmp: _write(
        tmp / "broken.vtt", b"WEBVTT\n\n00:00:01.000 --> later\n<v Anna>Hej\n"
    ),
    "broken.srt": lambda tmp: _write(tmp / "broken.srt", b"1\n00:00:01,000 -> 00:0x\nHej\n"),
    "unknown.xyz": lambda tmp: _write(tmp / "unknown.xyz", b"hello"),
    "missing.txt": lambda tmp: tmp / "does-not-exist.txt",
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_clear_error_and_leaves_project_unchanged(cli, ready, tmp_path, case):  # type: ignore[no-untyped-def]
    assert cli("import", str(CORPUS / "01_holmgaard.txt"))[0] == 0
    before = file_digest(ready)
    bad = BAD_INPUTS[case](tmp_path)
    code, out, err = cli("import", str(bad))
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[0].startswith(f"error: {bad}"), err
    assert "Traceback" not in err
    assert file_digest(ready) == before


def test_many_files_one_bad_imports_the_others_and_fails(cli, ready, tmp_path):  # type: ignore[no-untyped-def]
    bad = _write(tmp_path / "empty.txt", b"")
    code, _out, err = cli("import", str(CORPUS / "01_holmgaard.txt"), str(bad))
    assert code == 1
    assert "1 of 2 files failed" in err
    assert len(_docs(ready)) == 1


def test_unknown_participant_option_is_an_error(cli, ready):  # type: ignore[no-untyped-def]
    before = file_digest(ready)
    code, _out, err = cli(
        "import", str(CORPUS / "01_holmgaard.txt"), "--participant", "Birgitte Holmgard"
    )
    assert code == 1
    assert "no participant named" in err and "Birgitte Holmgaard" in err
    assert file_digest(ready) == before


def test_missing_project_is_a_clear_error(cli, tmp_path):  # type: ignore[no-untyped-def]
    code, _out, err = cli("documents", "list", project=tmp_path / "nope.qualcode")
    assert code == 1
    assert err.startswith("error: no project at") and "qualcode init" in err


def test_a_file_that_is_not_a_project_is_refused(cli, tmp_path):  # type: ignore[no-untyped-def]
    f = tmp_path / "notes.qualcode"
    f.write_text("hello", encoding="utf-8")
    code, _out, err = cli("documents", "list", project=f)
    assert code == 1 and "not a qualcode project" in err
    assert f.read_text(encoding="utf-8") == "hello"


def test_a_file_over_the_size_limit_is_refused(cli, ready, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    import qualcode.importing

    monkeypatch.setattr(qualcode.importing, "MAX_FILE_BYTES", 1024 * 1024)
    big = _write(tmp_path / "huge.txt", ("I: hej\n\nAnna: " + "ord " * 400_000).encode())
    before = file_digest(ready)
    code, _out, err = cli("import", str(big))
    assert code == 1 and "the limit is 1 MB" in err and "Split the file" in err
    assert file_digest(ready) == before


def test_a_large_transcript_imports_whole(cli, ready, tmp_path):  # type: ignore[no-untyped-def]
    answer = "Det er et langt svar om udredning og palliation. " * 2_000
    text = "".join(f"I: Spørgsmål {i}?\n\nBirgitte Holmgaard: {answer}\n\n" for i in range(12))
    big = _write(tmp_path / "long.txt", text.encode("utf-8"))
    code, out, err = cli("import", str(big), "--json")
    assert code == 0, err
    [outcome] = json.loads(out)
    assert outcome["turns"] == 24
    [doc] = _docs(ready)
    assert len(doc.text) > 1_000_000


def _annotated_import(project, path):  # type: ignore[no-untyped-def]
    from qualcode.importing import import_files
    from qualcode.nlp.store import documents_needing_annotation

    [outcome] = import_files(project, [path], kind="interview")
    assert outcome.status == "imported"
    assert documents_needing_annotation(project) == []  # searchable when import returns
    return outcome.document_id


def test_a_long_text_annotated_in_segments_searches_like_one_piece(  # type: ignore[no-untyped-def]
    project, tmp_path, monkeypatch
):
    """Long texts are annotated segment by segment (bounded memory); search must not tell."""
    from qualcode.nlp import store
    from qualcode.search import search

    paragraphs = [
        f"Ekspert {i % 3}: Udredningen af patienterne tager tid, og palliationen kommer sent "
        f"i forløb nummer {i}. Henvisningen skal være bedre."
        for i in range(60)
    ]
    path = tmp_path / "lang.txt"
    path.write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    whole = search_spans = None
    _annotated_import(project, path)
    whole = {
        q: search(project, q, mode=m).spans
        for q, m in (
            ("udredning", "lemma"),
            ("palliationen kommer", "exact"),
            ("henvisning", "lemma"),
        )
    }
    search_spans = whole
    monkeypatch.setattr(store, "SEGMENT_CHARS", 700)
    path2 = tmp_path / "lang2.txt"
    path2.write_text("\n\n".join(paragraphs) + "\n\n", encoding="utf-8")  # new bytes
    second = _annotated_import(project, path2)
    for (q, m), spans in zip(
        (("udredning", "lemma"), ("palliationen kommer", "exact"), ("henvisning", "lemma")),
        search_spans.values(),
        strict=True,
    ):
        mine = [(st, en) for d, st, en in search(project, q, mode=m).spans if d == second]
        assert mine == [(st, en) for d, st, en in spans if d != second] and len(mine) == 60


@given(st.text(alphabet=st.sampled_from("ab æ\n\t\u00a0\u2028x"), max_size=400), st.integers(1, 9))
def test_count_words_equals_split_in_any_piece_size(text: str, piece: int) -> None:
    from qualcode.importing import count_words

    assert count_words(text, piece) == len(text.split())
