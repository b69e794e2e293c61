"""The classifier trained on a project's own codings (TF-IDF + linear model), the weight it
gets beside the codebook (chosen per project by cross-validation), and attention points in
documents without speaker turns (ranked on the paragraph's own words)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook import load_codebook
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.importing import import_files
from qualcode.suggest import choose_model_weight, suggest
from qualcode.suggest.linear import AREA_VOTE, PRIOR_START, LinearModel, fit_linear
from qualcode.suggest.model import stored_weights
from qualcode.suggest.passages import Passage
from qualcode.suggest.scorer import CodebookScorer, CodeScore, ModelWeights, rank_codes
from qualcode.suggest.weights import choose_model_weights

AREAS = ["1", "2", "3"]


def _examples(n: int, vote_right: bool = True) -> list[tuple[list[str], set[str]]]:
    """Area 1 passages say "blåbær", area 2 "granit", area 3 "sejlads"; each carries the
    codebook's vote for its own area (``vote_right``) or for the next area."""
    words = {"1": "blåbær", "2": "granit", "3": "sejlads"}
    out = []
    for i in range(n):
        area = AREAS[i % 3]
        voted = area if vote_right else AREAS[(AREAS.index(area) + 1) % 3]
        out.append(([words[area], f"fyld{i}", *[AREA_VOTE + voted] * 8], {area}))
    out += [(["vejret", "kaffe"], set()) for _ in range(n // 3)]  # uncoded sentences
    return out


def _top(probs: dict[str, float]) -> str:
    return max(AREAS, key=lambda a: probs.get(a, 0.0))


def test_the_model_learns_words_and_survives_storage() -> None:
    model = fit_linear(_examples(30), AREAS, AREAS, iterations=8)
    probs = model.predict([["granit", "noget"], ["sejlads"], ["blåbær", "blåbær"]])
    assert [_top(p) for p in probs] == ["2", "3", "1"]
    assert all(sum(p[a] for a in AREAS) <= 1.0 + 1e-6 for p in probs)  # "no area" takes the rest
    again = LinearModel.from_bytes(model.to_bytes())
    assert again.predict([["granit"]])[0] == pytest.approx(model.predict([["granit"]])[0])
    with pytest.raises(ValueError):
        LinearModel.from_bytes(b"spaCy textcat bytes from an older qualcode")


def test_the_codebook_vote_ranks_an_area_nobody_coded() -> None:
    examples = [(w, labels) for w, labels in _examples(30) if "3" not in labels]
    model = fit_linear(examples, AREAS, AREAS, iterations=8)
    probs = model.predict([["ukendt", *[AREA_VOTE + "3"] * 9, AREA_VOTE + "1"]])[0]
    assert _top(probs) == "3"


def test_the_model_learns_how_far_to_trust_the_codebook() -> None:
    trusted = fit_linear(_examples(60, vote_right=True), AREAS, AREAS, iterations=8)
    misled = fit_linear(_examples(60, vote_right=False), AREAS, AREAS, iterations=8)
    assert trusted.prior[0] > PRIOR_START > misled.prior[0]
    # where the codebook misled the coders' labels, the words win over its vote
    probs = misled.predict([["granit", *[AREA_VOTE + "3"] * 8]])[0]
    assert _top(probs) == "2"


def _items(
    n: int, codebook_right: bool, model_right: bool
) -> list[tuple[Passage, dict[str, CodeScore], dict[str, float] | None]]:
    """Coded passages whose codebook evidence and model vote are right or wrong."""
    areas = ["1", "2", "3", "4", "5", "6"]
    items = []
    for i in range(n):
        gold = areas[i % 6]
        wrong = areas[(i + 1) % 6]
        passage = Passage(i // 10, 0, 10, {gold}, [])
        cb = gold if codebook_right else wrong
        evidence = {cb: CodeScore(1.0), wrong if cb == gold else gold: CodeScore(0.6)}
        vote = gold if model_right else wrong
        probs = {a: (0.7 if a == vote else 0.06) for a in areas}
        items.append((passage, evidence, probs))
    return items


def test_the_model_weight_is_chosen_per_project(scorer: CodebookScorer) -> None:
    """Two projects: in one the codebook is right and the model wrong, in the other the
    reverse. Cross-validation gives each the weight its own codings call for."""
    codebook_project_weight, curve_a = choose_model_weight(scorer, _items(60, True, False))
    model_project_weight, curve_b = choose_model_weight(scorer, _items(60, False, True))
    assert codebook_project_weight <= 0.3 and model_project_weight >= 0.5
    assert curve_a[f"{codebook_project_weight:.1f}"] == 1.0
    assert curve_b[f"{model_project_weight:.1f}"] == 1.0


def _point_items(n: int) -> list[tuple[Passage, dict[str, CodeScore], dict[str, float] | None]]:
    """Passages coded 1.2: the codebook finds the area but ranks 1.1 above 1.2; the model
    votes for area 1 as weakly as for the others and for 1.2 strongly."""
    items = []
    for i in range(n):
        passage = Passage(i // 10, 0, 10, {"1.2"}, [])
        evidence = {"1.1": CodeScore(1.0), "1.2": CodeScore(0.8)}
        probs = {a: 0.15 for a in ["1", "2", "3", "4", "5", "6"]} | {"1.2": 0.9, "1.1": 0.05}
        items.append((passage, evidence, probs))
    return items


def test_areas_and_attention_points_get_weights_of_their_own(scorer: CodebookScorer) -> None:
    """The model is no help for areas (the codebook has them right) but puts the right
    attention point first: only the attention points give it weight, so its flat area vote
    cannot pull areas the codebook had right."""
    items = _point_items(60)
    weights, curves = choose_model_weights(scorer, items)
    assert weights.area == 0.0
    assert weights.attention_point > 0.0
    assert curves["attention_point"][f"{weights.attention_point:.1f}"] == 1.0
    passage, evidence, probs = items[0]
    ranked = rank_codes(scorer, evidence, probs, weights)
    assert max(ranked["attention_point"].items(), key=lambda kv: kv[1])[0] == "1.2"
    assert max(ranked["area"].items(), key=lambda kv: kv[1])[0] == "1"


def test_a_gain_within_chance_gives_the_model_no_weight(scorer: CodebookScorer) -> None:
    """Two passages won and one lost over the codebook alone is luck, not evidence: the
    weight stays 0 (with many passages the same pattern earns the model its weight)."""
    right = _items(30, True, True)
    won = _items(2, False, True)
    lost = _items(1, True, False)
    weight, _ = choose_model_weight(scorer, right + won + lost)
    assert weight == 0.0
    many = right + _items(24, False, True) + _items(6, True, False)
    assert choose_model_weight(scorer, many)[0] > 0.0


def test_stored_weights_read_old_and_new_models() -> None:
    assert stored_weights({"model_weight": 0.4}) == ModelWeights(0.4, 0.4)
    assert stored_weights({"model_weight": 0.4, "point_model_weight": 0.0}) == ModelWeights(0.4, 0)
    assert stored_weights({"model_weight": None}) is None


REPORT = (
    "Basal palliation i kommunerne\n\n"
    "Hjemmesygeplejen får sjældent en epikrise om den palliative patient.\n\n"
    "Visitationen vurderer funktionsevne og hjælpemidler efter kommunens serviceniveau, "
    "men visitatorens funktionsvurdering fanger hverken smerte, angst eller eksistentielle "
    "problemer hos palliative borgere, og ydelsen passer dårligt til smerte og angst.\n"
)


def test_attention_points_in_a_report_follow_the_paragraph(
    project: Project, tmp_path: Path
) -> None:
    """Two paragraphs of one area about two of its attention points: the first paragraph's
    suggestion names its own point, though its neighbour has more attention-point words."""
    load_codebook(project, demo_codebook())
    path = tmp_path / "rapport.txt"
    path.write_text(REPORT, encoding="utf-8")
    import_files(project, [path], kind="document")
    rows = suggest(project)
    first = REPORT.index("Hjemmesygeplejen")
    second = REPORT.index("Visitationen")
    codes_at = {
        where: {r["code"] for r in rows if r["start"] <= where < r["end"]}
        for where in (first, second)
    }
    assert "6.2" in codes_at[first] and "6.4" not in codes_at[first]
    assert "6.4" in codes_at[second]


def test_the_prior_weight_stays_unless_the_codings_beat_it(scorer: CodebookScorer) -> None:
    """A project starts with the model at ``prior``: a tie or a gain within chance keeps it,
    and codings on which it ranks wrong take it away."""
    agreeing = _items(60, True, True)  # every weight ranks right: a tie keeps the prior
    assert choose_model_weight(scorer, agreeing, prior=0.3)[0] == 0.3
    assert choose_model_weight(scorer, agreeing)[0] == 0.0
    right = _items(30, True, True)
    lucky = right + _items(2, False, True) + _items(1, True, False)
    assert choose_model_weight(scorer, lucky, prior=0.3)[0] == 0.3
    misleading = []  # the codebook is right by a little, the model wrong by a lot
    for passage, _, _ in _items(60, True, False):
        (gold,) = passage.codes
        wrong = str(int(gold) % 6 + 1)
        evidence = {gold: CodeScore(1.0), wrong: CodeScore(0.9)}
        misleading.append((passage, evidence, {wrong: 0.9, gold: 0.0}))
    assert choose_model_weight(scorer, misleading, prior=0.3)[0] == 0.0


def test_a_project_with_few_codings_gets_the_prior(demo_project: Project) -> None:
    """Below ``MIN_WEIGHT_PASSAGES`` no weight is chosen: the stored model carries the prior
    (not the codebook alone), and ``suggest`` mixes the model in."""
    from sqlmodel import col, delete, select

    from qualcode.models import Coding, Document
    from qualcode.suggest import train_model
    from qualcode.suggest.crossval import MIN_WEIGHT_PASSAGES, PRIOR_WEIGHTS

    with demo_project.transaction() as s:
        ids = sorted(d for d in s.exec(select(Document.id)) if d is not None)
        s.execute(delete(Coding).where(col(Coding.document_id).not_in(ids[:2])))
    meta = train_model(demo_project, iterations=2)
    assert 4 <= meta["passages"] < MIN_WEIGHT_PASSAGES
    assert PRIOR_WEIGHTS.area > 0.0
    assert (meta["model_weight"], meta["point_model_weight"]) == (
        PRIOR_WEIGHTS.area,
        PRIOR_WEIGHTS.attention_point,
    )
    rows = suggest(demo_project, ids[3])
    assert any(r["method"] == "codebook+model" for r in rows)


def test_the_cli_says_where_a_model_weight_came_from() -> None:
    from qualcode.cli.search import model_weight_line
    from qualcode.suggest.crossval import MIN_WEIGHT_PASSAGES

    few = model_weight_line(0.3, 0.0, MIN_WEIGHT_PASSAGES - 1)
    many = model_weight_line(0.5, 0.1, MIN_WEIGHT_PASSAGES)
    assert "areas 0.3, attention points 0.0 (the starting weights" in few
    assert "areas 0.5, attention points 0.1 (chosen by cross-validation" in many
