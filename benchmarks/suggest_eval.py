"""Suggestion quality on the development sets and on the demo (not a timing benchmark).

    python benchmarks/suggest_eval.py devset [--no-train] [--json]   # the first dev set
    python benchmarks/suggest_eval.py blind [--no-train] [--json]    # the blind dev set
    python benchmarks/suggest_eval.py demo [--no-train] [--json]
    python benchmarks/suggest_eval.py headings [--no-headings] [--json]  # blind reports
    python benchmarks/suggest_eval.py paragraphs [devset|blind|blind2|blind3]  # codebook alone,
        # each paragraph alone
    python benchmarks/suggest_eval.py confusion [devset|blind]   # which areas steal from which

Two dev sets: ``devset_da.jsonl`` (216 paragraphs, written by a helper who had seen the
codebook) and ``devset_blind_da.jsonl`` (306 paragraphs, written from DOMAIN.md only; its
texts are not read to pick codebook words — only aggregate figures are used).

``devset``/``blind`` build a throw-away project: one text document per source group
(paragraphs in area order, as sections of a report — kinder than any real interview: the
text around a passage is then nearly always its own area; ``suggest_ordered.py`` measures
documents in their authored order and shuffled), every paragraph coded with its gold
attention point (or area) and cross-cutting codes, then run ``suggest --evaluate``
(cross-validation grouped by document = source group). ``paragraphs`` scores each paragraph
alone with the codebook (no context, no corpus) and reports the figure by grouped
cross-validation over the settings in ``GRID``: for each held-out group, the setting that
did best on the other groups is used (``cv_area_top1``), beside the default's figure.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
SETS = {
    "devset": DATA / "devset_da.jsonl",
    "blind": DATA / "devset_blind_da.jsonl",
    # read in their authors' order by suggest_ordered.py; here area-sorted or alone
    "blind2": DATA / "devset_blind2_da.jsonl",
    "blind3": DATA / "devset_blind3_da.jsonl",
}
DEVSET = SETS["devset"]
CROSS = {
    "ulighed": "ulighed",
    "tvaersektor": "tvaersektoriel",
    "data": "data",
    "ressourcer": "kapacitet",
    "digital": "digital",
    "patientinddragelse": "inddragelse",
    # blind2's and blind3's keys
    "cross_sector": "tvaersektoriel",
    "inequality": "ulighed",
    "capacity_resources": "kapacitet",
    "data_monitoring": "data",
    "patient_involvement": "inddragelse",
}


def load_devset(name: str = "devset") -> list[dict[str, Any]]:
    """A dev set's labelled paragraphs (blind2's and blind3's headings and questions left out)."""
    text = SETS[name].read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    return [r for r in rows if r.get("area") and not r.get("heading")]


