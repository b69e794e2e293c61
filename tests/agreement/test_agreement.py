"""Inter-coder agreement: figures by hand, against the krippendorff package, over a project,
through the CLI, and disagreement resolution."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from sqlmodel import select

from qualcode.agreement import (
    cohen_kappa,
    compute_agreement,
    krippendorff_alpha_nominal,
    marks,
    percent_agreement,
    resolve_disagreement,
    split_sentences,
)
from qualcode.agreement.report import Resolution
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.errors import QualcodeError
from qualcode.importing import import_one
from qualcode.models import Coder, Coding

# --------------------------------------------------------------------------- by hand

A10 = [1, 1, 0, 0, 1, 0, 0, 0, 1, 0]
B10 = [1, 0, 0, 0, 1, 0, 1, 0, 1, 0]


def test_percent_and_kappa_by_hand() -> None:
    # 8 of 10 agree; p(1) = 0.4 for both: pe = 0.16 + 0.36 = 0.52; kappa = 0.28 / 0.48.
    assert percent_agreement([A10, B10]) == pytest.approx(0.8)
    assert cohen_kappa(A10, B10) == pytest.approx(0.28 / 0.48)


def test_alpha_by_hand() -> None:
    # Coincidences: o11 = 6, o00 = 10, o01 = o10 = 2; n1 = 8, n0 = 12, n = 20.
    # alpha = 1 - (n - 1) * (o01 + o10) / (n0 n1 + n1 n0) = 1 - 19 * 4 / 192.
    assert krippendorff_alpha_nominal([A10, B10]) == pytest.approx(1 - 76 / 192)


def test_alpha_with_three_coders_and_missing_values_by_hand() -> None:
    # Units: (a,a,a) (a,b,-) (b,b,b) (a,-,-). The last is unpairable.
    # Unit 1: m=3, 6 ordered a-a pairs / 2 -> o_aa += 3. Unit 2: m=2 -> o_ab = o_ba = 1.
    # Unit 3: o_bb += 3. n_a = 4, n_b = 4, n = 8. alpha = 1 - 7 * 2 / (2 * 16) = 0.5625.
    data = [["a", "a", "b", "a"], ["a", "b", "b", None], ["a", None, "b", None]]
    assert krippendorff_alpha_nominal(data) == pytest.approx(1 - 14 / 32)
    assert percent_agreement(data) == pytest.approx(1.0)  # units 1 and 3 are complete


def test_undefined_figures_are_none() -> None:
    assert cohen_kappa([0, 0, 0], [0, 0, 0]) is None
    assert krippendorff_alpha_nominal([[0, 0, 0], [0, 0, 0]]) is None
    assert krippendorff_alpha_nominal([[1, None], [None, 0]]) is None
    assert percent_agreement([]) is None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the package on undefined cases
def test_alpha_matches_the_krippendorff_package() -> None:
    krippendorff = pytest.importorskip("krippendorff", reason="test extra: krippendorff")
    import numpy as np

    rng = random.Random(7)
    checked = 0
    for _ in range(200):
        coders = rng.randint(2, 4)
        units = rng.randint(3, 40)
        values = rng.randint(2, 4)
        data = [
            [None if rng.random() < 0.15 else rng.randrange(values) for _ in range(units)]
            for _ in range(coders)
        ]
        ours = krippendorff_alpha_nominal(data)
        array = np.array([[np.nan if v is None else v for v in row] for row in data], float)
        try:
            theirs = krippendorff.alpha(reliability_data=array, level_of_measurement="nominal")
        except (ValueError, ZeroDivisionError):
            assert ours is None
            continue
        if ours is None:
            assert theirs is None or math.isnan(theirs)
            continue
        assert ours == pytest.approx(theirs, abs=1e-9)
        checked += 1
    assert checked > 150


def test_kappa_matches_a_second_formula() -> None:
    rng = random.Random(3)
    for _ in range(100):
        n = rng.randint(2, 30)
        a = [rng.randrange(3) for _ in range(n)]
        b = [rng.randrange(3) for _ in range(n)]
        # kappa = 1 - (1 - po) / (1 - pe), written out once more for the cross-check
        po = sum(x == y for x, y in zip(a, b, strict=True)) / n
        pe = sum((a.count(v) / n) * (b.count(v) / n) for v in range(3))
        expected = None if pe == 1 else 1 - (1 - po) / (1 - pe)
        got = cohen_kappa(a, b)
        assert (got is None and expected is None) or got == pytest.approx(expected)


# --------------------------------------------------------------------------- units


def test_sentence_splitter() -> None:
    text = "Det går godt. Men ca. 55 minutter er lang tid! Hvad nu?\nI: Ja.\n\n«Citat» her."
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Det går godt.",
        "Men ca. 55 minutter er lang tid!",
        "Hvad nu?",
        "I: Ja.",
        "«Citat» her.",
    ]


def test_marking_rule() -> None:
    unit = (100, 200)
    assert marks(unit, (100, 200))
    assert marks(unit, (140, 150))  # a short phrase inside the sentence
    assert marks(unit, (0, 150))  # covers half of the sentence
    assert not marks(unit, (0, 103))  # spills three characters into it
    assert not marks(unit, (200, 250))  # touches, does not overlap


# --------------------------------------------------------------------------- over a project

TEXT = (
    "Første sætning handler om ventetid. Anden sætning handler om ulighed. "
    "Tredje sætning handler om data. Fjerde sætning handler om intet."
)
CODEBOOK = """
[[code]]
key = "X"
label_da = "Ventetid og ulighed"
[[code]]
key = "Y"
label_da = "Intet"
"""


def _sentence(n: int) -> tuple[int, int]:
    starts = [TEXT.index(w) for w in ("Første", "Anden", "Tredje", "Fjerde")]
    ends = [TEXT.index(".", s) + 1 for s in starts]
    return starts[n], ends[n]


@pytest.fixture
def coded(project: Project, tmp_path: Path) -> Project:
    book = tmp_path / "book.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    load_codebook(project, book)
    doc = tmp_path / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    doc_id = import_one(project, doc, title="Dokument").document_id
    assert doc_id is not None
    s1, s2, s3, s4 = (_sentence(i) for i in range(4))
    apply_code(project, doc_id, "X", s1[0], s2[1], "anna", memo="to sætninger")  # s1 + s2
    apply_code(project, doc_id, "Y", s4[0], s4[1], "anna")
    apply_code(project, doc_id, "X", s2[0], s3[1], "bent")  # s2 + s3
    # Sentence 1 plus a few characters of sentence 2: marks sentence 1 only.
    apply_code(project, doc_id, "X", s1[0], s2[0] + 4, "bent")
    return project


def test_project_agreement_by_hand(coded: Project) -> None:
    # bent's second coding covers sentence 1 fully: so X is A=[1,1,0,0], B=[1,1,1,0].
    report = compute_agreement(coded, ["anna", "bent"])
    assert report.units == 4 and len(report.documents) == 1
    x = next(c for c in report.codes if c["code"] == "X")
    y = next(c for c in report.codes if c["code"] == "Y")
    # X: 3/4 agree; pa1 = .5, pb1 = .75: pe = .375 + .125 = .5; kappa = .25/.5 = .5
    assert x["percent_agreement"] == pytest.approx(0.75)
    assert x["cohen_kappa"] == pytest.approx(0.5)
    # alpha X: o11 = 4, o00 = 2, o01 = o10 = 1; n1 = 5, n0 = 3, n = 8 -> 1 - 7*2/30
    assert x["krippendorff_alpha"] == pytest.approx(round(1 - 14 / 30, 4))
    # Y: A=[0,0,0,1], B=[0,0,0,0]: 3/4 agree, kappa 0 (pe = .75), alpha 1 - 7*2/14 = 0
    assert (y["percent_agreement"], y["cohen_kappa"]) == (0.75, 0.0)
    assert y["krippendorff_alpha"] == pytest.approx(0.0)
    # Pooled 8 items: A=[1,1,0,0,0,0,0,1], B=[1,1,1,0,0,0,0,0]: 6/8 agree;
    # pa1 = 3/8, pb1 = 3/8: pe = 9/64 + 25/64 = 34/64; kappa = (48/64 - 34/64) / (30/64)
    assert report.overall["percent_agreement"] == pytest.approx(0.75)
    assert report.overall["cohen_kappa"] == pytest.approx(round(14 / 30, 4))
    assert len(report.disagreements) == 2
    assert {(d.code, d.coded_by[0], d.text[:6]) for d in report.disagreements} == {
        ("X", "bent", "Tredje"),
        ("Y", "anna", "Fjerde"),
    }


def test_project_alpha_matches_the_package(coded: Project) -> None:
    krippendorff = pytest.importorskip("krippendorff", reason="test extra: krippendorff")
    import numpy as np

    report = compute_agreement(coded, ["anna", "bent"])
    pooled = np.array([[1, 1, 0, 0, 0, 0, 0, 1], [1, 1, 1, 0, 0, 0, 0, 0]], float)
    expected = krippendorff.alpha(reliability_data=pooled, level_of_measurement="nominal")
    assert report.overall["krippendorff_alpha"] == pytest.approx(expected, abs=1e-4)


def test_resolution_records_reviewer_codings(coded: Project) -> None:
    report = compute_agreement(coded, ["anna", "bent"])
    third = next(d for d in report.disagreements if d.code == "X")
    fourth = next(d for d in report.disagreements if d.code == "Y")
    added = resolve_disagreement(coded, third, "keep_b", "rita", "anna", "bent")
    assert len(added) == 1
    assert resolve_disagreement(coded, fourth, "neither", "rita", "anna", "bent") == []
    with coded.session() as s:
        rita = s.exec(select(Coder).where(Coder.name == "rita")).one()
        mine = list(s.exec(select(Coding).where(Coding.coder_id == rita.id)))
    assert [(c.origin, c.start, c.end) for c in mine] == [
        ("review", _sentence(1)[0], _sentence(2)[1])
    ]
    again = compute_agreement(coded, ["anna", "bent"])
    decisions = {d.code: (d.resolution or {}).get("decision") for d in again.disagreements}
    assert decisions == {"X": "keep_b", "Y": "neither"}
    for d in again.disagreements:  # read back from the project: the typed shape, every key
        assert set(d.as_dict()["resolution"] or {}) == set(Resolution.__annotations__)
    # The reviewer's own codings do not change the figures of the two coders.
    assert again.overall == report.overall
    with pytest.raises(QualcodeError):
        resolve_disagreement(coded, third, "maybe", "rita", "anna", "bent")


def test_overall_keeps_its_shape_when_no_code_was_used(coded: Project, tmp_path: Path) -> None:
    book = tmp_path / "more.toml"
    book.write_text(CODEBOOK + '[[code]]\nkey = "Z"\nlabel_da = "Ubrugt"\n', encoding="utf-8")
    load_codebook(coded, book)
    report = compute_agreement(coded, ["anna", "bent"], codes=["Z"])
    assert report.codes == [] and report.disagreements == []
    nothing = {"items": 0, "percent_agreement": None, "cohen_kappa": None,
               "krippendorff_alpha": None}  # fmt: skip
    assert report.overall == {**nothing, "all_units": nothing, "coded_units": nothing}
    assert report.as_dict()["overall"] == report.overall


def test_three_coders(coded: Project) -> None:
    with coded.session() as s:
        doc_id = s.exec(select(Coding.document_id)).first()
    assert doc_id is not None
    s1 = _sentence(0)
    apply_code(coded, doc_id, "X", s1[0], s1[1], "carl")
    report = compute_agreement(coded, ["anna", "bent", "carl"])
    assert report.overall["cohen_kappa"] is None  # kappa is for two coders
    assert report.overall["krippendorff_alpha"] is not None


def test_errors(coded: Project) -> None:
    with pytest.raises(QualcodeError, match="at least two"):
        compute_agreement(coded, ["anna"])
    with pytest.raises(QualcodeError, match="no coder named 'bnet'") as info:
        compute_agreement(coded, ["anna", "bnet"])
    assert "bent" in (info.value.hint or "")


def test_cli_agreement(cli, coded: Project) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("agreement", "--coders", "anna", "bent", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {
        "coders",
        "unit",
        "unit_sources",
        "documents",
        "units",
        "overall",
        "codes",
        "areas",
        "disagreements",
    }
    assert data["coders"] == ["anna", "bent"] and data["units"] == 4
    assert data["disagreements"][0]["resolution"] is None
    code, out, err = cli("agreement", "anna,bent")
    assert code == 0 and "overall" in out and "disagreements (2" in out
    code, out, err = cli("agreement", "--coders", "anna")
    assert code == 1 and "at least two coders" in err
