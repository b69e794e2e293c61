"""Codes are a hierarchy everywhere: an area means itself and its attention points."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import ProjectBuilder
from cli.study import Cli, assert_error, make_study, run_json

from qualcode.codebook import code_counts, descendant_ids, descendants, resolve_code
from qualcode.coding import code_passages

pytestmark = pytest.mark.usefixtures("created_project")  # the project `cli` uses exists


def test_area_filter_includes_its_attention_points(cli: Cli, build: ProjectBuilder) -> None:
    docs = make_study(build)
    assert (
        cli(
            "code", str(docs["holm"]), "--match", "De ressourcesvage venter længst", "--code", "1.2"
        )[0]
        == 0
    )
    assert (
        cli("code", str(docs["holm"]), "--match", "Patienter med vage symptomer", "--code", "1")[0]
        == 0
    )
    assert (
        cli("code", str(docs["venoe"]), "--match", "Der mangler overblik", "--code", "5.3")[0] == 0
    )

    area = run_json(cli, "codings", "list", "--code", "1")
    assert sorted(r["code"] for r in area) == ["1", "1.2"]
    only = run_json(cli, "codings", "list", "--code", "1", "--only")
    assert [r["code"] for r in only] == ["1"]
    assert [r["code"] for r in run_json(cli, "codings", "list", "--code", "1.2")] == ["1.2"]

    tree = {n["key"]: n for n in run_json(cli, "codebook", "show")}
    assert (tree["1"]["codings"], tree["1"]["codings_with_descendants"]) == (1, 2)
    assert tree["5"]["codings_with_descendants"] == 1 and tree["2"]["codings_with_descendants"] == 0

    code, out, _ = cli("codings", "list", "--code", "1")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["id", "document", "span"]
    assert out.rstrip().endswith("2 codings")


def test_code_counts_and_descendants(project, cli: Cli, build: ProjectBuilder) -> None:  # type: ignore[no-untyped-def]
    docs = make_study(build)
    cli("code", str(docs["holm"]), "--match", "De ressourcesvage venter længst", "--code", "1.2")
    cli("code", str(docs["venoe"]), "--match", "de ressourcesvage venter længst", "--code", "1.2")
    with project.session() as s:
        area, point = resolve_code(s, "1"), resolve_code(s, "1.2")
        counts = code_counts(s)
        assert counts[area.id].own == 0 and counts[area.id].with_descendants == 2
        assert counts[point.id].total == 2
        assert point.id in descendant_ids(s, area.id)
        from qualcode.codebook import all_codes

        assert descendants(all_codes(s))[area.id] == descendant_ids(s, area.id)
        passages = code_passages(s, "1")
        assert [p["code"] for p in passages] == ["1.2", "1.2"]
        assert code_passages(s, "1", include_descendants=False) == []
        # Karl Venø speaks as "Ekspert", not linked yet: no attribution.
        assert passages[1]["attribution"] is None


def test_code_report_markdown_and_docx(cli: Cli, tmp_path: Path, build: ProjectBuilder) -> None:
    docs = make_study(build)
    cli(
        "code",
        str(docs["holm"]),
        "--match",
        "De ressourcesvage venter længst",
        "--code",
        "1.2",
        "--memo",
        "kernen",
    )
    cli(
        "code", str(docs["venoe"]), "--match", "de ressourcesvage venter længst", "--code", "1.2",
        "--memo", "Karl Venø siger det samme",
    )
    cli("documents", "link-speaker", str(docs["venoe"]), "Ekspert", "Karl Venø")
    code, out, err = cli("codings", "report", "--code", "1")
    # The report leaves the project: a role_only name in a memo is replaced.
    assert "Venø" not in out and "[formand, Patientforeningen Lys] siger det samme" in out
    assert code == 0, err
    assert "2 passages in 2 documents" in out
    assert "Ida Holm, overlæge" in out and "*Memo:* kernen" in out
    # role_only: title and organisation, never the name.
    assert "formand, Patientforeningen Lys" in out and "Karl Venø**" not in out
    target = tmp_path / "rapport.docx"
    info = run_json(cli, "codings", "report", "--code", "1", "--out", str(target))
    assert info["format"] == "docx" and info["passages"] == 2 and target.read_bytes()[:2] == b"PK"
    assert_error(cli("codings", "report", "--code", "1", "--format", "pdf"), "pdf")
    assert_error(cli("codings", "report", "--code", "9.9"), "9.9")
