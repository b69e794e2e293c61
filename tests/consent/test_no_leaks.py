"""Every export of the fictional study, scanned for every identifier consent forbids."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from tests.consent.study import (
    MEMO,
    PASSAGES,
    PEOPLE,
    Person,
    Runner,
    leaks,
    protected,
    write_sources,
)

CODEBOOK = Path(__file__).resolve().parents[2] / "codebooks" / "kraeftplan.toml"
SYNTHESIS_FORMATS = ("md", "html", "docx", "json")
PACKET_FORMATS = ("docx", "html", "md")


def _ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def exports(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, list[tuple[Path, Person | None]]]:
    """Build the study with the CLI and write every export; (file, packet addressee)."""
    from qualcode.cli import main

    root = tmp_path_factory.mktemp("study")
    project = root / "study.qualcode"

    def cli(*args: str) -> tuple[int, str, str]:
        import contextlib
        import io

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--project", str(project), *args])
        return code, out.getvalue(), err.getvalue()

    run: Runner = cli
    sources = write_sources(root / "in")
    _ok(run("init", str(project), "--name", "Studie om Henrik Frandsen"))
    _ok(run("codebook", "load", str(CODEBOOK)))
    _ok(run("participants", "import", str(root / "in" / "participants.csv")))
    for path in sources:
        from tests.consent.study import INTERVIEWS

        speaker = INTERVIEWS[path.name][0]
        _ok(run("import", str(path), "--kind", "interview", "--participant", speaker))
    for doc, code, passage in PASSAGES:
        _ok(run("code", doc, "--code", code, "--match", passage, "--coder", "ida", "--memo", MEMO))
        _ok(run("quotes", "add", doc, "--match", passage, "--code", code, "--coder", "ida"))
    out: dict[str, list[tuple[Path, Person | None]]] = {}
    for fmt in SYNTHESIS_FORMATS:
        target = root / f"draft.{fmt}"
        _ok(run("synthesis", "--format", fmt, "--out", str(target)))
        out[f"synthesis-draft-{fmt}"] = [(target, None)]
    for fmt in PACKET_FORMATS:
        folder = root / f"packets-{fmt}"
        folder.mkdir()
        rows = json.loads(
            _ok(
                run(
                    "packets",
                    "make",
                    "--out",
                    str(folder),
                    "--due",
                    "2031-05-01",
                    "--format",
                    fmt,
                    "--resend",
                    "--json",
                )
            )  # fmt: skip
        )
        files: list[tuple[Path, Person | None]] = []
        for row in rows:
            name = unicodedata.normalize("NFC", row["participant"])
            person = next(p for p in PEOPLE if p.name == name)
            paths = [Path(row["path"])]
            if row.get("researcher_copy"):
                paths.append(Path(row["researcher_copy"]))
            files += [(path, person) for path in paths if path.exists()]
        # Every file written, whoever it is for (researcher copies included).
        named_by_path = {path.resolve(): person for path, person in files}
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.resolve() not in named_by_path:
                files.append((path, None))
        out[f"packets-{fmt}"] = files
    listed = json.loads(_ok(run("quotes", "list", "--json")))
    quotes = listed if isinstance(listed, list) else listed.get("quotes", [])
    for q in quotes:
        _ok(run("quotes", "respond", str(q["id"]), "--approve", "--coder", "ida"))
    for fmt in SYNTHESIS_FORMATS:
        target = root / f"final.{fmt}"
        _ok(run("synthesis", "--format", fmt, "--out", str(target), "--final"))
        out[f"synthesis-final-{fmt}"] = [(target, None)]
    for fmt in ("qdpx", "csv", "xlsx"):
        target = root / f"export.{fmt}"
        _ok(run("export", fmt, str(target)))
        out[f"export-{fmt}"] = [(target, None)]
    # The CLI wrote export.csv through the light path (sqlite3 alone); the same export
    # through the ORM session is scanned too.
    from qualcode.db import open_project
    from qualcode.exchange import export_csv
    from qualcode.store.light import open_light

    light = open_light(project)
    assert light is not None  # so `export csv` above took the light path
    light.close()
    opened = open_project(project)
    target = root / "export-full-path.csv"
    export_csv(opened, target)
    opened.close()
    out["export-csv-full-path"] = [(target, None)]
    target = root / "export-nvivo.qdpx"
    _ok(run("export", "qdpx", str(target), "--for", "nvivo"))
    out["export-qdpx-nvivo"] = [(target, None)]
    target = root / "codebook.qdc"
    _ok(run("codebook", "export", "--format", "qdc", "--out", str(target)))
    out["codebook-qdc"] = [(target, None)]
    return out


CASES = [f"synthesis-{k}-{f}" for k in ("draft", "final") for f in SYNTHESIS_FORMATS]
CASES += [f"packets-{f}" for f in PACKET_FORMATS] + ["codebook-qdc"]
EXCHANGE_CASES = [f"export-{f}" for f in ("qdpx", "csv", "xlsx", "qdpx-nvivo", "csv-full-path")]


def scan(files: list[tuple[Path, Person | None]]) -> list[str]:
    found: list[str] = []
    for path, addressee in files:
        people = tuple(p for p in protected() if p is not addressee)
        found += leaks(path, people)
    return found


@pytest.mark.parametrize("case", CASES + EXCHANGE_CASES)
def test_no_forbidden_identifier_leaves_the_project(
    exports: dict[str, list[tuple[Path, Person | None]]], case: str
) -> None:
    files = exports[case]
    assert files, f"{case}: nothing was written"
    found = scan(files)
    assert not found, f"{len(found)} leak(s) in {case}:\n" + "\n".join(found[:40])


def test_the_scanner_sees_what_it_should(tmp_path: Path) -> None:
    """The scan itself catches each form (so a green scan means something)."""
    from tests.consent.study import NBSP, SHY, nfd

    samples = [
        "Tak, Henrik", "FRANDSEN", f"Fran{SHY}dsen", nfd("Søgaard"), "Anne-Mette",
        f"Kommunal{NBSP}Hjemmepleje  Øst", "Bo sagde", "ANDERS", "h.frandsen@vestby-sygehus.dk",
    ]  # fmt: skip
    for i, sample in enumerate(samples):
        path = tmp_path / f"s{i}.txt"
        path.write_text(sample, encoding="utf-8")
        assert leaks(path, protected()), sample
    clean = tmp_path / "clean.txt"
    clean.write_text("det er anders end før; de bor her; held og lykke", encoding="utf-8")
    assert leaks(clean, protected()) == []
