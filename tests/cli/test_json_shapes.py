"""The `--json` shapes are typed, documented, and what the commands print.

Each entry of ``SHAPES`` names a command, the ``TypedDict`` it prints (one item of a list)
and how to run it on the demo project. docs/cli.md marks the command's JSON example with
``<!-- json-shape: NAME -->``; the keys of that example, of the ``TypedDict`` and of the real
output must be the same sets, so a key added to one and not the others fails here. Every
command with a ``--json`` option is in ``SHAPES`` or in ``NOT_CHECKED`` with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest
import typer.main

from qualcode.agreement.report import AgreementDict
from qualcode.audit import LogEntry
from qualcode.bulk import BulkResult
from qualcode.cli import app
from qualcode.code_report import CodeReportDict
from qualcode.codebook import BundledCodebookDict, CodebookLoadDict, CodeNode
from qualcode.codebook_edit import AddedCode, DeletedCode, MergedCodes
from qualcode.coding import CodingRow
from qualcode.document_text import DocumentView, EditedDocument, TextEditDict
from qualcode.documents import DeletedDocument, DocumentSummary, LinkedSpeaker, SpeakerRow
from qualcode.exchange.exporters import (
    QdcExported,
    QdpxExported,
    TableExported,
    export_formats,
)
from qualcode.exchange.summary import ImportDict
from qualcode.history import StepDict
from qualcode.importing import ImportOutcomeDict
from qualcode.memos import MemoDict
from qualcode.nlp.store import AnnotatedDict
from qualcode.packets import MadePacket, PacketReport, PacketRow
from qualcode.participants import ParticipantRow, ParticipantsImportDict
from qualcode.quotes import QuoteEventRow, QuoteRow, SweepResult
from qualcode.search_rows import CodedSearchDict
from qualcode.settings import SettingChanged, SettingDict
from qualcode.store.copying import BackupDict, CopyDict
from qualcode.suggest.shapes import (
    AcceptedSuggestion,
    EvaluationDict,
    RejectedSuggestion,
    SuggestRunDict,
)
from qualcode.synthesis import SynthesisExportDict
from qualcode.visibility import BlindStatusDict

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
ELIDED = "…"  # a documented object {"…": "…"} stands for one the docs leave out
MARK = re.compile(r"<!-- json-shape: (?P<name>[^>]+?) -->\n```json\n(?P<body>.*?)\n```", re.S)
# In a command's arguments, {dir} is the folder of the test's demo project.
DUE = "2099-01-01"
PACKETS = ["packets", "make", "--out", "{dir}/out", "--due", DUE]
SUGGEST = ["suggest", "--document", "1"]

# name -> (shape of one item, the command's arguments after --project, commands run first)
SHAPES: dict[str, tuple[Any, list[str], list[list[str]]]] = {
    "import": (ImportOutcomeDict, ["import", "{dir}/ny.txt"], []),
    "import qdpx": (ImportDict, ["import", "{dir}/x.qdpx"], [["export", "qdpx", "{dir}/x.qdpx"]]),
    "documents list": (DocumentSummary, ["documents", "list"], []),
    "documents show": (DocumentView, ["documents", "show", "1"], []),
    "documents edit": (EditedDocument, ["documents", "edit", "1", "--title", "Ny titel"], []),
    "documents speakers": (SpeakerRow, ["documents", "speakers", "1"], []),
    "documents link-speaker": (
        LinkedSpeaker,
        ["documents", "link-speaker", "1", "Birgitte Holmgaard", "Birgitte Holmgaard"],
        [],
    ),
    "documents delete": (DeletedDocument, ["documents", "delete", "2", "--dry-run"], []),
    "participants import": (ParticipantsImportDict, ["participants", "import", "{dir}/p.csv"], []),
    "participants list": (ParticipantRow, ["participants", "list"], []),
    "codebook load": (CodebookLoadDict, ["codebook", "load", "kraeftplan"], []),
    "codebook load --list": (BundledCodebookDict, ["codebook", "load", "--list"], []),
    "codebook show": (CodeNode, ["codebook", "show"], []),
    "codebook add": (AddedCode, ["codebook", "add", "1.9", "Ny kode", "--parent", "1"], []),
    "codebook merge": (MergedCodes, ["codebook", "merge", "1.1", "1.2", "--coder", "ida"], []),
    "codebook delete": (
        DeletedCode,
        ["codebook", "delete", "1.1", "--force", "--coder", "ida"],
        [],
    ),
    "code": (CodingRow, ["code", "1", "--start", "0", "--end", "9", "--code", "1"], []),
    "code --from": (BulkResult, ["code", "--from", "{dir}/codings.csv"], []),
    "quotes add --from": (BulkResult, ["quotes", "add", "--from", "{quotes_csv}"], []),
    "codings list": (CodingRow, ["codings", "list"], []),
    "codings report": (CodeReportDict, ["codings", "report", "--code", "1"], []),
    "codings edit": (CodingRow, ["codings", "edit", "1", "--memo", "ny note"], []),
    "codings delete": (CodingRow, ["codings", "delete", "1", "--coder", "ida"], []),
    "undo": (StepDict, ["undo", "--coder", "ida"], [["codings", "delete", "1", "--coder", "ida"]]),
    "redo": (
        StepDict,
        ["redo", "--coder", "ida"],
        [["codings", "delete", "1", "--coder", "ida"], ["undo", "--coder", "ida"]],
    ),
    "memo show": (
        MemoDict,
        ["memo", "show", "code", "1"],
        [["memo", "set", "code", "1", "--text", "Et notat."]],
    ),
    "settings show": (SettingDict, ["settings", "show"], []),
    "settings set": (SettingChanged, ["settings", "set", "silence_as_consent", "true"], []),
    "quotes list": (QuoteRow, ["quotes", "list"], []),
    "quotes add": (QuoteRow, ["quotes", "add", "--coding", "{spoken}"], []),
    "quotes edit": (QuoteRow, ["quotes", "edit", "1", "--draft", "Et udkast."], []),
    "quotes respond": (QuoteRow, ["quotes", "respond", "1", "--approve"], []),
    "quotes withdraw": (QuoteRow, ["quotes", "withdraw", "1"], []),
    "quotes sweep": (SweepResult, ["quotes", "sweep"], []),
    "packets make": (MadePacket, PACKETS, []),
    "packets list": (PacketRow, ["packets", "list"], [PACKETS]),
    "packets read": (PacketReport, ["packets", "read", "{packet}"], [PACKETS]),
    "search": (CodedSearchDict, ["search", "henvisning", "--limit", "3"], []),
    "agreement": (AgreementDict, ["agreement", "ida", "mads"], []),
    "agreement --by-code": (AgreementDict, ["agreement", "ida", "mads", "--by-code"], []),
    "annotate": (AnnotatedDict, ["annotate"], []),
    "log": (LogEntry, ["log", "--limit", "5"], []),
    "backup": (BackupDict, ["backup", "{dir}/backup.qualcode"], []),
    "copy": (CopyDict, ["copy", "{dir}/copy.qualcode"], []),
    "blind status": (BlindStatusDict, ["blind", "status"], []),
    "export qdpx": (QdpxExported, ["export", "qdpx", "{dir}/out.qdpx"], []),
    "export qdc": (QdcExported, ["export", "qdc", "{dir}/out.qdc"], []),
    "export csv": (TableExported, ["export", "csv", "{dir}/out.csv"], []),
    "export xlsx": (TableExported, ["export", "xlsx", "{dir}/out.xlsx"], []),
    "synthesis": (SynthesisExportDict, ["synthesis", "--out", "{dir}/syntese.md"], []),
    "suggest": (SuggestRunDict, SUGGEST, []),
    "suggest --train": (SuggestRunDict, [*SUGGEST, "--train", "--iterations", "2"], []),
    "suggest --evaluate": (
        EvaluationDict,
        ["suggest", "--evaluate", "--folds", "2", "--iterations", "1"],
        [],
    ),
    "suggest --accept": (AcceptedSuggestion, ["suggest", "--accept", "1"], [SUGGEST]),
    "suggest --reject": (RejectedSuggestion, ["suggest", "--reject", "1"], [SUGGEST]),
}
# Shapes checked on one field of the command's (first) output: a REFI-QDA import's
# `details` (an ImportDict; a text file's are empty, a .qdc's a QdcLoadDict).
PART = {"import qdpx": "details"}
# Commands with a --json option whose output is not checked here, and why.
NOT_CHECKED: dict[str, str] = {}
NESTED = {(QuoteRow, "events"): QuoteEventRow, (EditedDocument, "text"): TextEditDict}
# Commands whose docs say "as in ...": they print the shape documented there.
SAME_AS = {
    "code": "codings list",
    "codings edit": "codings list",
    "codings delete": "codings list",
    "redo": "undo",
    "agreement --by-code": "agreement",
    "quotes add": "quotes list",
    "quotes edit": "quotes list",
    "quotes respond": "quotes list",
    "quotes withdraw": "quotes list",
    "quotes add --from": "code --from",
    "export xlsx": "export csv",
    "suggest --train": "suggest",
}


def _documented() -> dict[str, Any]:
    return {m["name"]: json.loads(m["body"]) for m in MARK.finditer(DOC.read_text("utf-8"))}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _keys(shape: Any) -> tuple[set[str], set[str]]:
    """The keys an object of ``shape`` must have, and those it may have."""
    assert is_typeddict(shape), shape
    return set(shape.__required_keys__), set(get_type_hints(shape))


def _inner(shape: Any, key: str, hint: Any) -> tuple[Any, bool] | None:
    """The TypedDict a field holds (one, a list of them, or None), and whether it holds a
    mapping of them (``dict[str, TD]`` or ``dict[str, list[TD]]``); None for other fields."""
    if (shape, key) in NESTED:
        return NESTED[(shape, key)], False
    if get_origin(hint) in (Union, UnionType):
        inner = [_inner(shape, key, arg) for arg in get_args(hint) if arg is not type(None)]
        return inner[0] if len(inner) == 1 else None
    if get_origin(hint) is list and is_typeddict(get_args(hint)[0]):
        return get_args(hint)[0], False
    if get_origin(hint) is dict:
        value = _inner(shape, key, get_args(hint)[1])  # each value is one, or a list of them
        return (value[0], True) if value is not None else None
    return (hint, False) if is_typeddict(hint) else None


def _check(shape: Any, example: Any, where: str) -> None:
    item = _first(example)
    assert isinstance(item, dict), f"{where}: not an object"
    if set(item) == {ELIDED}:
        return  # the docs left this one out on purpose: {"…": "same shape"}
    required, allowed = _keys(shape)
    assert required <= set(item) <= allowed, (
        f"{where}: keys differ from {shape.__name__}: "
        f"only there {sorted(set(item) - allowed)}, missing {sorted(required - set(item))}"
    )
    for key, hint in get_type_hints(shape).items():
        inner = _inner(shape, key, hint)
        if inner is None or not item.get(key):
            continue
        nested, mapping = inner
        for name, value in item[key].items() if mapping else [("", item[key])]:
            if value:  # an empty list or a null says nothing about the keys
                _check(nested, value, f"{where}.{key}" + (f"[{name}]" if mapping else ""))


def test_every_marked_block_has_a_shape_and_every_shape_a_block() -> None:
    documented = _documented()
    own = set(SHAPES) - set(SAME_AS)
    assert set(documented) == own, (
        f"docs/cli.md marks {sorted(set(documented) - own)} without a shape here; "
        f"shapes without a marked block: {sorted(own - set(documented))}"
    )
    for name, other in SAME_AS.items():
        assert SHAPES[name][0] is SHAPES[other][0], (name, other)


@pytest.mark.parametrize("name", sorted(set(SHAPES) - set(SAME_AS)))
def test_the_documented_keys_are_the_shape(name: str) -> None:
    _check(SHAPES[name][0], _documented()[name], f"docs/cli.md {name}")


def _spoken(cli, demo: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A coding whose passage an expert speaks (a quote may be made of it)."""
    codings = json.loads(cli("codings", "list", "--json", project=demo)[1])
    return next(c for c in codings if c["participant"])


