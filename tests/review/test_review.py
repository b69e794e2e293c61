"""Keyword matching for the document review: whole lemmas, compound heads, headings,
sections, mentions (texts written for these tests)."""

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
    # "dør" (they die) is a form of "dø"; "Døgnet" and "døren" (the door) are not
    assert [m.match for m in mentions] == ["dø", "dør"]


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


def test_compound_heads_count_but_first_parts_do_not() -> None:
    text = (
        "Gruppen drøftede kræftopfølgningsplanen og to opfølgningsplaner. Se hjemmesiden. "
        "Projektchefen har offentliggjort referatet. Behandling i hjemmet virker; "
        "det offentlige projekt fortsætter.\n"
    )
    _, plan = find_mentions(text, ["opfølgningsplan"])
    assert plan == {"opfølgningsplan": 2}
    home, _ = find_mentions(text, ["hjemme"])
    assert [m.match for m in home] == []  # "hjemmesiden" is a website, not home
    project, _ = find_mentions(text, ["projekt"])
    assert [m.match for m in project] == ["projekt"]  # not "Projektchefen"
    public, _ = find_mentions(text, ["offentlig"])
    assert [m.match for m in public] == ["offentlige"]  # not "offentliggjort"


def test_headings_are_not_counted_but_name_the_section() -> None:
    text = (
        "Referat af møde i taskforcen\n\n"
        "3 Basal palliation\n\n"
        "Ingen nævnte palliation i dag.\n\n"
        "3.2 Opmærksomhedspunkter\n\n"
        "Palliationen blev kort drøftet.\n\n"
        "OPFØLGNING\n\n"
        "Der følges op på palliation næste gang.\n"
    )
    mentions, counts = find_mentions(text, ["palliation", "opmærksomhedspunkt"])
    assert counts == {"palliation": 3}
    assert [m.section for m in mentions] == [
        "3 Basal palliation",
        "3.2 Opmærksomhedspunkter",
        "OPFØLGNING",
    ]


def test_a_sentence_is_not_a_heading() -> None:
    from qualcode.review import heading_text

    assert heading_text("4.1 Den patientansvarlige læge") == "4.1 Den patientansvarlige læge"
    assert heading_text("## Basal palliation") == "Basal palliation"
    assert heading_text("Palliation blev drøftet grundigt på mødet.") is None
    assert heading_text("palliation nævnes her uden stort begyndelsesbogstav") is None
    assert heading_text("Kort linje", previous_blank=False) is None
