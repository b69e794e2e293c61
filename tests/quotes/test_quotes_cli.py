"""The quote lifecycle through the CLI: add, edit, packets, answers, sweep, history."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from qualcode import quotes
from qualcode.db import Project
from qualcode.errors import ConflictError, QuoteError
from tests.quotes.helpers import PersonSpec, add_codes, add_interview

ASTA = "Vi måler ikke det samme i de fem regioner, og derfor kan ingen sammenligne os."
ASTA2 = "Henvisningerne bliver sendt retur, fordi ingen ejer patienten."
ASTA3 = "Jeg har set 30 procent flere returneringer siden sidste år."
BO = "Hjemmebehandling er godt for dem, der klarer sig selv i forvejen."


@pytest.fixture
def study(project: Project) -> Project:
    add_codes(project)
    add_interview(
        project,
        "Interview med Asta Brinkmann",
        [PersonSpec("Asta Brinkmann", "overlæge", "Sygehus Nordby", turns=[ASTA, ASTA2, ASTA3])],
    )
    add_interview(
        project,
        "Interview med Bo Vestergaard",
        [
            PersonSpec(
                "Bo Vestergaard", "formand", "Foreningen Fremad", consent="anonymous", turns=[BO]
            )
        ],  # fmt: skip
    )
    project.set_setting("silence_as_consent", "true")
    return project


def run_json(cli, *args: str):  # type: ignore[no-untyped-def]
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_whole_lifecycle(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    light = "Vi måler ikke det samme i regionerne, så ingen kan sammenligne os."
    q1 = run_json(cli, "quotes", "add", "Interview med Asta", "--match", ASTA, "--code", "1.1",
                  "--wording", light)  # fmt: skip
    assert q1["status"] == "candidate"
    assert q1["participant"] == "Asta Brinkmann"
    assert q1["attribution"] == "Asta Brinkmann, overlæge, Sygehus Nordby"
    assert q1["area"] == "1" and q1["code"] == "1.1"
    assert q1["source_text"] == ASTA
    assert {f["token"] for f in q1["fidelity"]["wording"]["flags"]} == {"fem"}
    q2 = run_json(cli, "quotes", "add", "1", "--match", ASTA2, "--code", "1")
    q3 = run_json(cli, "quotes", "add", "1", "--match", ASTA3)
    qb = run_json(cli, "quotes", "add", "2", "--match", BO, "--code", "ulighed")
    assert qb["attribution"] == "Ekspert 2"

    # wording edits are events too, with the fidelity check redone
    edited = run_json(cli, "quotes", "edit", str(q3["id"]), "--wording",
                      "Jeg har set 20 procent flere returneringer siden sidste år.")  # fmt: skip
    assert [f["token"] for f in edited["fidelity"]["wording"]["flags"]] == ["20", "30"]
    assert edited["events"][-1]["note"].startswith("wording edited")

    out_dir = tmp_path / "packets"
    made = run_json(cli, "packets", "make", "--out", str(out_dir), "--due", "2030-05-01",
                    "--format", "md")  # fmt: skip
    assert sorted(len(p["quotes"]) for p in made) == [1, 3]
    for p in made:
        data = Path(p["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == p["sha256"]
    listed = run_json(cli, "quotes", "list", "--status", "sent")
    assert {q["id"] for q in listed} == {q1["id"], q2["id"], q3["id"], qb["id"]}
    assert all(q["due_date"] == "2030-05-01" for q in listed)

    # answers by mail or phone
    code, out, err = cli("quotes", "respond", str(q1["id"]), "--approve", "--note", "phone")
    assert code == 0, err
    revised = "Henvisningerne sendes ikke retur, fordi ingen ejer patienten."
    code, out, err = cli("quotes", "respond", f"Q{q2['id']}", "--revise", revised)
    assert code == 0
    assert "negation 'ikke' added" in err  # the researcher sees the flag
    code, _, _ = cli("quotes", "respond", str(q3["id"]), "--reject", "--note", "too sharp")
    assert code == 0
    # a second answer to an answered quote is refused, and changes nothing
    code, _, err = cli("quotes", "respond", str(q1["id"]), "--reject")
    assert code == 1 and "already answered" in err

    # the sweep leaves answered quotes alone and turns the silent one into deemed_accepted
    swept = run_json(cli, "quotes", "sweep", "--today", "2030-05-02")
    assert swept["deemed_accepted"] == [qb["id"]]
    code, _, _ = cli("quotes", "withdraw", str(q3["id"]), "--note", "not needed")
    assert code == 0

    rows = {q["id"]: q for q in run_json(cli, "quotes", "list")}
    assert rows[q1["id"]]["status"] == "approved"
    assert rows[q1["id"]]["approved_wording"] == q1["wording"]
    r2 = rows[q2["id"]]
    assert r2["status"] == "approved_with_changes"
    assert r2["wording"] != r2["approved_wording"]  # both wordings are kept
    assert r2["fidelity"]["approved_wording"]["flags"][0]["token"] == "ikke"
    assert [(e["from"], e["to"]) for e in rows[q3["id"]]["events"]] == [
        (None, "candidate"), ("candidate", "candidate"), ("candidate", "sent"),
        ("sent", "rejected"), ("rejected", "withdrawn"),
    ]  # fmt: skip
    assert rows[q3["id"]]["events"][3]["note"] == "too sharp"
    assert rows[qb["id"]]["status"] == "deemed_accepted"
    assert all(e["who"] == "tester" for e in rows[q3["id"]]["events"])
    # the human listing works and shows attribution, not the anonymous expert's name
    code, out, _ = cli("quotes", "list")
    assert code == 0 and "Ekspert 2" in out and "Bo Vestergaard" not in out


def test_a_span_across_two_speakers_is_an_error(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with study.session() as s:
        from qualcode.models import Document

        doc = s.get(Document, 1)
        start = doc.text.index(ASTA[-20:])
        end = doc.text.index(ASTA2[:20]) + 20
    code, _, err = cli("quotes", "add", "1", "--start", str(start), "--end", str(end))
    assert code == 1
    assert "more than one speaker" in err
    code, _, err = cli("quotes", "add", "1", "--match", "Spørgsmål nummer 2?")
    assert code == 1 and "not a registered participant" in err
    assert quotes.list_quotes(study) == []


def _sent_quote(study: Project, out_dir: Path, due: str = "2030-05-01") -> int:
    import datetime as dt

    from qualcode.packets import make_packets

    q = quotes.add_quote_by_match(study, 1, ASTA, "1.1", "ida")
    make_packets(study, out_dir, dt.date.fromisoformat(due), fmt="md",
                 today=dt.date(2030, 1, 1))  # fmt: skip
    return q["id"]


@pytest.mark.parametrize(
    ("today", "status"),
    [("2030-04-30", "sent"), ("2030-05-01", "sent"), ("2030-05-02", "deemed_accepted")],
)
def test_sweep_before_at_and_after_the_due_date(
    cli, study: Project, today: str, status: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    qid = _sent_quote(study, tmp_path)
    result = run_json(cli, "quotes", "sweep", "--today", today)
    q = quotes.get_quote(study, qid)
    assert q["status"] == status
    assert result["deemed_accepted"] == ([qid] if status == "deemed_accepted" else [])
    if status == "deemed_accepted":
        assert q["events"][-1]["from"] == "sent"
        assert "silence counts as consent" in q["events"][-1]["note"]
        assert q["final_wording"] == q["wording"]
        # a second sweep finds nothing more
        assert run_json(cli, "quotes", "sweep", "--today", today)["deemed_accepted"] == []


def test_sweep_without_silence_as_consent_only_reports(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    study.set_setting("silence_as_consent", "false")
    qid = _sent_quote(study, tmp_path)
    result = run_json(cli, "quotes", "sweep", "--today", "2030-06-01")
    assert result == {"today": "2030-06-01", "silence_as_consent": False,
                      "deemed_accepted": [], "overdue": [qid]}  # fmt: skip
    assert quotes.get_quote(study, qid)["status"] == "sent"
    import datetime as dt

    assert [q["id"] for q in quotes.overdue_quotes(study, dt.date(2030, 6, 1))] == [qid]


def test_a_late_answer_overrides_deemed_acceptance(study: Project, tmp_path: Path) -> None:
    import datetime as dt

    qid = _sent_quote(study, tmp_path)
    quotes.sweep(study, dt.date(2030, 5, 2))
    q = quotes.respond(study, qid, "reject", "ida", note="came back from leave")
    assert q["status"] == "rejected"


def test_two_people_answering_the_same_quote(study: Project, tmp_path: Path) -> None:
    qid = _sent_quote(study, tmp_path)
    seen_by_a = quotes.get_quote(study, qid)["version"]
    seen_by_b = quotes.get_quote(study, qid)["version"]
    quotes.respond(study, qid, "approve", "ida", expected_version=seen_by_a)
    with pytest.raises(ConflictError):
        quotes.respond(study, qid, "reject", "mads", expected_version=seen_by_b)
    with pytest.raises(ConflictError):  # without a version: already answered
        quotes.respond(study, qid, "reject", "mads")
    q = quotes.get_quote(study, qid)
    assert q["status"] == "approved"
    assert [e["who"] for e in q["events"]][-1] == "ida"


def test_rules_of_the_state_machine(study: Project, tmp_path: Path) -> None:
    q = quotes.add_quote_by_match(study, 1, ASTA, "1.1", "ida")
    with pytest.raises(QuoteError):
        quotes.add_quote_by_match(study, 1, ASTA, "1.1", "ida")  # the same quote twice
    quotes.withdraw(study, q["id"], "ida")
    with pytest.raises(QuoteError):
        quotes.respond(study, q["id"], "approve", "ida")
    with pytest.raises(QuoteError):
        quotes.edit_quote(study, q["id"], "ida", wording="Ny tekst")
    with pytest.raises(QuoteError):
        quotes.respond(study, q["id"], "revise", "ida", text="")


def test_usage_errors(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    q = quotes.add_quote_by_match(study, 1, ASTA, "1.1", "ida")
    code, _, err = cli("quotes", "respond", str(q["id"]), "--approve", "--reject")
    assert code == 1 and "exactly one answer" in err
    code, _, err = cli("quotes", "sweep", "--today", "tomorrow")
    assert code == 1 and "YYYY-MM-DD" in err
    code, _, err = cli("quotes", "respond", "999", "--approve")
    assert code == 1 and "no quote" in err
    code, _, err = cli("packets", "make", "--out", "x", "--due", "2001-01-01")
    assert code == 1 and "in the past" in err


def test_quote_a_coded_passage(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from qualcode.coding import code_match

    coding = code_match(study, 1, ASTA2, "1.1", "ida")
    q = run_json(cli, "quotes", "add", "--coding", str(coding["id"]))
    assert (q["code"], q["source_text"]) == ("1.1", ASTA2)
    code, _, err = cli("quotes", "add", "1", "--coding", str(coding["id"]))
    assert code == 1 and "--coding" in err
    code, _, err = cli("quotes", "add", "--coding", "999")
    assert code == 1 and "no coding 999" in err


def test_edit_the_code_of_a_quote(cli, study: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    q = quotes.add_quote_by_match(study, 1, ASTA2, None, "ida")
    assert q["code"] is None
    edited = run_json(cli, "quotes", "edit", str(q["id"]), "--code", "1.1")
    assert edited["code"] == "1.1" and edited["area"] == "1"
    assert edited["events"][-1]["note"] == "code set to 1.1"
    code, _, err = cli("quotes", "edit", str(q["id"]), "--code", "nope")
    assert code == 1
