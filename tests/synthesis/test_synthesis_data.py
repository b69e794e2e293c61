"""The synthesis data on a hand-built project where every figure is known (see conftest)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from qualcode.errors import ExportError, NotFoundError
from qualcode.synthesis import build_synthesis

from .known import Built, add_quotes


def _area(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(a for a in data["areas"] if a["key"] == key)


def _point(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for a in data["areas"] for p in a["attention_points"] if p["key"] == key)


def _counts(x: dict[str, Any]) -> tuple[int, int, int]:
    return x["codings"], x["experts"], x["documents"]


def test_counts_per_area_and_attention_point(known: Built) -> None:
    data = build_synthesis(known.project)
    assert [a["key"] for a in data["areas"]] == ["1", "2"]
    assert _counts(_point(data, "1.1")) == (3, 2, 3)  # the double-coded passage counts once
    assert _counts(_point(data, "1.2")) == (3, 2, 2)  # one passage is the interviewer's
    assert _counts(_point(data, "2.1")) == (2, 2, 2)
    assert _counts(_area(data, "1")) == (6, 2, 3)
    assert _area(data, "1")["direct"] == {"codings": 0, "experts": 0, "documents": 0}
    assert _counts(_area(data, "2")) == (2, 2, 2)
    assert data["totals"] == {
        "interviews": 3,
        "experts": 3,
        "documents": 4,
        "desk_documents": 1,
        "codings": 9,
        "codings_all_coders": 10,
        "quotes": 0,
        "approved_quotes": 0,
    }


def test_excerpts_grouped_by_expert_with_consent_labels(known: Built) -> None:
    data = build_synthesis(known.project)
    groups = _point(data, "1.2")["excerpts_by_expert"]
    assert [(g["label"], len(g["excerpts"])) for g in groups] == [
        ("Anna Andersen", 1),
        ("overlæge, Sygehus Nord", 1),
        ("Uden tilknyttet ekspert", 1),
    ]
    assert groups[2]["expert"] is None
    clara = _point(data, "2.1")["excerpts_by_expert"]
    assert {g["label"] for g in clara} == {"Anna Andersen", "Ekspert 3"}
    titles = {e["document"] for g in clara for e in g["excerpts"]}
    assert "Dobbeltinterview med [overlæge, Sygehus Nord] og [Ekspert 3]" in titles


def test_co_occurrence_by_overlap_and_same_turn(known: Built) -> None:
    data = build_synthesis(known.project)
    p11 = _point(data, "1.1")
    # Overlap in d1 (ulighed), same speaker turn in d2 (1.2).
    assert [(c["key"], c["count"]) for c in p11["co_occurring"]] == [("1.2", 1)]
    assert [(c["key"], c["count"]) for c in p11["cross_cutting"]] == [("ulighed", 1)]
    assert [(c["key"], c["count"]) for c in _point(data, "1.2")["co_occurring"]] == [("1.1", 1)]
    assert _point(data, "2.1")["co_occurring"] == []
    area1 = _area(data, "1")
    assert area1["co_occurring"] == []  # its own attention points do not count
    assert [(c["key"], c["count"]) for c in area1["cross_cutting"]] == [("ulighed", 1)]
    (ulighed,) = data["cross_cutting"]
    assert _counts(ulighed) == (1, 1, 1)
    assert [(a["key"], a["count"]) for a in ulighed["areas"]] == [("1", 1)]


def test_coverage_matrix(known: Built) -> None:
    cov = build_synthesis(known.project)["coverage"]
    assert [a["key"] for a in cov["areas"]] == ["1", "2"]
    rows = [(r["label"], r["expertise"], r["counts"], r["total"]) for r in cov["rows"]]
    assert rows == [
        ("Anna Andersen", "palliation", {"1": 3, "2": 1}, 4),
        ("overlæge, Sygehus Nord", "diagnostik", {"1": 2, "2": 0}, 2),
        ("Ekspert 3", "data", {"1": 0, "2": 1}, 1),
    ]
    assert cov["area_experts"] == {"1": 2, "2": 2}
    assert cov["area_codings"] == {"1": 5, "2": 2}


def test_saturation_in_interview_date_order(known: Built) -> None:
    data = build_synthesis(known.project)
    sat = {s["key"]: s for s in data["saturation"]}
    assert sat["1.1"]["cumulative_experts"] == [1, 2, 2]
    assert sat["1.1"]["new_experts"] == [1, 1, 0]
    assert sat["1.1"]["saturated_after"] == 2
    assert sat["1.2"]["cumulative_experts"] == [1, 2, 2]
    assert sat["2.1"]["cumulative_experts"] == [0, 1, 2]
    assert sat["2.1"]["saturated_after"] == 3
    assert [i["date"] for i in data["interviews"]] == ["2025-01-10", "2025-01-20", "2025-02-01"]


def test_code_frequencies_and_memos(known: Built) -> None:
    data = build_synthesis(known.project)
    freq = {
        f["key"]: (f["codings"], f["experts"], f["documents"]) for f in data["code_frequencies"]
    }
    assert freq == {
        "1": (0, 0, 0),
        "1.1": (3, 2, 3),
        "1.2": (3, 2, 2),
        "2": (0, 0, 0),
        "2.1": (2, 2, 2),
        "ulighed": (1, 1, 1),
    }
    # The memo names a role_only expert: the synthesis shows the role instead.
    assert _point(data, "1.1")["memos"] == [
        "[overlæge, Sygehus Nord] og Anna Andersen peger begge på returnerede henvisninger."
    ]


def test_document_review_counts_and_keyword_in_context(known: Built) -> None:
    review = build_synthesis(known.project)["document_review"]
    assert [d["title"] for d in review["documents"]] == ["Referater 2025"]
    codes = {c["key"]: c for c in review["codes"]}
    palliation = codes["2"]
    assert palliation["total_mentions"] == 4
    (doc,) = palliation["documents"]
    assert doc["keyword_counts"] == {"palliation": 3, "basal": 2, "palliativ": 1}
    assert [(h["section"], h["match"]) for h in doc["hits"]] == [
        ("Møde 1", "basal palliation"),
        ("Møde 2", "Basal palliation"),
        ("Møde 2", "palliative"),
        ("Møde 2", "Palliation"),
    ]
    assert doc["hits"][0]["line"] == 3
    assert codes["1"]["total_mentions"] == 1  # "diagnoser" matches the keyword "diagnose"
    assert codes["1.1"]["total_mentions"] == 0
    (uligh,) = codes["ulighed"]["documents"]
    assert uligh["hits"][0]["left"].startswith("[overlæge, Sygehus Nord]")
    assert _area(build_synthesis(known.project), "2")["desk_mentions"] == 4


def test_quotes_draft_marks_pending_and_hides_rejected(known: Built) -> None:
    ids = add_quotes(known)
    data = build_synthesis(known.project)
    quotes = _point(data, "1.1")["quotes"]
    by_id = {q["id"]: q for q in quotes}
    assert set(by_id) == {ids["anna"], ids["bent"]}
    anna = by_id[ids["anna"]]
    assert anna["wording"] == "Henvisninger sendes retur."  # the approved wording
    assert anna["status"] == "approved_with_changes" and not anna["pending"]
    assert anna["attribution"] == "Anna Andersen, professor, Center for Lighed"
    bent = by_id[ids["bent"]]
    assert bent["pending"] and bent["attribution"] == "overlæge, Sygehus Nord"
    assert _point(data, "2.1")["quotes"] == []  # rejected: never shown
    assert [q["id"] for q in data["pending_quotes"]] == [ids["bent"]]


def test_final_refuses_with_a_list_then_succeeds(known: Built) -> None:
    from qualcode import quotes

    ids = add_quotes(known)
    with pytest.raises(ExportError) as caught:
        build_synthesis(known.project, final=True)
    message = caught.value.message
    assert f"quote {ids['bent']} (1.1, overlæge, Sygehus Nord): kandidat" in message
    assert "1 is not" in message
    assert [q["id"] for q in caught.value.pending_quotes] == [ids["bent"]]  # type: ignore[attr-defined]
    # Area 2 has no pending quote: its final synthesis is allowed already.
    assert build_synthesis(known.project, area="2", final=True)["final"] is True
    quotes.respond(known.project, ids["bent"], "approve", "ida")
    data = build_synthesis(known.project, final=True)
    assert data["pending_quotes"] == []
    assert all(not q["pending"] for q in _point(data, "1.1")["quotes"])


def test_area_filter_and_errors(known: Built) -> None:
    data = build_synthesis(known.project, area="Basal palliation")
    assert [a["key"] for a in data["areas"]] == ["2"]
    assert data["cross_cutting"] == []
    assert [c["key"] for c in data["coverage"]["areas"]] == ["1", "2"]  # the whole picture
    assert {f["key"] for f in data["code_frequencies"]} == {"2", "2.1"}
    with pytest.raises(NotFoundError, match="not a development area") as caught:
        build_synthesis(known.project, area="1.2")
    assert caught.value.hint == "Use --area 1 for the area it belongs to."
    with pytest.raises(NotFoundError, match="no development area"):
        build_synthesis(known.project, area="7")


def test_english_labels_and_json_serialisable(known: Built) -> None:
    data = build_synthesis(known.project, language="en")
    assert data["language"] == "en"
    assert _area(data, "1")["label"] == "Diagnostics"
    assert _area(data, "1")["guiding_question"] == "How does diagnosis get faster?"
    assert _point(data, "1.2")["excerpts_by_expert"][2]["label"] == "Not attributed to an expert"
    json.dumps(data)


def test_codebook_language_setting_decides_default(known: Built) -> None:
    assert build_synthesis(known.project)["language"] == "da"
    known.project.set_setting("codebook_language", "en")
    assert build_synthesis(known.project)["language"] == "en"


def test_redactor_replaces_names_but_not_ordinary_words() -> None:
    from qualcode.consent import Redactor
    from qualcode.models import Participant

    people = [
        Participant(id=1, name="Hanne Fisker", title="forskningsleder", organisation="Klinik Ø",
                    consent="role_only", pseudonym="Ekspert 1"),
        Participant(id=2, name="Erik Lindahl", title="professor of data ethics",
                    organisation="Nordic Data Institute", consent="anonymous",
                    pseudonym="Ekspert 2"),
        Participant(id=3, name="Erik Holm", title="overlæge", consent="named"),
    ]  # fmt: skip
    r = Redactor.for_participants(people, language="da")
    assert r.redact("Hanne Fisker sagde det.") == "[forskningsleder, Klinik Ø] sagde det."
    assert (
        r.redact("Fisker mener, at en fisker") == "[forskningsleder, Klinik Ø] mener, at en fisker"
    )
    assert r.redact("Lindahl, professor of data ethics at Nordic Data Institute") == (
        "[Ekspert 2], […]"
    )
    assert r.redact("Erik Holm og Erik Lindahl") == "Erik Holm og [Ekspert 2]"
    assert r.redact("ingen navne her") == "ingen navne her"
