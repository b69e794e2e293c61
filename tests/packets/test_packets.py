"""Packets: the round trip through Word, isolation between experts, and bad returned files."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode import quotes
from qualcode.db import Project, open_project
from qualcode.errors import PacketError
from qualcode.packets import make_packets, parse_answer, read_packets
from tests.quotes.helpers import PersonSpec, add_codes, add_interview, docx_text, fill_docx

DUE = dt.date(2030, 5, 1)
TODAY = dt.date(2030, 4, 1)
ASTA = [
    "Vi måler ikke det samme i de fem regioner, og derfor kan ingen sammenligne os.",
    "Henvisningerne bliver sendt retur, fordi ingen ejer patienten.",
    "Jeg har set 30 procent flere returneringer siden sidste år.",
    "Det tager to uger at få en tid, og det er for længe for den her gruppe.",
]
CLARA = "I vores kommune har vi aldrig fået en palliativ sygeplejerske på nattevagt."


def _study(project: Project) -> Project:
    add_codes(project)
    asta = PersonSpec("Asta Brinkmann", "overlæge", "Sygehus Nordby", turns=ASTA)
    add_interview(project, "Interview med Asta Brinkmann", [asta])
    add_interview(project, "Interview with Clara Moss",
                  [PersonSpec("Clara Moss", "nurse", "Eastfield Council", consent="anonymous",
                              language="en", turns=[CLARA])])  # fmt: skip
    project.set_setting("silence_as_consent", "true")
    for i, text in enumerate(ASTA):
        quotes.add_quote_by_match(project, 1, text, "1.1" if i % 2 else "1", "ida",
                                  draft_paragraph=f"Udkast {i}: som Clara Moss også sagde, "
                                  f"»{CLARA}«")  # fmt: skip
    quotes.add_quote_by_match(project, 2, CLARA, "ulighed", "ida",
                              wording=CLARA.replace("aldrig", "ikke"))  # fmt: skip
    return project


@pytest.fixture
def study(project: Project) -> Project:
    return _study(project)


def _asta_packet(study: Project, out: Path) -> dict:  # type: ignore[type-arg]
    made = make_packets(study, out, DUE, participant="Asta Brinkmann", today=TODAY, who="ida")
    assert len(made) == 1
    return made[0]


def _state(study: Project) -> list[tuple[int, str, str | None, int, int]]:
    return [(q["id"], q["status"], q["approved_wording"], q["version"], len(q["events"]))
            for q in quotes.list_quotes(study)]  # fmt: skip


def test_round_trip_like_an_expert(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    path = Path(packet["path"])
    assert path.suffix == ".docx"
    new = "Vi måler ikke det samme i regionerne, så vi kan ikke sammenligne os."
    returned = tmp_path / "svar.docx"
    fill_docx(path, [
        ("  GODKENDT. ", "", ""),
        ("godkend med ændringer", new, "Se min rettelse"),
        ("Reject", "", "Det er for skarpt"),
        ("", "", ""),
    ], returned)  # fmt: skip
    reports = read_packets(study, [returned], who="ida")
    assert len(reports) == 1
    r = reports[0]
    assert r["problems"] == []
    ids = packet["quotes"]
    assert [(x["quote_id"], x["status"]) for x in r["recorded"]] == [
        (ids[0], "approved"), (ids[1], "approved_with_changes"), (ids[2], "rejected")
    ]  # fmt: skip
    assert r["unanswered"] == [ids[3]]
    rows = {q["id"]: q for q in quotes.list_quotes(study)}
    assert rows[ids[0]]["approved_wording"] == ASTA[0]
    assert rows[ids[1]]["approved_wording"] == new
    assert rows[ids[1]]["wording"] == ASTA[1]
    assert rows[ids[1]]["response_note"] == "Se min rettelse"
    assert rows[ids[1]]["fidelity"]["approved_wording"]["similarity"] < 100
    assert rows[ids[2]]["response_note"] == "Det er for skarpt"
    assert rows[ids[3]]["status"] == "sent"
    assert all("svar.docx" in rows[i]["events"][-1]["note"] for i in ids[:3])
    # reading the same file again records nothing new and says why
    before = _state(study)
    again = read_packets(study, [returned], who="ida")[0]
    assert again["recorded"] == [] and len(again["problems"]) == 3
    assert _state(study) == before


def test_answers_that_cannot_be_read_change_nothing_for_that_quote(
    study: Project, tmp_path: Path
) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    returned = tmp_path / "svar.docx"
    fill_docx(Path(packet["path"]), [
        ("Afvis", "", ""),
        ("ret", "", ""),  # changes asked for, no new wording
        ("Approve", "", ""),
        ("", "Kun den nye tekst", ""),  # a new wording alone means approve with changes
    ], returned)  # fmt: skip
    r = read_packets(study, [returned])[0]
    ids = packet["quotes"]
    assert {p["quote_id"] for p in r["problems"]} == {ids[1]}
    assert [(x["quote_id"], x["status"]) for x in r["recorded"]] == [
        (ids[0], "rejected"), (ids[2], "approved"), (ids[3], "approved_with_changes")
    ]  # fmt: skip
    assert quotes.get_quote(study, ids[1])["status"] == "sent"


def test_an_unknown_answer_word_refuses_the_file_naming_the_quote(
    study: Project, tmp_path: Path
) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    returned = tmp_path / "svar.docx"
    fill_docx(Path(packet["path"]), [("Godkend", "", ""), ("måske", "", ""),
                                     ("Approve", "", ""), ("Afvis", "", "")], returned)  # fmt: skip
    before = _state(study)
    with pytest.raises(PacketError) as err:
        read_packets(study, [returned])
    ref = f"Q{packet['quotes'][1]}-"
    assert ref in err.value.message and "måske" in err.value.message
    assert "nothing was recorded" in err.value.message
    assert _state(study) == before


@pytest.mark.parametrize(
    ("word", "action"),
    [("Godkend", "approve"), (" ok ", "approve"), ("APPROVED", "approve"), ("Ja.", "approve"),
     ("Godkendt med ændringer", "revise"), ("approve with changes", "revise"),
     ("Afvist", "reject"), ("nej", "reject"), ("No", "reject"), ("", ""), ("  \n ", ""),
     ("kanske", None)],
)  # fmt: skip
def test_answer_words(word: str, action: str | None) -> None:
    assert parse_answer(word) == action


def test_not_a_packet(study: Project, tmp_path: Path) -> None:
    import docx

    plain = tmp_path / "brev.docx"
    docx.Document().save(str(plain))
    garbage = tmp_path / "noise.docx"
    garbage.write_bytes(b"this is not a zip file")
    before = _state(study)
    with pytest.raises(PacketError, match="not a qualcode packet"):
        read_packets(study, [plain])
    with pytest.raises(PacketError, match="not a Word packet"):
        read_packets(study, [garbage])
    with pytest.raises(PacketError, match="only returned .docx"):
        read_packets(study, [tmp_path / "x.pdf"])
    assert _state(study) == before


def test_a_packet_for_another_project(study: Project, tmp_path: Path) -> None:
    other = open_project(tmp_path / "other.qualcode", create=True)
    try:
        _study(other)
        made = make_packets(other, tmp_path / "other-out", DUE, participant="Asta Brinkmann",
                            today=TODAY)  # fmt: skip
        returned = tmp_path / "svar.docx"
        fill_docx(Path(made[0]["path"]), [("godkend", "", "")] * 4, returned)
    finally:
        other.close()
    _asta_packet(study, tmp_path / "out")  # this project has its own packets too
    before = _state(study)
    with pytest.raises(PacketError, match="another project"):
        read_packets(study, [returned])
    assert _state(study) == before


def _edit_ref(path: Path, out: Path, old: str, new: str) -> None:
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            zout.writestr(item, data)


def test_edited_quote_ids_are_refused_and_nothing_changes(study: Project, tmp_path: Path) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    good = tmp_path / "svar.docx"
    fill_docx(Path(packet["path"]), [("godkend", "", "")] * 4, good)
    ids = packet["quotes"]
    clara_id = quotes.list_quotes(study, participant="Clara Moss")[0]["id"]
    clara_ref = f"Q{clara_id}-{quotes.get_quote(study, clara_id)['guid'].replace('-', '')[:4]}"
    first_ref = f"Q{ids[0]}-{quotes.get_quote(study, ids[0])['guid'].replace('-', '')[:4]}"
    before = _state(study)
    for n, bad in enumerate([clara_ref, f"Q{ids[0]}-0000", "Q 12", first_ref.replace("Q", "Q9")]):
        edited = tmp_path / f"edited{n}.docx"
        _edit_ref(good, edited, first_ref, bad)
        with pytest.raises(PacketError, match="edited"):
            read_packets(study, [good, edited])  # one bad file: nothing from the good one either
        assert _state(study) == before


def test_researcher_copy_has_the_flags_and_the_experts_copy_does_not(
    study: Project, tmp_path: Path
) -> None:
    made = make_packets(study, tmp_path / "out", DUE, today=TODAY)
    clara = next(p for p in made if p["participant"] == "Clara Moss")
    expert = docx_text(clara["path"])
    researcher = docx_text(clara["researcher_copy"])
    assert "negation" not in expert and "aldrig" not in expert.split("Quote id")[1].split(
        "Context")[0]  # fmt: skip
    assert "negation &apos;aldrig&apos; dropped" in researcher or "negation 'aldrig' dropped" in (
        researcher
    )
    assert "RESEARCHER" in researcher and "RESEARCHER" not in expert
    assert "Dear expert" in expert  # anonymous: no name in the greeting
    assert "Clara Moss" not in expert and "clara" not in Path(clara["path"]).name
    assert "Please reply by 1 May 2030" in expert
    assert "taken as approved" in expert or "take the quotes as approved" in expert


def test_packet_letter_follows_the_silence_setting(study: Project, tmp_path: Path) -> None:
    study.set_setting("silence_as_consent", "false")
    made = make_packets(study, tmp_path / "out", DUE, fmt="md", today=TODAY,
                        participant="Asta Brinkmann")  # fmt: skip
    text = Path(made[0]["path"]).read_text(encoding="utf-8")
    assert "Svar venligst senest 1. maj 2030" in text
    assert "bruger vi ikke citaterne" in text
    assert "Udkast 0" in text  # the draft paragraph is there ...
    assert "Clara Moss" not in text and CLARA not in text  # ... scrubbed of the other expert


def test_make_writes_nothing_when_it_fails(study: Project, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import qualcode.packets.make as packets_mod

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(packets_mod.quotes_mod, "mark_sent", boom)
    before = _state(study)
    with pytest.raises(RuntimeError):
        make_packets(study, tmp_path / "out", DUE, today=TODAY)
    assert _state(study) == before
    assert list((tmp_path / "out").rglob("*.docx")) == []


# --- isolation, as a property over random projects -----------------------------------------

_word = st.text(alphabet="abcdefghijklmnoprstuvyæøå", min_size=3, max_size=8)


@st.composite
def random_study(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(min_value=2, max_value=4))
    people = []
    for i in range(n):
        words = draw(st.lists(_word, min_size=4, max_size=10))
        turns = [
            " ".join([f"mærke{i}x nr{k}", *draw(st.permutations(words))[:5], f"slut{i}x."])
            for k in range(draw(st.integers(min_value=1, max_value=3)))
        ]
        people.append(PersonSpec(
            # The surname carries the marker too: the consent engine redacts another
            # participant's name part in any case, so a random turn word must not be one.
            name=f"Navn{i}q {draw(_word).title()}q",
            title=f"titel{i}q",
            organisation=f"Org{i}q {draw(_word)}",
            consent=draw(st.sampled_from(["named", "role_only", "anonymous"])),
            language=draw(st.sampled_from(["da", "en"])),
            turns=turns,
        ))  # fmt: skip
    double = draw(st.booleans())
    fmt = draw(st.sampled_from(["docx", "md", "html"]))
    return people, double, fmt


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=random_study())
def test_no_packet_contains_anything_of_another_participant(tmp_path_factory, spec) -> None:  # type: ignore[no-untyped-def]
    people, double, fmt = spec
    base = tmp_path_factory.mktemp("iso")
    project = open_project(base / "p.qualcode", create=True)
    try:
        add_codes(project)
        if double:  # the first two share one document, as in a double interview
            add_interview(project, "Dobbelt", people[:2])
            rest = people[2:]
        else:
            rest = people
        for i, person in enumerate(rest):
            add_interview(project, f"Interview {i}", [person])
        with project.session() as s:
            from sqlmodel import select

            from qualcode.models import Participant
            from qualcode.participants import attribution

            rows = {p.name: p for p in s.exec(select(Participant))}
            attributions = {name: attribution(p, "da") for name, p in rows.items()}
        for person in people:
            others = [o for o in people if o is not person]
            for turn in person.turns:
                draft = "Udkast: " + "; ".join(
                    f"{o.name} ({attributions[o.name]}) sagde »{o.turns[0]}«, og "
                    f"{o.name.split()[0]} mente det samme"
                    for o in others
                )
                doc = "Dobbelt" if double and person in people[:2] else (
                    f"Interview {rest.index(person)}")  # fmt: skip
                quotes.add_quote_by_match(project, doc, turn, "1.1", "ida",
                                          draft_paragraph=draft)  # fmt: skip
        made = make_packets(project, base / "out", DUE, fmt=fmt, today=TODAY)
        assert len(made) == len(people)
        for packet in made:
            me = next(p for p in people if p.name == packet["participant"])
            others = [o for o in people if o is not me]
            path = Path(packet["path"])
            content = docx_text(path) if fmt == "docx" else path.read_text(encoding="utf-8")
            content = content.casefold()
            for o in others:
                i = people.index(o)
                for needle in (o.name, o.title, o.organisation, f"mærke{i}x", f"slut{i}x",
                               *o.turns):  # fmt: skip
                    assert needle.casefold() not in content, (needle, path.name)
                    assert needle.casefold() not in path.name.casefold()
                first_name = o.name.split()[0].casefold()
                assert first_name not in content and first_name not in path.name.casefold()
            # and the recipient's own quotes are all there
            for turn in me.turns:
                assert turn.casefold() in content.replace("&#39;", "'")
    finally:
        project.close()
        shutil.rmtree(base, ignore_errors=True)


def _drop_part(path: Path, out: Path, name: str, replace: tuple[str, str] | None = None) -> None:
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == name:  # the properties emptied, as some editors do
                data = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/'
                        b'2006/custom-properties"/>')  # fmt: skip
            if replace and item.filename == "word/document.xml":
                data = data.replace(replace[0].encode(), replace[1].encode())
            zout.writestr(item, data)


def test_the_visible_reference_is_a_fallback_for_lost_properties(
    study: Project, tmp_path: Path
) -> None:
    packet = _asta_packet(study, tmp_path / "out")
    filled = tmp_path / "svar.docx"
    fill_docx(Path(packet["path"]), [("ja", "", ""), ("", "", ""), ("", "", ""), ("", "", "")],
              filled)  # fmt: skip
    stripped = tmp_path / "stripped.docx"
    _drop_part(filled, stripped, "docProps/custom.xml")
    r = read_packets(study, [stripped])[0]
    assert [x["status"] for x in r["recorded"]] == ["approved"]
    # without properties and without the reference line it is not a packet any more
    bare = tmp_path / "bare.docx"
    _drop_part(filled, bare, "docProps/custom.xml", ("Pakke-reference", "Reference"))
    with pytest.raises(PacketError, match="not a qualcode packet"):
        read_packets(study, [bare])


def test_a_quote_changed_while_packets_are_rendered(
    study: Project, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The files are built without the write lock; a change meanwhile cancels the lot."""
    import qualcode.packets.make as packets_mod
    from qualcode.errors import ConflictError

    real_render = packets_mod.render
    calls = []

    def render_and_interfere(content, fmt):  # type: ignore[no-untyped-def]
        if not calls:
            quotes.edit_quote(study, content.quotes[0].quote_id, "mads", wording="Ny ordlyd.")
        calls.append(fmt)
        return real_render(content, fmt)

    monkeypatch.setattr(packets_mod, "render", render_and_interfere)
    with pytest.raises(ConflictError, match="changed while the packets were made"):
        make_packets(study, tmp_path / "out", DUE, today=TODAY)
    assert {q["status"] for q in quotes.list_quotes(study)} == {"candidate"}
    assert list((tmp_path / "out").rglob("*.docx")) == []
