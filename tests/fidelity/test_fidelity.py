"""The fidelity check: similarity plus flags on meaning-bearing tokens."""

from __future__ import annotations

import pytest

from qualcode.fidelity import check

SOURCE = (
    "Vi ser ikke uligheden i tallene, for 20 % af patienterne mangler i opgørelsen fra Holmsted."
)


def kinds(report) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {(f.kind, f.change, f.token) for f in report.flags}


def test_dropped_ikke_is_flagged_although_similarity_is_high() -> None:
    r = check(SOURCE, SOURCE.replace("ikke ", ""))
    assert r.similarity > 90
    assert kinds(r) == {("negation", "removed", "ikke")}
    assert not r.ok
    assert "ikke" in r.summary()


def test_changed_number_is_flagged() -> None:
    r = check(SOURCE, SOURCE.replace("20 %", "30 %"))
    assert r.similarity > 95
    assert kinds(r) == {("number", "removed", "20"), ("number", "added", "30")}


def test_a_comma_is_not_flagged() -> None:
    r = check(SOURCE, SOURCE.replace("tallene,", "tallene"))
    assert r.flags == []
    assert r.ok
    assert r.similarity > 95


def test_verbatim_and_whitespace_only() -> None:
    assert check(SOURCE, SOURCE).identical
    assert check(SOURCE, "  " + SOURCE.replace(" ", "\n", 1)).identical


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        (SOURCE.replace("Holmsted", "Ørslev"), {("name", "removed", "Holmsted"),
                                                ("name", "added", "Ørslev")}),
        (SOURCE.replace("20 %", "20 procent"), set()),
        (SOURCE.replace("20 %", "20"), {("number", "removed", "%")}),
        (SOURCE.replace("ikke", "aldrig"), {("negation", "removed", "ikke"),
                                            ("negation", "added", "aldrig")}),
        ("Vi " + SOURCE[3:].replace("ikke ", "ikke altid "), set()),
    ],
)  # fmt: skip
def test_meaning_bearing_changes(edited: str, expected: set[tuple[str, str, str]]) -> None:
    assert kinds(check(SOURCE, edited)) == expected


def test_english_negations_and_number_words() -> None:
    src = "We do not know whether three regions measure it."
    assert kinds(check(src, "We know whether three regions measure it.")) == {
        ("negation", "removed", "not")
    }
    assert kinds(check(src, "We do not know whether two regions measure it.")) == {
        ("number", "removed", "three"), ("number", "added", "two")
    }  # fmt: skip
    assert kinds(check("It isn't working.", "It is working.")) == {("negation", "removed", "isn't")}


def test_sentence_initial_capital_is_not_a_name() -> None:
    r = check("løsningerne er designet af os", "Løsningerne er designet af os.")
    assert r.flags == []


def test_thousands_and_decimals_are_one_number() -> None:
    assert check("Det koster 1.000 kr. og 3,5 år", "Det koster 1000 kr. og 3.5 år").flags == []
