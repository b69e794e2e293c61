"""Suggestion quality on documents in their real order (not a timing benchmark).

    python benchmarks/suggest_ordered.py blind2 [--turns] [--json]   # the second blind set
    python benchmarks/suggest_ordered.py blind3 [--json]   # the third: interviews with questions
    python benchmarks/suggest_ordered.py blind|devset --shuffle [--seed N] [--json]
    python benchmarks/suggest_ordered.py demo [--json]
    ... [--prior W]         # experiment: the model's area weight before a project's codings
                            # earn another (``crossval.PRIOR_WEIGHTS``) set to W
    ... [--no-gate]         # experiment: the weight chosen from the first coded passage on
                            # (no MIN_WEIGHT_PASSAGES)
    ... [--area-weight W]   # experiment: the model's area weight fixed at W, from the first
                            # coded passage on (no MIN_WEIGHT_PASSAGES gate, no chooser)

Why this exists: ``suggest_eval.py`` builds each dev-set group as one document with its
paragraphs sorted by area, so the text around a passage (``CONTEXT_CHARS`` in a document
without turns) and the coded neighbours' vote (``suggest/neighbours.py``) see paragraphs of
the same area almost always — a document order no real text has. Measured on main before
this file (2026-12-01): the blind set's codebook area top-1 is 0.853 area-sorted but 0.752
with each group's paragraphs shuffled.

``devset_blind2_da.jsonl`` (271 paragraphs and 60 headings, 16 documents, written from
DOMAIN.md only; README beside it) keeps each document in the order its author wrote it:
reports with numbered sections and their headings, minutes with agenda points, interviews
whose answers move between topics as conversations do. Here each group becomes one
document in that order, headings included as their own lines. ``devset_blind3_da.jsonl``
(237 paragraphs, 13 documents, also written from DOMAIN.md only) has the interviewer's
questions: its interviews become speaker turns, "Interviewer:" before each question and
"Ekspert:" before each answer (a label only where the speaker changes). With ``--turns``
blind2's interviews become speaker turns (one turn an answer, no questions: the context of a
passage is then its own answer only, the pessimistic case). ``--shuffle`` builds the older
sets' groups in a random order instead (the other bound). Every paragraph is coded with its
gold attention point (or area) and cross-cutting codes, then ``suggest --evaluate`` runs
(cross-validation grouped by document).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from suggest_eval import CROSS, DATA, build_project, load_devset  # noqa: E402

BLIND2 = DATA / "devset_blind2_da.jsonl"
BLIND3 = DATA / "devset_blind3_da.jsonl"
#: blind2's cross-cutting keys (its README) -> the bundled codebook's keys.
BLIND2_CROSS = {
    "cross_sector": "tvaersektoriel",
    "inequality": "ulighed",
    "capacity_resources": "kapacitet",
    "data_monitoring": "data",
    "patient_involvement": "inddragelse",
    "digital": "digital",
}


def blind2_groups(path: Path = BLIND2) -> dict[str, list[dict[str, Any]]]:
    """blind2's (or blind3's) documents, each in its author's order (headings included)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["group"], r["position"])):
        groups[row["group"]].append(row)
    return dict(groups)


def shuffled_groups(name: str, seed: int) -> dict[str, list[dict[str, Any]]]:
    """An older dev set's groups, each in a random order."""
    rng = random.Random(seed)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in load_devset(name):
        groups[row["group"]].append(row)
    return {group: rng.sample(rows, len(rows)) for group, rows in sorted(groups.items())}


def fix_area_weight(weight: float) -> None:
    """The experiment behind ``--area-weight``: every weight choice, the learning curves'
    included, gives the model ``weight`` at area level (attention points as chosen)."""
    import qualcode.suggest.crossval as crossval
    import qualcode.suggest.weights as weights

    chosen = weights.choose_model_weight

    def fixed(scorer: Any, items: Any, level: str = "area", *args: Any, **kw: Any) -> Any:
        best, curve = chosen(scorer, items, level, *args, **kw)
        return (weight if level == "area" else best), curve

    weights.choose_model_weight = fixed  # type: ignore[assignment]
    crossval.MIN_WEIGHT_PASSAGES = 0


def set_prior(weight: float) -> None:
    """The experiment behind ``--prior``: the model's area weight before the project's codings
    earn it more (below ``MIN_WEIGHT_PASSAGES``, and what the chooser must beat)."""
    import qualcode.suggest.crossval as crossval

    crossval.PRIOR_WEIGHTS = crossval.ModelWeights(weight, 0.0)


def main(argv: list[str]) -> None:
    from qualcode.suggest import evaluate

    if "--prior" in argv:
        set_prior(float(argv[argv.index("--prior") + 1]))
    if "--no-gate" in argv:
        import qualcode.suggest.crossval as crossval

        crossval.MIN_WEIGHT_PASSAGES = 0
    if "--area-weight" in argv:
        fix_area_weight(float(argv[argv.index("--area-weight") + 1]))
    name = argv[0] if argv else "blind2"
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 3
    if name == "demo":
        groups, cross, label = {}, {}, "the demo"
    elif name == "blind2":
        groups, cross, label = blind2_groups(), BLIND2_CROSS, "authored order"
    elif name == "blind3":
        groups, cross, label = blind2_groups(BLIND3), BLIND2_CROSS, "authored order, with questions"
    elif "--shuffle" in argv:
        groups, cross, label = shuffled_groups(name, seed), CROSS, f"shuffled (seed {seed})"
    else:
        raise SystemExit("blind2, or blind|devset with --shuffle (area order: suggest_eval.py)")
    turns = "--turns" in argv
    with tempfile.TemporaryDirectory() as tmp:
        if name == "demo":
            from qualcode.demo import build_demo

            project, _ = build_demo(Path(tmp) / "demo.qualcode")
        else:
            project = build_project(Path(tmp), groups, cross, turns)
        report = evaluate(project, train=True)
        project.close()
    if "--json" in argv:
        print(json.dumps(report, indent=1))
        return
    print(f"{name}, {label}{', interviews as turns' if turns else ''}")
    for method in ("codebook", "model", "combined"):
        if report.get(method):
            print(f"  {method:9} area {report[method]['area']}")
    for key in ("learning_curve", "passage_curve", "model_weight"):
        if key in report:
            print(f"  {key}: {json.dumps(report[key])}")


if __name__ == "__main__":
    main(sys.argv[1:])