def _filled(args: list[str], cli, demo: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """The arguments with {dir}, {spoken} (a coding an expert speaks), {quotes_csv} (a file
    of one quote row on that passage) and {packet} (the first packet made) filled in."""
    values = {"dir": str(demo.parent)}
    if any("{spoken}" in a for a in args):
        values["spoken"] = str(_spoken(cli, demo)["id"])
    if any("{quotes_csv}" in a for a in args):
        spoken = _spoken(cli, demo)
        path = demo.parent / "quotes.csv"
        path.write_text(
            "document,start,end,code,wording\n"
            f"{spoken['document_id']},{spoken['start']},{spoken['end']},{spoken['code']},"
            "Et citat\n",
            encoding="utf-8",
        )
        values["quotes_csv"] = str(path)
    if any("{packet}" in a for a in args):
        values["packet"] = json.loads(cli("packets", "list", "--json", project=demo)[1])[0]["path"]
    return [a.format(**values) for a in args]


def _commands(command: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every command of the CLI (Typer's own, eager build) by its path."""
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        return {path: command}
    return {
        found: leaf
        for name, sub in subcommands.items()
        for found, leaf in _commands(sub, (*path, name)).items()
    }


def _has_json(command: Any) -> bool:
    return any("--json" in getattr(param, "opts", ()) for param in command.params)


def _command_of(args: list[str], commands: dict[tuple[str, ...], Any]) -> tuple[str, ...]:
    """The command a list of arguments runs (``["documents", "list"]`` -> documents list)."""
    for n in range(len(args), 0, -1):
        if tuple(args[:n]) in commands:
            return tuple(args[:n])
    raise AssertionError(f"no command runs {args}")


def test_every_command_with_json_output_is_checked_or_excused() -> None:
    commands = _commands(typer.main.get_command(app))
    with_json = {" ".join(path) for path, command in commands.items() if _has_json(command)}
    checked = {" ".join(_command_of(args, commands)) for _, args, _ in SHAPES.values()}
    assert with_json, "no command with --json found: the walk over the CLI is broken"
    missing = sorted(with_json - checked - set(NOT_CHECKED))
    assert not missing, (
        f"commands with --json and no shape in SHAPES (or reason in NOT_CHECKED): {missing}"
    )
    stale = sorted(set(NOT_CHECKED) - (with_json - checked))
    assert not stale, f"NOT_CHECKED lists commands that are checked or have no --json: {stale}"
    assert all(reason.strip() for reason in NOT_CHECKED.values())


def test_every_export_format_is_checked() -> None:
    """`export` prints a different shape per format: each registered one is in SHAPES."""
    formats = export_formats()
    assert formats
    assert {f"export {f}" for f in formats} <= set(SHAPES)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_command_prints_the_shape(name: str, cli, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    shape, args, first = SHAPES[name]
    (demo_path.parent / "ny.txt").write_text(
        "Interview med Karen Vestbo\n\nI: Hvordan går det?\n\nKaren Vestbo: Godt, tak.\n",
        encoding="utf-8",
    )
    (demo_path.parent / "p.csv").write_text(
        "name;title;organisation;expertise;consent\n"
        "Karen Vestbo;jordemoder;Byklinikken;fødsel;named\n",
        encoding="utf-8",
    )
    (demo_path.parent / "codings.csv").write_text(
        "document,code,start,end\n1,1,0,9\n", encoding="utf-8"
    )
    for before in first:
        code, _, err = cli(*_filled(before, cli, demo_path), project=demo_path)
        assert code == 0, (before, err)
    code, out, err = cli(*_filled(args, cli, demo_path), "--json", project=demo_path)
    assert code == 0, err
    printed = json.loads(out)
    if name in PART:
        printed = _first(printed)[PART[name]]
    assert _first(printed), f"{name} printed nothing to check"
    _check(shape, printed, f"`qualcode {' '.join(args)} --json`")
