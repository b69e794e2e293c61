"""Participants CSV import, listing, attribution by consent, speaker linking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qualcode_testutil import file_digest

from qualcode.models import Participant
from qualcode.participants import attribution, link_speaker

HEADER = "name,title,organisation,expertise,consent,email,language\n"


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "p.csv") -> Path:
    f = tmp_path / name
    f.write_bytes(text.encode(encoding))
    return f


@pytest.fixture
def initialised(cli, project_path):  # type: ignore[no-untyped-def]
    assert cli("init", str(project_path), project=None)[0] == 0
    return project_path


@pytest.mark.parametrize(("sep", "encoding"), [(",", "utf-8"), (";", "cp1252"), (";", "utf-8-sig")])
def test_import_separators_and_encodings(cli, initialised, tmp_path, sep, encoding):  # type: ignore[no-untyped-def]
    text = (HEADER + "Søren Ærø,overlæge,Åby Sygehus,palliation,named,s@x.example,da\n").replace(
        ",", sep
    )
    code, _out, err = cli("participants", "import", str(write(tmp_path, text, encoding)))
    assert code == 0, err
    code, out, _ = cli("participants", "list", "--json")
    [person] = json.loads(out)
    assert person["name"] == "Søren Ærø"
    assert person["organisation"] == "Åby Sygehus"
    assert person["consent"] == "named"
    assert person["pseudonym"] == f"Ekspert {person['id']}"


def test_missing_required_column_is_named(cli, initialised, tmp_path):  # type: ignore[no-untyped-def]
    before = file_digest(initialised)
    f = write(tmp_path, "name,title,organisation,consent\nA,b,c,named\n")
    code, _out, err = cli("participants", "import", str(f))
    assert code == 1
    assert "missing required column: expertise" in err
    assert file_digest(initialised) == before


def test_bad_consent_names_the_line(cli, initialised, tmp_path):  # type: ignore[no-untyped-def]
    f = write(tmp_path, HEADER + "A,b,c,d,named,,da\nB,b,c,d,maybe,,da\n")
    code, _out, err = cli("participants", "import", str(f))
    assert code == 1
    assert "line 3" in err and "'maybe'" in err
    code, out, _ = cli("participants", "list", "--json")
    assert json.loads(out) == []


def test_reimport_updates_instead_of_duplicating(cli, initialised, tmp_path):  # type: ignore[no-untyped-def]
    cli("participants", "import", str(write(tmp_path, HEADER + "Anna Berg,læge,X,y,named,,da\n")))
    f2 = write(tmp_path, HEADER + "anna  berg,overlæge,X,y,role_only,,da\n", name="q.csv")
    code, out, _ = cli("participants", "import", str(f2), "--json")
    assert json.loads(out) == {"created": [], "updated": ["Anna Berg"]}
    code, out, _ = cli("participants", "list", "--json")
    [person] = json.loads(out)
    assert person["title"] == "overlæge" and person["consent"] == "role_only"


@pytest.mark.parametrize(
    ("consent", "expected", "absent"),
    [
        ("named", "Anna Berg, overlæge, Åby Sygehus", None),
        ("role_only", "overlæge, Åby Sygehus", "Anna"),
        ("anonymous", "Ekspert 3", "Anna"),
    ],
)
def test_attribution_follows_consent(consent, expected, absent):  # type: ignore[no-untyped-def]
    p = Participant(
        id=3, name="Anna Berg", title="overlæge", organisation="Åby Sygehus", consent=consent,
        pseudonym="Ekspert 3",
    )
    assert attribution(p) == expected
    if absent:
        assert absent not in attribution(p) and absent not in attribution(p, "en")
    if consent == "anonymous":
        assert attribution(p, "en") == "Expert 3"


def test_speaker_linking_exact_fuzzy_interviewer_and_none():  # type: ignore[no-untyped-def]
    people = [Participant(id=1, name="Birgitte Holmgaard"), Participant(id=2, name="Jens Kjær")]
    assert link_speaker("birgitte  HOLMGAARD", people).method == "exact"
    fuzzy = link_speaker("Birgite Holmgard", people)
    assert fuzzy.method == "fuzzy" and fuzzy.participant is people[0]
    assert link_speaker("Interviewer", people).participant is None
    assert link_speaker("I", people).method == "interviewer"
    assert link_speaker("Karl Smith", people).method == "none"
    assert link_speaker("Respondent", people, sole_participant=people[1]).participant is people[1]
