"""`qualcode synthesis`: formats, --area, --final, --json, errors."""

from __future__ import annotations

import json
from pathlib import Path

from qualcode.cli import main

from .known import Built, add_quotes


def _run(built: Built, capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    code = main(["--project", str(built.project.path), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_each_format(known: Built, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("md", "html", "docx", "json"):
        out = tmp_path / f"s.{fmt}"
        code, stdout, _err = _run(known, capsys, "synthesis", "--format", fmt, "--out", str(out))
        assert code == 0, _err
        assert out.exists() and out.stat().st_size > 500
        assert stdout.startswith(f"wrote {out} (draft, {fmt}")


def test_cli_json_summary(known: Built, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    add_quotes(known)
    out = tmp_path / "s.md"
    code, stdout, _ = _run(
        known, capsys, "synthesis", "--format", "md", "--out", str(out), "--area", "1", "--json"
    )
    assert code == 0
    summary = json.loads(stdout)
    assert summary == {
        "path": str(out),
        "format": "md",
        "final": False,
        "area": "1",
        "language": "da",
        "areas": ["1"],
        "quotes": 2,
        "pending_quotes": 1,
        "redactions": {"total": 3, "by_participant": {"2": 2, "3": 1}, "by_kind": {"name": 3}},
        "bytes": out.stat().st_size,
    }


def test_cli_final_refuses_with_the_list(known: Built, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ids = add_quotes(known)
    out = tmp_path / "final.docx"
    code, stdout, err = _run(
        known, capsys, "synthesis", "--format", "docx", "--out", str(out), "--final"
    )
    assert code == 1 and stdout == ""
    assert err.startswith("error: a final synthesis needs every quote approved; 1 is not:")
    assert f"quote {ids['bent']} (1.1, overlæge, Sygehus Nord): kandidat" in err
    assert "hint: " in err
    assert not out.exists()


def test_cli_errors(known: Built, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, _, err = _run(
        known, capsys, "synthesis", "--format", "md", "--out", str(tmp_path / "x"), "--area", "9"
    )
    assert code == 1 and "no development area '9'" in err
    code, _, err = _run(known, capsys, "synthesis", "--format", "pdf", "--out", str(tmp_path / "x"))
    assert code == 1 and "unknown synthesis format 'pdf'" in err
    code, _, err = _run(known, capsys, "synthesis", "--format", "md")
    assert code == 2