def build_devset_project(
    folder: Path, name: str = "devset", rows: list[dict[str, Any]] | None = None
) -> Any:
    """A dev set as one document a group, its paragraphs in area order (``build_project``)."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in load_devset(name) if rows is None else rows:
        groups[row["group"]].append(row)
    ordered = {g: sorted(rs, key=lambda r: r["area"]) for g, rs in sorted(groups.items())}
    return build_project(folder, ordered, CROSS, turns=False)


def speaker_label(row: dict[str, Any], before: dict[str, Any] | None, interview: bool) -> str:
    """The speaker label a line starts with: in an interview, when the speaker changes
    (blind3 has the interviewer's questions; blind2 ``--turns`` makes every answer a turn)."""
    if not interview or row.get("heading"):
        return ""
    speaker = row.get("speaker")
    if speaker is None:
        return "Ekspert: "
    if before is not None and before.get("speaker") == speaker:
        return ""
    english = row.get("lang") == "en"
    return "Interviewer: " if speaker == "interviewer" else ("Expert: " if english else "Ekspert: ")


def build_project(
    folder: Path, groups: dict[str, list[dict[str, Any]]], cross: dict[str, str], turns: bool
) -> Any:
    """One document a group, its lines in the order given; gold codings on the paragraphs."""
    from qualcode.codebook import load_codebook
    from qualcode.coding import apply_code
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.importing import import_files

    project = open_project(folder / "ordered.qualcode", create=True)
    load_codebook(project, demo_codebook())
    for group, rows in groups.items():
        interview = (turns or "speaker" in rows[0]) and rows[0]["style"] == "interview"
        lines = [
            speaker_label(r, rows[i - 1] if i else None, interview) + r["text"]
            for i, r in enumerate(rows)
        ]
        text = "\n\n".join(lines) + "\n"
        path = folder / f"{group}.txt"
        path.write_text(text, encoding="utf-8")
        langs = [r.get("lang") or "da" for r in rows]
        kind = "interview" if interview else "document"
        lang = max(set(langs), key=langs.count)
        (outcome,) = import_files(project, [path], kind=kind, language=lang, title=group)
        if outcome.status != "imported":
            raise SystemExit(f"{group}: {outcome.message}")
        pos = 0
        for r in rows:
            start = text.index(r["text"], pos)
            end = pos = start + len(r["text"])
            if r.get("heading") or not r.get("area"):
                continue
            for code in [
                r["attention_point"] or r["area"],
                *(cross.get(c, c) for c in r["cross_cutting"]),
            ]:
                apply_code(project, group, code, start, end, "gold")
    return project


HEADINGS = DATA / "devset_blind_headings_da.json"


def _report_text(group: str, rows: list[dict[str, Any]], headings: bool) -> str:
    """A report group's paragraphs in area order; with ``headings`` as a report: a title,
    a numbered heading per area section (the area's wordings in ``HEADINGS``, taken in turn
    by the reports) and, under every other section, a neutral sub-heading ("Status")."""
    if not headings:
        return "\n\n".join(r["text"] for r in rows) + "\n"
    words = json.loads(HEADINGS.read_text(encoding="utf-8"))
    turn = sum(map(ord, group))
    parts = [f"Rapport {group.split('-')[-1]}"]
    areas = sorted({r["area"] for r in rows})
    for n, area in enumerate(areas, start=1):
        wordings = words["areas"][area]
        parts.append(f"{n}. {wordings[(turn + n) % len(wordings)]}")
        if n % 2 == 0:
            neutral = words["neutral"]
            parts.append(f"{n}.1 {neutral[(turn + n) % len(neutral)]}")
        parts += [r["text"] for r in rows if r["area"] == area]
    return "\n\n".join(parts) + "\n"


def build_report_project(folder: Path, headings: bool) -> Any:
    """The blind set's report-style groups only, one document each, with or without
    report headings (``_report_text``); paragraphs coded as in ``build_devset_project``."""
    from qualcode.codebook import load_codebook
    from qualcode.coding import apply_code
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.importing import import_files

    project = open_project(folder / "reports.qualcode", create=True)
    load_codebook(project, demo_codebook())
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in load_devset("blind"):
        if row["style"] == "report":
            groups[row["group"]].append(row)
    for group, rows in sorted(groups.items()):
        rows.sort(key=lambda r: r["area"])
        text = _report_text(group, rows, headings)
        path = folder / f"{group}.txt"
        path.write_text(text, encoding="utf-8")
        import_files(project, [path], kind="document", language="da", title=group)
        pos = 0
        for r in rows:
            start = text.index(r["text"], pos)
            pos = start + len(r["text"])
            for code in [r["attention_point"] or r["area"]] + [
                CROSS.get(c, c) for c in r["cross_cutting"]
            ]:
                apply_code(project, group, code, start, pos, "gold")
    return project


GRID: list[dict[str, float]] = [
    {"CHILD_SHARE": child, "AREA_MASS_POWER": power, "DESCRIPTION_WEIGHT": desc}
    for child in (0.3, 1.0)
    for power in (0.0, 0.5, 1.0)
    for desc in (0.12, 0.3)
]


def _paragraph_hits(
    name: str,
) -> tuple[list[dict[str, Any]], list[list[bool]], list[dict[str, float]]]:
    """Rows of a dev set, per ``GRID`` setting whether the codebook alone ranks each
    paragraph's area first (each paragraph alone: no context, no corpus), and each
    paragraph's area evidence under the default setting."""
    import qualcode.suggest.scorer as scorer_module
    from qualcode.nlp.pipeline import annotate_text

    rows = load_devset(name)
    codes = codebook_codes()
    tokens = [
        [(t[3], t[4]) for t in annotate_text(r["text"], r.get("lang") or "da").tokens] for r in rows
    ]
    hits: list[list[bool]] = []
    evidence: list[dict[str, float]] = []
    for setting in GRID:
        saved = {k: getattr(scorer_module, k) for k in setting}
        for k, v in setting.items():
            setattr(scorer_module, k, v)
        try:
            scorers = {lang: scorer_module.CodebookScorer(codes, lang) for lang in ("da", "en")}
            row_hits = []
            for r, toks in zip(rows, tokens, strict=True):
                sc = scorers.get(r.get("lang") or "da", scorers["da"])
                ev = sc.score(toks)
                areas = scorer_module.codebook_levels(sc, ev)["area"]
                best = max(areas.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
                row_hits.append(best[1] > 0 and best[0] == r["area"])
                if all(abs(saved[k] - v) < 1e-9 for k, v in setting.items()):
                    evidence.append(scorer_module.area_evidence(sc, ev))
            hits.append(row_hits)
        finally:
            for k, v in saved.items():
                setattr(scorer_module, k, v)
    return rows, hits, evidence


def _calibration(rows: list[dict[str, Any]], evidence: list[dict[str, float]]) -> dict[str, Any]:
    """The softmax temperature by grouped CV (fitted on the other groups), its reliability
    table and ECE on the held-out groups, and the temperature fitted on all rows."""
    from qualcode.suggest.calibration import (
        CALIBRATION_TEMPERATURE,
        area_probabilities,
        fit_temperature,
        reliability,
    )

    areas = sorted({r["area"] for r in rows})
    samples = [(e, {r["area"]}) for e, r in zip(evidence, rows, strict=True)]
    pairs: list[tuple[float, bool]] = []
    default_pairs: list[tuple[float, bool]] = []
    for group in sorted({r["group"] for r in rows}):
        train = [x for x, r in zip(samples, rows, strict=True) if r["group"] != group]
        t = fit_temperature(train, areas)
        for (e, gold), r in zip(samples, rows, strict=True):
            if r["group"] != group:
                continue
            for temp, out in ((t, pairs), (CALIBRATION_TEMPERATURE, default_pairs)):
                probs = area_probabilities(e, areas, temp)
                top = max(probs.items(), key=lambda kv: (kv[1], kv[0]))
                out.append((top[1], top[0] in gold))
    table, ece = reliability(pairs)
    _, default_ece = reliability(default_pairs)
    return {
        "temperature_all_rows": fit_temperature(samples, areas),
        "cv_ece": ece,
        "default_temperature_ece": default_ece,
        "reliability": [
            f"{row.low:.2f}-{row.high:.2f}: n={row.passages} "
            f"p={row.confidence} right={row.accuracy}"
            for row in table
        ],
    }


def paragraphs(name: str = "devset") -> dict[str, Any]:
    """Codebook alone, per paragraph: the default settings' area top-1 and the grouped
    cross-validated figure (settings chosen on the other groups)."""
    import qualcode.suggest.scorer as scorer_module

    rows, hits, evidence = _paragraph_hits(name)
    default = next(
        i
        for i, g in enumerate(GRID)
        if all(abs(getattr(scorer_module, k) - v) < 1e-9 for k, v in g.items())
    )
    groups = sorted({r["group"] for r in rows})
    cv_hits = 0
    chosen: dict[str, int] = defaultdict(int)
    for group in groups:
        inside = [i for i, r in enumerate(rows) if r["group"] != group]
        held = [i for i, r in enumerate(rows) if r["group"] == group]
        best = max(range(len(GRID)), key=lambda g: (sum(hits[g][i] for i in inside), g == default))
        chosen[json.dumps(GRID[best], sort_keys=True)] += 1
        cv_hits += sum(hits[best][i] for i in held)
    by_style: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r, hit in zip(rows, hits[default], strict=True):
        by_style[r["style"]][0] += 1
        by_style[r["style"]][1] += hit
    return {
        "set": name,
        "paragraphs": len(rows),
        "groups": len(groups),
        "area_top1": round(sum(hits[default]) / len(rows), 3),
        "cv_area_top1": round(cv_hits / len(rows), 3),
        "by_style": {k: round(v[1] / v[0], 3) for k, v in sorted(by_style.items())},
        "grid": {
            json.dumps(g, sort_keys=True): round(sum(h) / len(rows), 3)
            for g, h in zip(GRID, hits, strict=True)
        },
        "chosen_in_cv": dict(chosen),
        "calibration": _calibration(rows, evidence),
    }


def confusion(name: str = "blind") -> dict[str, Any]:
    """Codebook alone, per paragraph: gold area x the area ranked first, and the codebook
    terms that carried the wrongly chosen areas (counted over the wrong paragraphs; only
    codebook terms and aggregate counts, no dev-set text)."""
    import qualcode.suggest.scorer as scorer_module
    from qualcode.nlp.pipeline import annotate_text

    rows = load_devset(name)
    codes = codebook_codes()
    scorers = {lang: scorer_module.CodebookScorer(codes, lang) for lang in ("da", "en")}
    table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    thieves: dict[str, int] = defaultdict(int)
    for r in rows:
        lang = r.get("lang") or "da"
        sc = scorers.get(lang, scorers["da"])
        toks = [(t[3], t[4]) for t in annotate_text(r["text"], lang).tokens]
        ev = sc.score(toks)
        areas = scorer_module.area_evidence(sc, ev)
        best = max(areas.items(), key=lambda kv: (kv[1], kv[0]), default=("-", 0.0))
        predicted = best[0] if best[1] > 0 else "-"
        table[r["area"]][predicted] += 1
        if predicted not in ("-", r["area"]):
            for key, e in ev.items():
                if sc.codes[key].area_key == predicted:
                    for term in e.terms:
                        thieves[f"{predicted} via {key}: {term}"] += 1
    top = sorted(thieves.items(), key=lambda kv: -kv[1])[:25]
    return {
        "set": name,
        "confusion": {g: dict(sorted(p.items())) for g, p in sorted(table.items())},
        "wrong_area_terms": dict(top),
    }


def codebook_codes() -> list[Any]:
    """The demo codebook's codes, stored in a throw-away project and detached from it."""
    from sqlmodel import select

    from qualcode.codebook import load_codebook
    from qualcode.db import open_project
    from qualcode.demo import demo_codebook
    from qualcode.models import Code

    with tempfile.TemporaryDirectory() as tmp:
        project = open_project(Path(tmp) / "p.qualcode", create=True)
        load_codebook(project, demo_codebook())
        with project.session() as s:
            codes = list(s.exec(select(Code)))
            for c in codes:
                s.expunge(c)
        project.close()
    return codes


def main(argv: list[str]) -> None:
    from qualcode.suggest import evaluate

    mode = argv[0] if argv else "devset"
    train = "--no-train" not in argv
    if mode == "confusion":
        name = argv[1] if len(argv) > 1 and argv[1] in SETS else "blind"
        print(json.dumps(confusion(name), indent=1))
        return
    if mode == "paragraphs":
        name = argv[1] if len(argv) > 1 and argv[1] in SETS else "devset"
        print(json.dumps(paragraphs(name), indent=1))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if mode == "demo":
            from qualcode.demo import build_demo

            project, _ = build_demo(Path(tmp) / "demo.qualcode")
        elif mode == "headings":
            project = build_report_project(Path(tmp), "--no-headings" not in argv)
        else:
            project = build_devset_project(Path(tmp), mode if mode in SETS else "devset")
        report = evaluate(project, train=train)
        project.close()
    if "--json" in argv:
        print(json.dumps(report, indent=1))
        return
    for method in ("codebook", "model", "combined"):
        r = report.get(method)
        if r:
            print(
                method,
                "area",
                r["area"],
                "point",
                r["attention_point"],
                "sugg",
                r.get("suggestions"),
            )
    for key in ("learning_curve", "model_weight", "point_model_weight"):
        if key in report:
            print(key, report[key])
    calibration = report.get("calibration") or {}
    if calibration:
        print("calibration temperature", calibration["temperature"], "ECE", calibration["ece"])


if __name__ == "__main__":
    main(sys.argv[1:])
