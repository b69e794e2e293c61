"""The consent engine: one table of rules, each a row; property tests for random text."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.consent import MASK, Redactor
from qualcode.models import Participant

SHY = "\u00ad"
NBSP = "\u00a0"

# A small fictional study (every name, organisation and address here is invented).
HENRIK = Participant(
    id=1, name="Henrik Frandsen", title="overlæge", organisation="Vestby Sygehus",
    consent="role_only", pseudonym="Ekspert 1", email="h.frandsen@vestby-sygehus.dk",
)  # fmt: skip
ANNE = Participant(
    id=2, name="Anne-Mette Søgaard", title="leder af palliativt team",
    organisation="Kommunal Hjemmepleje Øst", consent="anonymous", pseudonym="Ekspert 2",
    email="ams@hjemmeplejeoest.dk",
)  # fmt: skip
ANDERS = Participant(
    id=3, name="Anders Bo Lykke", title="praktiserende læge", organisation="Lægehuset Åmose",
    consent="anonymous", pseudonym="Ekspert 3", email="anders.lykke@aamose.dk",
)  # fmt: skip
NAMED = Participant(
    id=4, name="Henrik Vinterberg", title="professor", organisation="Nordhavn Universitet",
    consent="named", pseudonym="Ekspert 4",
)  # fmt: skip
PEOPLE = [HENRIK, ANNE, ANDERS, NAMED]


def redactor(**kw: object) -> Redactor:
    return Redactor.for_participants(PEOPLE, **kw)  # type: ignore[arg-type]  # test kwargs


ROLE = "[overlæge, Vestby Sygehus]"
# (rule, text, what must be gone, what must remain)
TABLE: list[tuple[str, str, list[str], list[str]]] = [
    ("full name", "Vi talte med Henrik Frandsen i går.", ["Henrik", "Frandsen"], [ROLE]),
    ("first name said in a turn", "Tak, Henrik. Det var godt.", ["Henrik"], ["Tak, " + ROLE]),
    ("surname alone", "som Frandsen sagde", ["Frandsen"], [ROLE]),
    ("genitive -s", "Frandsens pointe var klar", ["Frandsen"], [ROLE + "s pointe"]),
    ("genitive 's", "Frandsen's pointe", ["Frandsen"], [ROLE + "'s"]),
    ("genitive ’s", "Frandsen’s pointe", ["Frandsen"], [ROLE + "’s"]),
    ("genitive ' after s", "Anders' idé", ["Anders"], ["[Ekspert 3]' idé"]),
    ("ALLCAPS", "HENRIK FRANDSEN OG FRANDSENS", ["HENRIK", "FRANDSEN"], []),
    ("lower case surname", "henrik frandsen skrev", ["henrik", "frandsen"], []),
    ("soft hyphen in name", f"Fran{SHY}dsen mente", ["Fran"], [ROLE + " mente"]),
    ("NBSP between parts", f"Henrik{NBSP}Frandsen", ["Henrik", "Frandsen"], []),
    ("double space", "Henrik  Frandsen", ["Henrik", "Frandsen"], []),
    ("line break inside name", "Henrik\nFrandsen", ["Henrik", "Frandsen"], []),
    ("e-mail", "skriv til h.frandsen@vestby-sygehus.dk nu", ["@vestby"], ["skriv til"]),
    ("e-mail in caps", "H.FRANDSEN@VESTBY-SYGEHUS.DK", ["@VESTBY"], []),
    ("hyphenated first name whole", "Anne-Mette sagde", ["Anne", "Mette"], ["[Ekspert 2]"]),
    ("hyphenated part alone", "Mette sagde", ["Mette"], ["[Ekspert 2] sagde"]),
    ("hyphenated written apart", "Anne Mette Søgaard", ["Anne", "Mette", "Søgaard"], []),
    ("NFD surname", unicodedata.normalize("NFD", "Søgaard"), ["gaard"], ["[Ekspert 2]"]),
    ("NFD å", unicodedata.normalize("NFD", "Lægehuset Åmose"), ["mose"], [MASK]),
    ("transliterated oe", "soegaard@example.org", ["soegaard"], []),
    ("organisation odd spacing", "Kommunal  Hjemmepleje\nØst", ["Hjemmepleje"], [MASK]),
    ("organisation caps", "KOMMUNAL HJEMMEPLEJE ØST", ["HJEMMEPLEJE"], [MASK]),
    ("organisation genitive", "Lægehuset Åmoses læger", ["Åmose"], [MASK + "s læger"]),
    (
        "title with organisation",
        "leder af palliativt team ved Kommunal Hjemmepleje Øst",
        ["palliativt", "Hjemmepleje"],
        [MASK],
    ),  # fmt: skip
    ("title alone, multi-word", "en leder af palliativt team", ["palliativt"], [MASK]),
    ("capitalised name-word", "Anders mente det", ["Anders"], ["[Ekspert 3] mente"]),
    ("lower-case ordinary word", "det er anders end før", [], ["anders end før"]),
    ("Bo capitalised", "Bo sagde", ["Bo "], ["[Ekspert 3] sagde"]),
    ("bo the verb", "de bo hjemme", [], ["de bo hjemme"]),
    ("lykke the word", "held og lykke", [], ["held og lykke"]),
    ("ALLCAPS ordinary-word name", "ANDERS SAGDE", ["ANDERS"], ["[Ekspert 3] SAGDE"]),
    ("sentence-initial word over-redacted", "Anders end det.", ["Anders"], ["[Ekspert 3]"]),
    ("file name", "02_frandsen.txt", ["frandsen"], ["02_", ".txt"]),
    ("digit boundary", "henrik2", ["henrik"], ["2"]),
    ("named kept", "Henrik Vinterberg, Nordhavn Universitet", [], ["Henrik Vinterberg"]),
    ("role_only org kept", "på Vestby Sygehus", [], ["Vestby Sygehus"]),
    ("not inside other words", "Persson og Frandsenius", [], ["Persson og Frandsenius"]),
    ("zero-width space", "Hen\u200brik sagde", ["Hen"], [ROLE]),
]


@pytest.mark.parametrize(("rule", "text", "gone", "kept"), TABLE, ids=[r[0] for r in TABLE])
def test_rule(rule: str, text: str, gone: list[str], kept: list[str]) -> None:
    r = redactor()
    out = r.redact(text)
    for forbidden in gone:
        assert forbidden.casefold() not in out.casefold().replace(SHY, ""), (rule, out)
    for wanted in kept:
        assert wanted in out, (rule, out)
    if gone:
        assert r.counts.total > 0
    else:
        assert out == text and r.counts.total == 0


def test_counts_by_participant_and_kind() -> None:
    r = redactor()
    r.redact(
        "Tak, Henrik. Frandsens pointe. Mail: h.frandsen@vestby-sygehus.dk. "
        "Kommunal Hjemmepleje Øst."
    )
    c = r.counts
    assert c.by_participant == {1: 3, 2: 1}
    assert c.by_kind == {"name_part": 2, "email": 1, "organisation": 1}
    assert c.total == 4


def test_recipient_may_be_named_and_isolate_hides_everyone_else() -> None:
    r = redactor(recipient_id=1, isolate=True)
    out = r.redact("Henrik Frandsen og Henrik Vinterberg og Anne-Mette")
    assert out == f"Henrik Frandsen og {MASK} og {MASK}"
    assert r.attribution(HENRIK) == "Henrik Frandsen, overlæge, Vestby Sygehus"
    assert r.attribution(NAMED) == "Ekspert 4"


def test_recipient_keeps_a_name_part_another_participant_shares() -> None:
    namesake = Participant(id=8, name="Karen Frandsen", consent="anonymous", pseudonym="E8")
    r = Redactor.for_participants([HENRIK, namesake], recipient_id=1, isolate=True)
    assert r.redact("Frandsen og Karen") == f"Frandsen og {MASK}"
    r = Redactor.for_participants([HENRIK, namesake])
    assert "Frandsen" not in r.redact("Frandsen og Karen")


def test_full_redacts_nothing() -> None:
    r = redactor(full=True)
    assert r.redact("Henrik Frandsen, Anne-Mette") == "Henrik Frandsen, Anne-Mette"
    assert r.counts.total == 0


def test_attribution_by_consent() -> None:
    r = redactor()
    assert r.attribution(NAMED) == "Henrik Vinterberg, professor, Nordhavn Universitet"
    assert r.attribution(HENRIK) == "overlæge, Vestby Sygehus"
    assert r.attribution(ANNE) == "Ekspert 2"
    assert Redactor.for_participants(PEOPLE, language="en").attribution(ANNE) == "Expert 2"


def test_role_label_never_names_an_anonymous_organisation() -> None:
    colleague = Participant(
        id=9, name="Karen Ulvsby", title="sygeplejerske", organisation="Vestby Sygehus",
        consent="anonymous", pseudonym="Ekspert 9",
    )  # fmt: skip
    r = Redactor.for_participants([HENRIK, colleague])
    assert "Vestby" not in r.attribution(HENRIK)
    assert "Vestby" not in r.redact("Henrik sagde det på Vestby Sygehus")


@pytest.mark.parametrize(
    ("stem", "forbidden"),
    [
        ("02_frandsen", "frandsen"),
        ("Interview HENRIK", "henrik"),
        ("anders-lykke", "anders"),
        ("bo_lykke", "lykke"),
    ],
)
def test_safe_filename_redacts_any_case(stem: str, forbidden: str) -> None:
    r = redactor()
    out = r.safe_filename(stem)
    assert forbidden not in out.casefold()
    assert r.counts.by_kind.get("filename", 0) >= 1


@pytest.mark.parametrize(
    "stem",
    ["a/b\\c", "x" * 500, "bad\x00name\x1f\x7f", "..", "CON", "  ", "ny\nlinje", "a:b*c?d"],
)
def test_safe_filename_is_safe(stem: str) -> None:
    out = redactor().safe_filename(stem)
    assert out and out not in (".", "..")
    assert len(out) <= 80
    assert not any(c in out for c in '/\\:*?"<>|\n\x00\x1f\x7f')
    assert out.casefold() != "con"


def test_offset_map_moves_offsets() -> None:
    r = redactor()
    text = "Tak, Henrik. Godt."
    out, moved = r.redact_with_map(text)
    assert out[moved.start(text.index("Godt")) :].startswith("Godt")
    assert out[moved.start(5) : moved.end(11)] == ROLE


# --- properties -----------------------------------------------------------------------------

FORMS = st.sampled_from(
    [
        "Henrik", "Frandsen", "Henrik Frandsen", "Frandsens", "FRANDSEN", "frandsen",
        f"Fran{SHY}dsen", f"Henrik{NBSP}Frandsen", "Henrik\n Frandsen",
        "h.frandsen@vestby-sygehus.dk",
        "Anne-Mette", "Anne", "Mette", "Søgaard", unicodedata.normalize("NFD", "Søgaard"),
        "SØGAARD", "Kommunal Hjemmepleje Øst", "kommunal  hjemmepleje øst", "Anders", "ANDERS",
        "Lykke", "Lægehuset Åmose", "ams@hjemmeplejeoest.dk",
    ]
)  # fmt: skip
FILLER = st.text(alphabet="abcdefghijklmnopqrstuvwxyzæøå ,.!?\n", max_size=30)
FORBIDDEN = ["henrik", "frandsen", "søgaard", "mette", "hjemmepleje", "åmose", "@"]


def _plain(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace(SHY, "").casefold()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(FILLER, FORMS), min_size=1, max_size=6), FILLER)
def test_inserted_names_never_survive(pieces: list[tuple[str, str]], tail: str) -> None:
    text = "".join(f"{filler} {form} " for filler, form in pieces) + tail
    out = _plain(redactor().redact(text))
    for forbidden in FORBIDDEN:
        if forbidden not in _plain(tail) and all(forbidden not in _plain(f) for f, _ in pieces):
            assert forbidden not in out, (text, out)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_text_without_names_is_unchanged(text: str) -> None:
    r = redactor()
    low = _plain(text)
    if any(k in low for k in ("henrik", "frandsen", "anne", "mette", "søgaard", "soegaard",
                              "anders", "bo", "lykke", "hjemmepleje", "åmose", "aamose",
                              "ams@", "palliativt", "sogaard", "lægehuset")):  # fmt: skip
        return
    assert r.redact(text) == text
    assert r.counts.total == 0


def test_long_names_and_control_characters() -> None:
    long = Participant(id=5, name="Ulla " + "Langenavn-" * 300 + "Sen", consent="anonymous",
                       pseudonym="Ekspert 5")  # fmt: skip
    ctrl = Participant(id=6, name="Bir\x07te Kjær", consent="role_only", title="jordemoder")
    r = Redactor.for_participants([long, ctrl])
    assert r.redact("Ulla sagde") == "[Ekspert 5] sagde"
    assert r.redact("Birte og Bir\x07te og KJÆR") == "[jordemoder] og [jordemoder] og [jordemoder]"


def test_participants_csv_is_normalised_to_nfc(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.participants import read_participants_csv

    path = tmp_path / "p.csv"
    name = unicodedata.normalize("NFD", "Åse\u00a0 Søgaard")
    path.write_text(f"name;title;organisation;expertise;consent\n{name};læge;Ø\u00adst;x;anonym\n",
                    encoding="utf-8")  # fmt: skip
    row = read_participants_csv(path)[0]
    assert row["name"] == "Åse Søgaard" and unicodedata.is_normalized("NFC", row["name"])
    assert row["organisation"] == "Øst"
