"""Code suggestions: from the codebook alone, from a model trained on the project's codings,
accepted or rejected by a person (never applied silently), and their evaluation."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.codebook import load_codebook
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.errors import QualcodeError
from qualcode.history import undo
from qualcode.importing import import_files
from qualcode.models import Coding, Suggestion, TrainedModel
from qualcode.suggest import (
    accept_suggestion,
    evaluate,
    open_suggestions,
    reject_suggestion,
    suggest,
    suggest_for_text,
    train_model,
)

# Passages written for this test, one per development area, in the way experts talk.
PASSAGES = {
    "1": "Lægen sendte en henvisning til skanning, men den blev afvist, fordi symptomerne var "
    "for uspecifikke, og så gik der tre måneder før diagnosen.",
    "2": "Hjemmebehandlingen passer godt til de ressourcestærke, men de sårbare patienter uden "
    "pårørende bliver ofte tabt, når behandlingen flyttes hjem.",
    "3": "Vi sekventerer generne hos flere og flere, men der er ingen bioinformatikere til at "
    "fortolke mutationerne, og samtykket til genomdata er uklart.",
    "4": "Den patientansvarlige læge er en god tanke, men med turnus og ferier ser patienten en "
    "ny læge hver gang, og kontinuiteten forsvinder.",
    "5": "Efter endt behandling står patienterne med senfølger, og rehabiliteringstilbuddene "
    "overlapper, så ingen ved, hvilket tilbud der er det rigtige.",
    "6": "Den basale palliation i kommunerne halter; hjemmesygeplejen får ikke besked fra "
    "hospitalet, når en uhelbredeligt syg patient udskrives til at dø hjemme.",
}


@pytest.fixture
def codebook_project(project: Project) -> Project:
    load_codebook(project, demo_codebook())
    return project


@pytest.mark.parametrize("area", sorted(PASSAGES))
def test_codebook_alone_ranks_the_right_area_first(codebook_project: Project, area: str) -> None:
    ranked = suggest_for_text(codebook_project, PASSAGES[area])
    areas = [r for r in ranked if r["level"] == "area"]
    assert areas[0]["code"] == area
    assert areas[0]["reason"].startswith("words: ")


def test_compounds_and_inflections_match_keywords(codebook_project: Project) -> None:
    ranked = suggest_for_text(codebook_project, "Palliationen og palliationsindsatsen halter.")
    top = [r for r in ranked if r["level"] == "area"][0]
    assert top["code"] == "6" and "palliation" in top["reason"]


def _interview(tmp_path: Path) -> Path:
    body = "\n\n".join(
        f"I: Fortæl om emne {n}.\n\nEkspert: {text}" for n, text in enumerate(PASSAGES.values())
    )
    path = tmp_path / "interview.txt"
    path.write_text(body + "\n", encoding="utf-8")
    return path


def test_suggest_accept_reject_and_undo(codebook_project: Project, tmp_path: Path) -> None:
    (outcome,) = import_files(codebook_project, [_interview(tmp_path)], kind="interview")
    doc_id = outcome.document_id
    assert doc_id is not None
    rows = suggest(codebook_project, doc_id)
    assert rows and all(0 < r["score"] <= 1 and r["reason"] for r in rows)
    with codebook_project.session() as s:
        assert s.exec(select(Coding)).all() == []  # never applied silently
    shown = open_suggestions(codebook_project, doc_id)
    assert {tuple(sorted(r)) for r in shown} == {
        ("code_key", "end", "id", "reason", "score", "start")
    }
    keys = {r["code_key"] for r in shown}
    assert {"1.1", "6"} & keys or {"6.2"} & keys
    # no suggestion falls on the interviewer's questions
    with codebook_project.session() as s:
        from qualcode.models import Document

        text = s.get(Document, doc_id).text  # type: ignore[union-attr]
    assert not any(text[r["start"] : r["end"]].startswith("I:") for r in shown)

    first, second = shown[0], shown[1]
    done = accept_suggestion(codebook_project, first["id"], "tester")
    with codebook_project.session() as s:
        coding = s.get(Coding, done["coding_id"])
        assert coding is not None and coding.origin == "suggestion"
        assert (coding.start, coding.end) == (first["start"], first["end"])
    assert first["id"] not in {r["id"] for r in open_suggestions(codebook_project, doc_id)}
    with pytest.raises(QualcodeError):
        accept_suggestion(codebook_project, first["id"], "tester")
    assert undo(codebook_project, "tester") is not None
    with codebook_project.session() as s:
        assert s.exec(select(Coding)).all() == []

    reject_suggestion(codebook_project, second["id"], "tester")
    again = suggest(codebook_project, doc_id)
    assert not any(
        (r["start"], r["end"], r["code"]) == (second["start"], second["end"], second["code_key"])
        for r in again
    )
    with codebook_project.session() as s:
        statuses = {g.status for g in s.exec(select(Suggestion))}
    assert statuses == {"open", "accepted", "rejected"}


def test_suggest_needs_a_codebook(project: Project) -> None:
    with pytest.raises(QualcodeError, match="no codebook"):
        suggest(project)


def test_train_and_evaluate_on_the_demo(demo_project: Project) -> None:
    meta = train_model(demo_project, iterations=3)
    assert meta["passages"] > 50 and "6" in meta["labels"]
    with demo_project.session() as s:
        stored = s.exec(select(TrainedModel)).all()
    assert len(stored) == 1 and len(stored[0].data) > 1000
    rows = suggest(demo_project, 1)
    assert any(r["method"] == "codebook+model" for r in rows)

    report = evaluate(demo_project, folds=2, iterations=3)
    codebook = report["codebook"]
    assert codebook["area"]["passages"] > 50
    assert codebook["area"]["top1"] >= 0.8  # the codebook alone, tuned on the demo: 0.85
    assert codebook["area"]["top3"] >= codebook["area"]["top1"]
    assert codebook["attention_point"]["top1"] >= 0.6
    for name in ("model", "combined"):
        part = report[name]
        assert 0 <= part["area"]["top1"] <= part["area"]["top3"] <= 1
        assert part["macro_f1"] is not None
    assert report["combined"]["area"]["top1"] >= 0.8
    per_code = codebook["per_code"]
    assert set(per_code["6.1"]) == {"precision", "recall", "f1", "support"}
    assert set(codebook["per_area"]) >= {"1", "2", "3", "4", "5", "6"}
    assert report["model_weight"] in [round(0.1 * i, 1) for i in range(11)]
    assert set(report["weight_curve"]) == {f"{0.1 * i:.1f}" for i in range(11)}
    shares = [row["coded_share"] for row in report["learning_curve"]]
    assert shares == [0.1, 0.2, 0.5]
    quality = report["combined"]["suggestions"]
    assert quality["area_precision"] is not None and quality["area_precision"] >= 0.5
    calibration = report["calibration"]
    assert calibration["ece"] is not None and 0 <= calibration["ece"] <= 0.3
    bins = calibration["reliability"]
    assert sum(b["passages"] for b in bins) == codebook["area"]["passages"]
    assert all(b["probability"] is None or b["from"] <= b["probability"] <= b["to"] for b in bins)
    assert all(0 <= r["score"] <= 1 for r in rows)


def test_cli_suggest_json(codebook_project: Project, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import_files(codebook_project, [_interview(tmp_path)], kind="interview")
    code, out, err = cli("suggest", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["trained"] is None and data["suggestions"]
    row = data["suggestions"][0]
    assert set(row) == {
        "id", "document_id", "document", "start", "end", "code", "score", "reason", "method",
    }  # fmt: skip
    code, out, _ = cli("suggest", "--accept", str(row["id"]), "--json")
    assert code == 0 and json.loads(out)["code"] == row["code"]
    code, _, err = cli("suggest", "--reject", str(row["id"]))
    assert code == 1 and "already accepted" in err


def test_cli_evaluate_json_on_the_demo(demo_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli(
        "suggest", "--evaluate", "--folds", "2", "--iterations", "2", "--json", project=demo_path
    )
    assert code == 0, err
    data = json.loads(out)
    assert {"passages", "codebook", "model", "combined", "folds"} <= set(data)
    assert data["codebook"]["area"]["top1"] >= 0.8
    code, out, _ = cli(
        "suggest", "--evaluate", "--folds", "2", "--iterations", "2", project=demo_path
    )
    assert code == 0 and "area top-1" in out
    assert "per area" in out and "per attention point" in out
    assert "learning curve" in out and "model weight beside the codebook: areas" in out
    assert "chosen by cross-validation over the coded passages" in out  # the demo: 100+
    # both curves, each point with the lowest-highest of its draws
    assert "20% of documents coded" in out and "20% of passages coded" in out
    assert re.search(r"combined [0-9.]+ \([0-9.]+-[0-9.]+\)", out)
    assert "calibration" in out and "ECE" in out


def test_suggestion_precision_credits_the_level_it_was_made_at(
    codebook_project: Project, tmp_path: Path
) -> None:
    """A passage coded with area 2 only: a proposal of attention point 2.2 is right about the
    area (area precision 1.0); there is no attention point to check it against."""
    from qualcode.coding import apply_code

    (outcome,) = import_files(codebook_project, [_interview(tmp_path)], kind="interview")
    doc_id = outcome.document_id
    assert doc_id is not None
    with codebook_project.session() as s:
        from qualcode.models import Document

        document = s.get(Document, doc_id)
        assert document is not None
        text = document.text
    start = text.index(PASSAGES["2"])
    apply_code(codebook_project, doc_id, "2", start, start + len(PASSAGES["2"]), "t")
    report = evaluate(codebook_project, train=False)
    quality = report["codebook"]["suggestions"]
    assert quality["area_precision"] == 1.0
    assert quality["point_precision"] is None
    assert report["codebook"]["per_area"]["2"]["recall"] == 1.0
