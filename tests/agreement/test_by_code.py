"""Agreement per code and per area, on all units and on coded units, checked against the
``krippendorff`` package; any pair of coders; the --by-code table."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.agreement import coded_only, compute_agreement, figures_both
from qualcode.codebook import load_codebook
from qualcode.coding import apply_code
from qualcode.db import Project
from qualcode.importing import import_one

krippendorff = pytest.importorskip("krippendorff", reason="test extra: krippendorff")
np = pytest.importorskip("numpy")

# Six sentences; an area "A" with two codes, and a code "Z" of its own.
SENTENCES = [
    "Ventetiden er lang for mange.",
    "Ulighed rammer de ældre.",
    "Data mangler i kommunerne.",
    "Samarbejdet halter stadig.",
    "Pårørende føler sig glemt.",
    "Resten går egentlig fint.",
]
TEXT = " ".join(SENTENCES)
CODEBOOK = """
[[code]]
key = "A"
label_da = "Adgang"
kind = "area"
[[code]]
key = "A1"
label_da = "Ventetid"
parent = "A"
[[code]]
key = "A2"
label_da = "Ulighed"
parent = "A"
[[code]]
key = "Z"
label_da = "Samarbejde"
"""
# code -> coder -> sentences marked
MARKS = {
    "A1": {"anna": [0, 1], "bent": [0], "carl": [0, 2]},
    "A2": {"anna": [1], "bent": [1, 4], "carl": [4]},
    "Z": {"anna": [3], "bent": [3], "carl": [2, 3, 5]},
}


def _span(n: int) -> tuple[int, int]:
    start = TEXT.index(SENTENCES[n])
    return start, start + len(SENTENCES[n])


@pytest.fixture
def three(project: Project, tmp_path: Path) -> Project:
    book = tmp_path / "book.toml"
    book.write_text(CODEBOOK, encoding="utf-8")
    load_codebook(project, book)
    doc = tmp_path / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    doc_id = import_one(project, doc, title="Dok").document_id
    for code, by in MARKS.items():
        for coder, units in by.items():
            for n in units:
                apply_code(project, doc_id, code, *_span(n), coder)
    return project


def _matrix(code: str, coders: list[str]) -> list[list[int]]:
    return [[int(n in MARKS[code][c]) for n in range(len(SENTENCES))] for c in coders]


def _alpha(data: list[list[int]]) -> float:
    return float(
        krippendorff.alpha(reliability_data=np.array(data, float), level_of_measurement="nominal")
    )


@pytest.mark.parametrize("pair", [["anna", "bent"], ["bent", "carl"], ["anna", "carl"]])
def test_every_code_matches_the_package_on_both_unit_sets(three: Project, pair: list[str]) -> None:
    report = compute_agreement(three, pair)
    assert report.units == len(SENTENCES)
    for row in report.codes:
        code = row["code"]
        if code == "A":
            continue
        data = _matrix(code, pair)
        all_units, coded_units = row["all_units"], row["coded_units"]
        assert all_units["items"] == len(SENTENCES)
        assert coded_units["items"] == len(coded_only(data)[0])
        assert coded_units["items"] == len(set(MARKS[code][pair[0]]) | set(MARKS[code][pair[1]]))
        assert all_units["krippendorff_alpha"] == pytest.approx(_alpha(data), abs=1e-4)
        if coded_units["krippendorff_alpha"] is not None:
            assert coded_units["krippendorff_alpha"] == pytest.approx(
                _alpha(coded_only(data)), abs=1e-4
            )
        # The top-level figures stay the all-units ones (what the report always gave).
        assert row["krippendorff_alpha"] == all_units["krippendorff_alpha"]


def test_coded_units_are_not_inflated_by_uncoded_text(three: Project) -> None:
    """A1, anna [0,1] v bent [0]: 5 of 6 sentences agree, but on the 2 coded ones only 1."""
    row = compute_agreement(three, ["anna", "bent"]).code_row("A1")
    assert row is not None
    assert row["all_units"]["percent_agreement"] == pytest.approx(5 / 6, abs=1e-4)
    assert row["coded_units"]["percent_agreement"] == pytest.approx(1 / 2)
    assert row["all_units"]["cohen_kappa"] == pytest.approx(0.5714, abs=1e-4)
    # Coded units: anna [1,1], bent [1,0]: observed .5, expected .5 -> kappa 0.
    assert row["coded_units"]["cohen_kappa"] == pytest.approx(0.0)


def test_areas_pool_their_codes(three: Project) -> None:
    report = compute_agreement(three, ["anna", "carl"])
    areas = {a["area"]: a for a in report.areas}
    assert areas["A"]["codes"] == ["A1", "A2"]
    pooled = [
        a + b
        for a, b in zip(
            _matrix("A1", ["anna", "carl"]), _matrix("A2", ["anna", "carl"]), strict=True
        )
    ]
    expected = figures_both(pooled)
    assert areas["A"]["all_units"] == expected["all_units"]
    assert areas["A"]["coded_units"] == expected["coded_units"]
    assert areas["A"]["all_units"]["krippendorff_alpha"] == pytest.approx(_alpha(pooled), abs=1e-4)
    assert areas["Z"]["codes"] == ["Z"]


def test_the_by_code_table(cli, three: Project) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("agreement", "bent", "carl", "--by-code")
    assert code == 0, err
    assert "all units" in out and "coded units" in out and "agree  kappa  alpha" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "A1" in lines and "Z" in lines and "area" in out
    assert "disagreements (" in out
