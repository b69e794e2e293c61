"""The CLI can do what the TUI does: undo/redo, change and delete codings, edit the codebook,
memos, show a document; and every palette action has a documented CLI counterpart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from builders import ProjectBuilder

from cli.study import Cli, assert_error, make_study, run_json

pytestmark = pytest.mark.usefixtures("created_project")  # the project `cli` uses exists

ROOT = Path(__file__).resolve().parents[2]

# Every key binding of the TUI is also a palette command ("area: what", see
# tui/app.py:_binding_commands); the explicit palette commands are listed there too.
# Each maps to the CLI command that does the same, or to None when it only moves around
# the screen (navigation, dialogs). A new TUI action needs a row here.
PALETTE_TO_CLI: dict[str, str | None] = {
    "app.undo": "undo",
    "app.redo": "redo",
    "app.help": None,
    "app.quit": None,
    "code: undo": "undo",
    "code: redo": "redo",
    "coder: switch": None,
    "go: Help": None,
    "codebook: move code": "codebook move",
    "memo: code": "memo set",
    "codebook: add code": "codebook add",
    "codebook: delete code": "codebook delete",
    "codebook: merge code": "codebook merge",
    "codebook: recolour code": "codebook recolour",
    "codebook: rename code": "codebook rename",
    "export: codings as csv": "export",
    "export: project as qdpx": "export",
    "project: backup": "backup",
    "select: sentence": None,
    "select: turn": None,
    "codebook.add": "codebook add",
    "codebook.add_top": "codebook add",
    "codebook.code_view": "codings report",
    "codebook.delete": "codebook delete",
    "codebook.memo": "memo set",
    "codebook.merge": "codebook merge",
    "codebook.move": "codebook move",
    "codebook.recolour": "codebook recolour",
    "codebook.rename": "codebook rename",
    "codebook.rename_en": "codebook rename",
    "codeview.memo": "codings edit",
    "codeview.open": "documents show",
    "codeview.recode": "codings edit",
    "codeview.uncode": "codings delete",
    "coding.apply": "code",
    "coding.remove": "codings delete",
    "coding.memo": "codings edit",
    "coding.document_memo": "memo set",
    "coding.filter": "codings list",
    "coding.code_view": "codings report",
    "coding.quote": "quotes add",
    "coding.accept_suggestion": "suggest",
    "coding.reject_suggestion": "suggest",
    "coding.accept_all": "suggest",
    "coding.reject_all": "suggest",
    "coding.next": None,
    "coding.previous": None,
    "coding.next_suggestion": None,
    "coding.previous_suggestion": None,
    "documents.open": "documents show",
    "documents.import": "import",
    "documents.memo": "memo set",
    "documents.properties": "documents edit",
    "documents.speakers": "documents link-speaker",
    "documents.edit_text": "documents edit",
    "document.text.save": "documents edit",
    "documents.delete": "documents delete",
    "settings.edit": "settings set",
    "settings.reset": "settings set",
    "coding.widen_tree": None,
    "coding.narrow_tree": None,
    "quotes.new": "quotes add",
    "quotes.wording": "quotes edit",
    "quotes.code": "quotes edit",
    "quotes.approve": "quotes respond",
    "quotes.revise": "quotes respond",
    "quotes.reject": "quotes respond",
    "quotes.withdraw": "quotes withdraw",
    "quotes.packets": "packets make",
    "quotes.sweep": "quotes sweep",
    "quotes.source": "documents show",
    "quotes.filter_status": "quotes list",
    "quotes.filter_expert": "quotes list",
    "search.query": "search",
    "search.mode": "search",
    "search.kind": "search",
    "search.goto": "documents show",
    "search.code_all": "search",
    "search.suggest": "suggest",
    "search.train": "suggest",
    "synthesis.export_all": "synthesis",
    "synthesis.export_area": "synthesis",
    "synthesis.final": "synthesis",
    "synthesis.language": "synthesis",
    "synthesis.reload": None,
    "review.open": "agreement",
    "review.by_code": "agreement",
    "review.pair": "agreement",
    "audit.mine": "log",
    "audit.kind": "log",
    "review.next": None,
    "review.previous": None,
    "review.next_open": None,
    # Known gap: settling a disagreement (keep a / keep b / both / neither) has no CLI yet.
    "review.keep_a": None,
    "review.keep_b": None,
    "review.both": None,
    "review.neither": None,
}
# Bindings that only move, confirm or close inside a screen or dialog.
UI_ONLY = re.compile(
    r"^(go\.|.*\.back$|.*\.cancel$|.*\.close$|choice\.|confirm\.|dialog\.|error\.|files\.|"
    r"help\.|memo\.|picker\.|quotes\.(form|wording)\.)"
)


def _palette_actions() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "qualcode" / "tui").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        names |= set(re.findall(r'\bid="([a-z_]+\.[a-z_.]+)"', source))
        names |= set(re.findall(r'SystemCommand\(\s*"([^"]+)"', source))
    return names


def test_every_palette_action_has_a_documented_cli_counterpart() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    actions = _palette_actions()
    assert {"app.undo", "codebook.merge", "coding.apply"} <= actions
    unmapped = sorted(a for a in actions if a not in PALETTE_TO_CLI and not UI_ONLY.match(a))
    assert not unmapped, f"TUI actions without a CLI counterpart in this table: {unmapped}"
    undocumented = sorted({c for c in PALETTE_TO_CLI.values() if c and f"qualcode {c}" not in doc})
    assert not undocumented, f"not in docs/cli.md: {undocumented}"


def test_undo_redo_edit_and_delete_codings(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    holm = str(docs["holm"])
    made = run_json(
        cli, "code", holm, "--match", "De ressourcesvage venter længst", "--code", "1.2"
    )
    assert_error(
        cli("code", holm, "--match", "De ressourcesvage venter længst", "--code", "1.2"),
        "already coded",
    )
    edited = run_json(cli, "codings", "edit", str(made["id"]), "--code", "1.4", "--memo", "omkodet")
    assert (edited["code"], edited["memo"]) == ("1.4", "omkodet")
    wider = run_json(cli, "codings", "edit", str(made["id"]), "--start", str(made["start"] - 7))
    assert wider["text"] == "længe. De ressourcesvage venter længst"
    assert_error(cli("codings", "edit", str(made["id"]), "--end", "99999"), "not inside")
    assert run_json(cli, "undo")["action"] == f"change coding {made['id']}"
    assert run_json(cli, "codings", "list")[0]["text"] == "De ressourcesvage venter længst"
    assert run_json(cli, "undo")["done"]
    assert run_json(cli, "codings", "list")[0]["code"] == "1.2"
    assert run_json(cli, "redo")["done"]
    assert run_json(cli, "codings", "list")[0]["code"] == "1.4"
    # Undo is per coder: someone else has nothing to undo.
    assert run_json(cli, "undo", "--coder", "mads")["done"] is False
    assert run_json(cli, "codings", "delete", str(made["id"]))[0]["id"] == made["id"]
    assert run_json(cli, "codings", "list") == []
    assert run_json(cli, "undo")["done"] and len(run_json(cli, "codings", "list")) == 1
    assert_error(cli("codings", "delete", "999"), "999")
    assert_error(cli("codings", "edit", str(made["id"])), "say what")


def test_codebook_edits_from_the_cli(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    assert run_json(cli, "codebook", "add", "1.9", "Ventetid", "--parent", "1")["key"] == "1.9"
    assert_error(cli("codebook", "add", "1.9", "Igen"), "taken")
    assert (
        cli("codebook", "rename", "1.9", "--label", "Lang ventetid", "--label-en", "Long wait")[0]
        == 0
    )
    assert cli("codebook", "move", "1.9", "--parent", "2")[0] == 0
    assert cli("codebook", "recolour", "1.9", "#00aa00")[0] == 0
    tree = {n["key"]: n for n in run_json(cli, "codebook", "show")}
    [node] = [c for c in tree["2"]["children"] if c["key"] == "1.9"]
    assert (node["label_da"], node["label_en"], node["colour"]) == (
        "Lang ventetid",
        "Long wait",
        "#00aa00",
    )
    assert_error(cli("codebook", "recolour", "1.9", "grønish"), "colour")
    assert_error(cli("codebook", "move", "1", "--parent", "1.2"), "inside")
    cli("code", str(docs["holm"]), "--match", "De ressourcesvage venter længst", "--code", "1.9")
    assert_error(cli("codebook", "delete", "1.9"), "coding")
    merged = run_json(cli, "codebook", "merge", "1.9", "1.2")
    assert merged["codings_moved"] == 1
    assert run_json(cli, "codings", "list")[0]["code"] == "1.2"
    assert run_json(cli, "undo")["action"] == "merge code 1.9 into 1.2"
    assert run_json(cli, "codings", "list")[0]["code"] == "1.9"
    assert run_json(cli, "codebook", "delete", "1.9", "--force")["codings_deleted"] == 1


def test_memos_and_document_show(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    holm = str(docs["holm"])
    made = run_json(
        cli, "code", holm, "--match", "De ressourcesvage venter længst", "--code", "1.2"
    )
    for kind, ref in (
        ("project", None),
        ("document", holm),
        ("code", "1.2"),
        ("coding", str(made["id"])),
    ):
        args = [kind, *([ref] if ref else [])]
        assert cli("memo", "set", *args, "--text", f"memo om {kind}")[0] == 0
        assert run_json(cli, "memo", "show", *args)["text"] == f"memo om {kind}"
    assert run_json(cli, "codings", "list")[0]["memo"] == "memo om coding"
    assert run_json(cli, "undo")["action"] == f"memo on coding {made['id']}"
    assert_error(cli("memo", "set", "quote", "1", "--text", "x"), "memos go on")
    assert_error(cli("memo", "show", "code", "9.9"), "9.9")

    shown = run_json(cli, "documents", "show", holm)
    assert shown["title"] == "Interview med Ida Holm, 3. marts 2025"
    assert [t["speaker"] for t in shown["turns"]] == ["Interviewer", "Ida Holm"] * 2
    assert shown["codings"][0]["id"] == made["id"]
    assert shown["text"][made["start"] : made["end"]] == "De ressourcesvage venter længst"
    code, out, _ = cli("documents", "show", holm)
    assert code == 0 and "--- Ida Holm (Ida Holm)" in out and "1 coding:" in out


def test_global_options_after_the_command(
    cli: Cli, tmp_path: Path, project_target: str, build: ProjectBuilder
) -> None:
    make_study(build)
    option = "--db-url" if "://" in project_target else "--project"
    code, out, err = cli("documents", "list", option, project_target, "--json", project=None)
    assert code == 0 and len(out) > 2, err
    code, out, err = cli("codebook", "show", "-p", str(tmp_path / "none.qualcode"), project=None)
    if option == "--project":
        assert_error((code, out, err), "none.qualcode")
