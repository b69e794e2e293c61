"""Suggestion quality on the development set and on the demo (not a timing benchmark).

    python benchmarks/suggest_eval.py devset [--no-train] [--json]
    python benchmarks/suggest_eval.py demo [--no-train] [--json]
    python benchmarks/suggest_eval.py paragraphs      # codebook alone, one paragraph at a time

``devset`` builds a throw-away project from ``benchmarks/data/devset_da.jsonl``: one text
document per source group (paragraphs in area order, as sections of a report), every
paragraph coded with its gold attention point (or area) and cross-cutting codes, then runs
``suggest --evaluate`` (cross-validation grouped by document = source group).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

DEVSET = Path(__file__).parent / "data" / "devset_da.jsonl"
CROSS = {
    "ulighed": "ulighed",
    "tvaersektor": "tvaersektoriel",
    "data": "data",
    "ressourcer": "kapacitet",
    "digital": "digital",
    "patientinddragelse": "inddragelse",
}


def load_devset() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]


def build_devset_project(folder: Path) -> Any:
    from qualcode.codebook import load_codebook
    from qualcode.coding import apply_code
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.importing import import_files

    project = open_project(folder / "devset.qualcode", create=True)
    load_codebook(project, demo_codebook())
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in load_devset():
        groups[row["group"]].append(row)
    for group, rows in sorted(groups.items()):
        rows.sort(key=lambda r: r["area"])
        text = "\n\n".join(r["text"] for r in rows) + "\n"
        path = folder / f"{group}.txt"
        path.write_text(text, encoding="utf-8")
        import_files(project, [path], kind="document", language="da")
        pos = 0
        for r in rows:
            start = text.index(r["text"], pos)
            end = start + len(r["text"])
            pos = end
            for code in [r["attention_point"] or r["area"]] + [CROSS[c] for c in r["cross_cutting"]]:
                apply_code(project, group, code, start, end, "gold")
    return project


def paragraphs() -> dict[str, Any]:
    """Codebook alone, each paragraph scored on its own (no context, no corpus)."""
    from qualcode.codebook import load_codebook
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.suggest import suggest_for_text

    with tempfile.TemporaryDirectory() as tmp:
        project = open_project(Path(tmp) / "p.qualcode", create=True)
        load_codebook(project, demo_codebook())
        n = top1 = 0
        by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in load_devset():
            ranked = [r for r in suggest_for_text(project, row["text"]) if r["level"] == "area"]
            hit = bool(ranked) and ranked[0]["code"] == row["area"]
            n += 1
            top1 += hit
            by_style[row["style"]][0] += 1
            by_style[row["style"]][1] += hit
        project.close()
    return {
        "paragraphs": n,
        "area_top1": round(top1 / n, 3),
        "by_style": {k: round(v[1] / v[0], 3) for k, v in by_style.items()},
    }


def main(argv: list[str]) -> None:
    from qualcode.suggest import evaluate

    mode = argv[0] if argv else "devset"
    train = "--no-train" not in argv
    if mode == "paragraphs":
        print(json.dumps(paragraphs(), indent=1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "demo":
            from qualcode.demo import build_demo

            project, _ = build_demo(Path(tmp) / "demo.qualcode")
        else:
            project = build_devset_project(Path(tmp))
        report = evaluate(project, train=train)
        project.close()
    if "--json" in argv:
        print(json.dumps(report, indent=1))
        return
    for method in ("codebook", "model", "combined"):
        r = report.get(method)
        if r:
            print(method, "area", r["area"], "point", r["attention_point"], "sugg", r.get("suggestions"))
    for key in ("learning_curve", "model_weight"):
        if key in report:
            print(key, report[key])


if __name__ == "__main__":
    main(sys.argv[1:])
