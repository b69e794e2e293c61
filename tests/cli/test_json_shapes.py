"""The `--json` shapes are typed, documented, and what the commands print.

Each entry of ``SHAPES`` names a command, the ``TypedDict`` it prints (one item of a list)
and how to run it on the demo project. docs/cli.md marks the command's JSON example with
``<!-- json-shape: NAME -->``; the keys of that example, of the ``TypedDict`` and of the real
output must be the same sets, so a key added to one and not the others fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from qualcode.documents import DocumentSummary, SpeakerRow
from qualcode.participants import ParticipantRow
from qualcode.quotes import QuoteEventRow, QuoteRow, SweepResult

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
MARK = re.compile(r"<!-- json-shape: (?P<name>[^>]+?) -->\n```json\n(?P<body>.*?)\n```", re.S)

# name -> (shape of one item, the command's arguments after --project)
SHAPES: dict[str, tuple[Any, list[str]]] = {
    "documents list": (DocumentSummary, ["documents", "list"]),
    "documents speakers": (SpeakerRow, ["documents", "speakers", "1"]),
    "participants list": (ParticipantRow, ["participants", "list"]),
    "quotes list": (QuoteRow, ["quotes", "list"]),
    "quotes sweep": (SweepResult, ["quotes", "sweep"]),
}
NESTED = {(QuoteRow, "events"): QuoteEventRow}


def _documented() -> dict[str, Any]:
    return {m["name"]: json.loads(m["body"]) for m in MARK.finditer(DOC.read_text("utf-8"))}


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _keys(shape: Any) -> set[str]:
    assert is_typeddict(shape), shape
    return set(get_type_hints(shape))


def _check(shape: Any, example: Any, where: str) -> None:
    item = _first(example)
    assert isinstance(item, dict), f"{where}: not an object"
    assert set(item) == _keys(shape), (
        f"{where}: keys differ from {shape.__name__}: "
        f"only there {sorted(set(item) - _keys(shape))}, only in the shape "
        f"{sorted(_keys(shape) - set(item))}"
    )
    for key, hint in get_type_hints(shape).items():
        inner = NESTED.get((shape, key))
        if inner is None and get_origin(hint) is list and is_typeddict(get_args(hint)[0]):
            inner = get_args(hint)[0]
        if inner is not None and item.get(key):
            _check(inner, item[key], f"{where}.{key}")


def test_every_marked_block_has_a_shape_and_every_shape_a_block() -> None:
    documented = _documented()
    assert set(documented) == set(SHAPES), (
        f"docs/cli.md marks {sorted(set(documented) - set(SHAPES))} without a shape here; "
        f"shapes without a marked block: {sorted(set(SHAPES) - set(documented))}"
    )


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_documented_keys_are_the_shape(name: str) -> None:
    _check(SHAPES[name][0], _documented()[name], f"docs/cli.md {name}")


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_the_command_prints_the_shape(name: str, cli, demo_path: Path) -> None:  # type: ignore[no-untyped-def]
    shape, args = SHAPES[name]
    if name == "quotes list":  # one quote, of a passage an expert speaks
        codings = json.loads(cli("codings", "list", "--json", project=demo_path)[1])
        spoken = next(c for c in codings if c["participant"])
        code, _, err = cli("quotes", "add", "--coding", str(spoken["id"]), project=demo_path)
        assert code == 0, err
    code, out, err = cli(*args, "--json", project=demo_path)
    assert code == 0, err
    printed = json.loads(out)
    assert _first(printed), f"{name} printed nothing to check"
    _check(shape, printed, f"`qualcode {' '.join(args)} --json`")
