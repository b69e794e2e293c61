"""Documents can be fixed: title, kind, date, speakers, text; and deleted (undoably)."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import ProjectBuilder
from cli.study import Cli, assert_error, make_study, run_json

pytestmark = pytest.mark.usefixtures("created_project")  # the project `cli` uses exists


def test_title_from_heading_retitle_rekind_redate(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    listed = {d["id"]: d for d in run_json(cli, "documents", "list")}
    assert listed[docs["holm"]]["title"] == "Interview med Ida Holm, 3. marts 2025"
    assert listed[docs["venoe"]]["title"] == "Interview med Karl Venø"
    code, _, err = cli(
        "documents",
        "edit",
        str(docs["venoe"]),
        "--title",
        "Venø, formand",
        "--kind",
        "notes",
        "--date",
        "2025-03-05",
        "--language",
        "da",
    )
    assert code == 0, err
    row = {d["id"]: d for d in run_json(cli, "documents", "list")}[docs["venoe"]]
    assert (row["title"], row["kind"], row["date"]) == ("Venø, formand", "notes", "2025-03-05")
    assert_error(cli("documents", "edit", str(docs["venoe"]), "--kind", "podcast"), "podcast")
    assert_error(cli("documents", "edit", str(docs["venoe"]), "--date", "5/3"), "date")
    assert_error(
        cli(
            "documents",
            "edit",
            str(docs["venoe"]),
            "--title",
            "Interview med Ida Holm, 3. marts 2025",
        ),
        "another document",
    )
    assert_error(cli("documents", "edit", "99", "--title", "x"), "99")


def test_link_an_unknown_speaker_afterwards(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    venoe = str(docs["venoe"])
    speakers = run_json(cli, "documents", "speakers", venoe)
    assert {s["speaker"]: s["participant"] for s in speakers} == {"I": None, "Ekspert": None}
    cli("code", venoe, "--match", "de ressourcesvage venter længst", "--code", "1.2")
    # Not linked: a quote cannot be made, the coding has no participant.
    assert_error(
        cli("quotes", "add", venoe, "--match", "de ressourcesvage venter længst"), "Ekspert"
    )
    assert run_json(cli, "codings", "list", "--document", venoe)[0]["participant"] is None

    result = run_json(cli, "documents", "link-speaker", venoe, "Ekspert", "Karl Venø")
    assert result["turns"] == 2
    [coding] = run_json(cli, "codings", "list", "--document", venoe)
    assert coding["participant"] == "Karl Venø"
    assert coding["attribution"] == "formand, Patientforeningen Lys"
    assert "Karl Venø" in run_json(cli, "documents", "list")[1]["participants"]
    # A quote made from the coded span takes its code.
    quote = run_json(cli, "quotes", "add", venoe, "--match", "de ressourcesvage venter længst")
    assert quote["code"] == "1.2" and quote["participant"] == "Karl Venø"

    assert_error(cli("documents", "link-speaker", venoe, "Expert", "Karl Venø"), "Ekspert")
    assert_error(cli("documents", "link-speaker", venoe, "Ekspert", "Karl Vennø"), "Karl")
    unlinked = run_json(cli, "documents", "link-speaker", venoe, "Ekspert", "--unlink")
    assert unlinked["participant"] is None and unlinked["quotes_kept"] == [quote["id"]]


def test_delete_lists_what_goes_blocks_sent_quotes_and_undoes(
    cli: Cli, tmp_path: Path, build: ProjectBuilder
) -> None:
    docs = make_study(build)
    holm = str(docs["holm"])
    made = run_json(
        cli, "code", holm, "--match", "De ressourcesvage venter længst", "--code", "1.2"
    )
    cli("memo", "set", "document", holm, "--text", "god stemning")
    quote = run_json(cli, "quotes", "add", holm, "--match", "De ressourcesvage venter længst")
    impact = run_json(cli, "documents", "delete", holm, "--dry-run")
    assert (impact["codings"], impact["quotes"], impact["memos"], impact["deleted"]) == (
        1,
        1,
        1,
        False,
    )
    out = tmp_path / "packets"
    assert (
        cli("packets", "make", "--out", str(out), "--due", "2099-01-01", "--format", "md")[0] == 0
    )
    assert_error(cli("documents", "delete", holm), "went to an expert", f"Q{quote['id']}")
    assert len(run_json(cli, "documents", "list")) == 2  # unchanged

    gone = run_json(cli, "documents", "delete", holm, "--force")
    assert gone["deleted"] and gone["sent_quotes"] == [quote["id"]]
    assert [d["id"] for d in run_json(cli, "documents", "list")] == [docs["venoe"]]
    assert run_json(cli, "codings", "list") == [] and run_json(cli, "quotes", "list") == []

    assert run_json(cli, "undo")["action"].startswith("delete document")
    assert [d["id"] for d in run_json(cli, "documents", "list")] == [docs["holm"], docs["venoe"]]
    [coding] = run_json(cli, "codings", "list")
    assert coding["id"] == made["id"] and coding["participant"] == "Ida Holm"
    [back] = run_json(cli, "quotes", "list")
    assert back["status"] == "sent" and len(back["events"]) == 2
    assert run_json(cli, "memo", "show", "document", holm)["text"] == "god stemning"
    # The search index comes back too (rebuilt on the next search).
    assert run_json(cli, "search", "ressourcesvage")["total"] == 2
    assert run_json(cli, "redo")["done"]
    assert len(run_json(cli, "documents", "list")) == 1


def test_edit_text_reanchors_codings_and_quotes(
    cli: Cli, tmp_path: Path, build: ProjectBuilder
) -> None:
    docs = make_study(build)
    venoe = str(docs["venoe"])
    cli("documents", "link-speaker", venoe, "Ekspert", "Karl Venø")
    exact = run_json(
        cli, "code", venoe, "--match", "de ressourcesvage venter længst", "--code", "1.2"
    )
    fuzzy = run_json(
        cli,
        "code",
        venoe,
        "--match",
        "Der mangler overblik over tilbuddene efter kræftbehandling",
        "--code",
        "5.3",
    )
    lost = run_json(
        cli,
        "code",
        venoe,
        "--match",
        "Hvad oplever jeres medlemmer?",
        "--code",
        "1",
        "--memo",
        "spørgsmål",
    )
    quote = run_json(cli, "quotes", "add", venoe, "--match", "de ressourcesvage venter længst")
    corrected = tmp_path / "rettet.txt"
    corrected.write_text(
        "Interview med Karl Venø, 5. marts 2025\n\n"
        "I: Hvordan har I det?\n"
        "Ekspert: Mange venter alt for længe på svar, og de ressourcesvage venter længst.\n"
        "I: Og efter behandlingen?\n"
        "Ekspert: Der mangler et overblik over tilbuddene efter kræftbehandlingen.\n",
        encoding="utf-8",
    )
    report = run_json(cli, "documents", "edit", venoe, "--text-file", str(corrected))["text"]
    moved = {(m["kind"], m["id"]): m for m in report["moved"]}
    assert moved[("coding", exact["id"])]["method"] in ("mapped", "exact")
    assert moved[("quote", quote["id"])]["method"] in ("mapped", "exact")
    assert moved[("coding", fuzzy["id"])]["method"] == "fuzzy"
    assert [u["id"] for u in report["unplaced"]] == [lost["id"]]
    codings = {c["id"]: c for c in run_json(cli, "codings", "list")}
    assert codings[exact["id"]]["text"] == "de ressourcesvage venter længst"
    assert "overblik over tilbuddene" in codings[fuzzy["id"]]["text"]
    # Never dropped: the unplaced coding is still there, its old text in its memo.
    assert "Hvad oplever jeres medlemmer?" in codings[lost["id"]]["memo"]
    assert codings[lost["id"]]["memo"].startswith("spørgsmål")
    assert run_json(cli, "quotes", "list")[0]["source_text"] == "de ressourcesvage venter længst"
    assert run_json(cli, "search", "kræftbehandlingen")["total"] == 1
    assert run_json(cli, "undo")["done"] is False  # old offsets forgotten, nothing misplaced
