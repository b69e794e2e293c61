"""`qualcode demo --no-tui` builds the study's demo project: corpus, people, codebook, codings."""

from __future__ import annotations

import json
import tomllib

from qualcode.demo import demo_corpus_dir


def test_demo_builds_and_lists(cli, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    code, out, err = cli("demo", "--no-tui", project=None)
    assert code == 0, err
    assert (tmp_path / "demo.qualcode").is_file()
    demo = tmp_path / "demo.qualcode"

    docs = json.loads(cli("documents", "list", "--json", project=demo)[1])
    manifest = tomllib.loads((demo_corpus_dir() / "manifest.toml").read_text(encoding="utf-8"))
    assert len(docs) == len(manifest["document"]) >= 9
    assert sum(d["words"] for d in docs if d["kind"] != "document") >= 20_000
    kinds = {d["kind"] for d in docs}
    assert {"interview", "notes", "document"} <= kinds
    double = [d for d in docs if len(d["participants"]) == 2]
    assert double, "the corpus has a double interview"
    assert all(d["participants"] for d in docs if d["kind"] != "document")

    people = json.loads(cli("participants", "list", "--json", project=demo)[1])
    consents = {p["consent"] for p in people}
    assert consents == {"named", "role_only", "anonymous"}

    tree = json.loads(cli("codebook", "show", "--json", project=demo)[1])
    areas = [n for n in tree if n["kind"] == "area"]
    assert len(areas) == 6
    assert sum(len(a["children"]) for a in areas) == 23
    assert len([n for n in tree if n["kind"] == "cross_cutting"]) == 6
    assert all(a["label_da"] and a["label_en"] for a in areas)

    codings = json.loads(cli("codings", "list", "--json", project=demo)[1])
    assert len(codings) > 100
    assert {c["coder"] for c in codings} == {"ida", "mads"}

    # a second run reuses the project instead of destroying work
    code, out, _ = cli("demo", "--no-tui", project=None)
    assert code == 0 and "using the existing" in out
