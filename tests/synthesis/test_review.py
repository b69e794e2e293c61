"""Keyword matching for the document review: word prefixes, whole short words, mentions."""

from __future__ import annotations

from qualcode.review import ReviewDocument, find_mentions, review_codes


def test_keyword_matches_as_word_prefix_case_insensitively() -> None:
    mentions, counts = find_mentions(
        "Palliativ indsats. De palliative tilbud. Ikke-palliativt? Nej: upalliativ.",
        ["palliativ"],
    )
    assert [m.match for m in mentions] == ["Palliativ", "palliative", "palliativt"]
    assert counts == {"palliativ": 3}


def test_short_keyword_must_be_a_whole_word() -> None:
    mentions, _ = find_mentions("De dø. Døgnet og døren. Når de dør.", ["dø"])
    assert [m.match for m in mentions] == ["dø"]


def test_hits_in_one_sentence_are_one_mention_with_context() -> None:
    text = "# Møde\n\nVi talte om basal palliation i dag. Basal omsorg er noget andet.\n"
    mentions, counts = find_mentions(text, ["basal", "palliation"])
    assert len(mentions) == 2
    first = mentions[0]
    assert (first.match, first.keywords, first.line, first.section) == (
        "basal palliation",
        ["basal", "palliation"],
        3,
        "Møde",
    )
    assert first.left == "Vi talte om "
    assert first.right.startswith(" i dag.")
    assert counts == {"basal": 2, "palliation": 1}
    assert first.kwic().startswith("Vi talte om [basal palliation]")


def test_multi_word_keyword_and_longest_first() -> None:
    mentions, counts = find_mentions(
        "Hjemme og hjem. Den  praktiserende læge.",
        [
            "hjem",
            "hjemme",
            "praktiserende læge",
        ],
    )
    assert counts == {"hjem": 1, "hjemme": 1, "praktiserende læge": 1}
    assert mentions[-1].match == "praktiserende læge"


def test_review_codes_leaves_out_documents_without_mentions() -> None:
    docs = [ReviewDocument(1, "A", "ingen omtale"), ReviewDocument(2, "B", "Palliation.")]
    found = review_codes(docs, [("6", ["palliation"]), ("tom", [])])
    assert [d.document_id for d in found["6"]] == [2]
    assert found["tom"] == []
