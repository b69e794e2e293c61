"""Search and suggestion commands: ``search`` (exact, lemma, fuzzy; KWIC; code all hits)
and ``suggest`` (codebook and trained-model suggestions, training, evaluation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from qualcode.cli.common import (
    JSON_OPTION,
    default_coder_name,
    emit_json,
    open_from,
    open_light_from,
    progress_bar,
    say,
)
from qualcode.cli.words import plural
from qualcode.errors import QualcodeError

if TYPE_CHECKING:
    from qualcode.search_core import SearchResult


def _print_search(result: Any, coded: dict[str, Any] | None) -> None:
    compounds = any(hit.match == "compound" for hit in result.hits)
    for hit in result.hits:
        left = hit.left[-45:].rjust(45)
        if result.mode == "fuzzy":
            mark = f"{hit.match:<8} {hit.score:>3.0f} "
        elif compounds:  # a lemma search marks the compounds it found by their head
            mark = f"{hit.match:<8} "
        else:
            mark = ""
        say(
            f"{mark}{hit.document_id:>4} {hit.start:>7}-{hit.end:<7} {left} [{hit.text}] "
            f"{hit.right[:45]}"
        )
    if result.truncated:
        say(f"... {result.total - len(result.hits)} more hits (use --limit 0 to show all)")
    if result.documents:
        say("")
        say(f"{plural(result.total, 'hit')} in {plural(len(result.documents), 'document')}:")
        for d in result.documents:
            say(f"{d.count:>6}  {d.document_id:>4}  {d.kind:<9} {d.title}")
    else:
        say(f"no hits for {result.query!r} ({result.mode})")
    if coded is not None:
        say(
            f"coded {coded['coded']} hits with {coded['code']}"
            + (f" ({coded['skipped']} already coded)" if coded["skipped"] else "")
            + "; undo with ctrl+z in the TUI"
        )


def _light_search(
    ctx: typer.Context, query: str, mode: str, score: float, limit: int
) -> SearchResult | None:
    """A search on the light read path (``store.light``): a current SQLite project whose
    documents are all annotated; None when the full path must run (it annotates first)."""
    light = open_light_from(ctx)
    if light is None:
        return None
    from qualcode.search_core import needs_annotation, search_with

    with light:
        if needs_annotation(light):
            return None
        return search_with(
            light, str(light.path), query, mode=mode, fuzzy_score=score, limit=limit or None
        )


def register(app: typer.Typer) -> None:
    @app.command()
    def search(
        ctx: typer.Context,
        query: str = typer.Argument(..., help="A word or a phrase (words in order)."),
        lemma: bool = typer.Option(False, "--lemma", help="Match any inflection of each word."),
        fuzzy: float | None = typer.Option(
            None,
            "--fuzzy",
            metavar="SCORE",
            help="Match typos and compounds with a similarity of SCORE (0-100, e.g. 85).",
        ),
        document: str | None = typer.Option(None, "--document", help="Only this document."),
        kind: str | None = typer.Option(
            None, "--kind", help="Only documents of this kind (interview|notes|document)."
        ),
        code_hits: str | None = typer.Option(
            None, "--code-hits", metavar="CODE", help="Code every hit with CODE (undoable)."
        ),
        coder: str | None = typer.Option(None, help="Coder for --code-hits."),
        limit: int = typer.Option(200, help="Show at most N hits (0 = all); counts are complete."),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Find a word or phrase: exact, any inflection (--lemma) or fuzzy (--fuzzy SCORE)."""
        if lemma and fuzzy is not None:
            raise QualcodeError("give --lemma or --fuzzy, not both")
        mode = "fuzzy" if fuzzy is not None else "lemma" if lemma else "exact"
        score = fuzzy if fuzzy is not None else 85.0
        coded = None
        plain = code_hits is None and document is None and kind is None
        result = _light_search(ctx, query, mode, score, limit) if plain else None
        if result is None:
            from qualcode.search import code_hits as do_code_hits
            from qualcode.search import search as run_search

            with open_from(ctx) as project:
                with progress_bar("annotating", enabled=not as_json) as progress:
                    result = run_search(
                        project,
                        query,
                        mode=mode,
                        fuzzy_score=score,
                        document=document,
                        kind=kind,
                        limit=limit or None,
                        progress=progress,
                    )
                if code_hits is not None:
                    who = coder or default_coder_name()
                    coded = do_code_hits(project, result, code_hits, who)
        if as_json:
            data = result.as_dict()
            if coded is not None:
                data["coded"] = coded
            emit_json(data)
        else:
            _print_search(result, coded)

    @app.command()
    def annotate(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
        """Index the words and lemmas of documents imported with --no-annotate (or from a
        .qdpx); the first search does it too."""
        from qualcode.nlp.store import annotate_missing, annotated

        with open_from(ctx) as project:
            with progress_bar("annotating", enabled=not as_json) as progress:
                done = annotate_missing(project, progress)
        if as_json:
            emit_json(annotated(done))
        else:
            say(f"annotated {plural(done, 'document')}" if done else "every document is annotated")

    @app.command()
    def suggest(
        ctx: typer.Context,
        train: bool = typer.Option(
            False, "--train", help="Train the classifier on the project's codings first."
        ),
        evaluate: bool = typer.Option(
            False, "--evaluate", help="Cross-validate on the project's codings; store nothing."
        ),
        document: str | None = typer.Option(None, "--document", help="Only this document."),
        iterations: int = typer.Option(12, help="Training passes over the codings."),
        folds: int = typer.Option(4, help="Folds (groups of documents) for --evaluate."),
        no_model: bool = typer.Option(
            False, "--no-model", help="Use the codebook only, even if a model is trained."
        ),
        accept: int | None = typer.Option(None, "--accept", metavar="ID", help="Accept one."),
        reject: int | None = typer.Option(None, "--reject", metavar="ID", help="Reject one."),
        coder: str | None = typer.Option(
            None, help="Coder for --accept/--reject; with blind coding, whose suggestions."
        ),
        as_json: bool = JSON_OPTION,
    ) -> None:
        """Suggest codes for uncoded sentences (stored as open suggestions, never applied)."""
        who = coder or default_coder_name()
        with open_from(ctx) as project:
            if accept is not None or reject is not None:
                _accept_or_reject(project, accept, reject, who, as_json)
                return
            if evaluate:
                _evaluate(project, folds, iterations, as_json, who)
                return
            trained, rows = _suggest(project, train, document, iterations, no_model, as_json, who)
        _print_suggestions(trained, rows, as_json)


def _accept_or_reject(
    project: Any, accept: int | None, reject: int | None, who: str, as_json: bool
) -> None:
    from qualcode import suggest as sg

    if accept is not None and reject is not None:
        raise QualcodeError("give --accept or --reject, not both")
    if accept is not None:
        done = sg.accept_suggestion(project, accept, who)
        message = f"accepted suggestion {accept}: coding {done['coding_id']}"
    else:
        assert reject is not None
        done = sg.reject_suggestion(project, reject, who)
        message = f"rejected suggestion {reject}"
    if as_json:
        emit_json(done)
    else:
        say(message)


def _evaluate(project: Any, folds: int, iterations: int, as_json: bool, coder: str) -> None:
    from qualcode import suggest as sg

    with progress_bar("evaluating", enabled=not as_json) as progress:
        report = sg.evaluate(
            project, folds=folds, iterations=iterations, progress=progress, coder=coder
        )
    if as_json:
        emit_json(report)
    else:
        _print_evaluation(report)


def _suggest(
    project: Any,
    train: bool,
    document: str | None,
    iterations: int,
    no_model: bool,
    as_json: bool,
    coder: str,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    from qualcode import suggest as sg

    trained = None
    if train:
        with progress_bar("training", enabled=not as_json) as progress:
            trained = sg.train_model(project, iterations=iterations, progress=progress, coder=coder)
    with progress_bar("suggesting", enabled=not as_json) as progress:
        rows = sg.suggest(project, document, use_model=not no_model, progress=progress, coder=coder)
    return trained, rows


def _print_suggestions(
    trained: dict[str, Any] | None, rows: list[dict[str, Any]], as_json: bool
) -> None:
    if as_json:
        from qualcode.suggest.shapes import suggestion_run

        emit_json(suggestion_run(trained, rows))
        return
    if trained is not None:
        say(
            f"trained on {trained['passages']} coded passages "
            f"({len(trained['labels'])} codes, {trained['iterations']} iterations)"
        )
        say(
            model_weight_line(
                trained["model_weight"], trained["point_model_weight"], trained["passages"]
            )
        )
    for r in rows:
        say(
            f"{r['id']:>5}  {r['document_id']:>4} {r['start']:>7}-{r['end']:<7} "
            f"{r['code']:<14} {r['score']:.2f}  {r['reason']}"
        )
    say(f"{len(rows)} open suggestions; accept with `qualcode suggest --accept ID`")


def model_weight_line(area: float, point: float | None, passages: int) -> str:
    """How much the model counts beside the codebook, and where that weight came from."""
    from qualcode.suggest.crossval import MIN_WEIGHT_PASSAGES

    weights = f"model weight beside the codebook: areas {area}, attention points {point}"
    if passages < MIN_WEIGHT_PASSAGES:
        return (
            f"{weights} (the starting weights; chosen by cross-validation "
            f"from {MIN_WEIGHT_PASSAGES} coded passages on)"
        )
    return f"{weights} (chosen by cross-validation over the coded passages)"


def _print_evaluation(report: dict[str, Any]) -> None:
    say(f"{report['passages']} coded passages")
    for name in ("codebook", "model", "combined"):
        part = report.get(name)
        if not part:
            continue
        area, point = part["area"], part["attention_point"]
        say(
            f"{part['method']:<15} area top-1 {area['top1']}  top-3 {area['top3']}   "
            f"attention point top-1 {point['top1']}  top-3 {point['top3']}   "
            f"macro-F1 {part['macro_f1']}"
        )
    if "model_weight" in report:
        say(
            model_weight_line(
                report["model_weight"], report.get("point_model_weight"), report["passages"]
            )
        )
    best = report.get("combined") or report["codebook"]
    quality = best["suggestions"]
    say(
        f"suggestions: area precision {quality['area_precision']}, attention point precision "
        f"{quality['point_precision']}, cross-cutting precision "
        f"{quality['cross_cutting_precision']}, coverage {quality['coverage']}"
    )
    calibration = report.get("calibration") or {}
    if calibration:
        say("")
        say(
            f"calibration of the codebook's area probabilities (temperature "
            f"{calibration['temperature']}, fitted by grouped cross-validation): "
            f"ECE {calibration['ece']}"
        )
        for row in calibration["reliability"]:
            if row["passages"]:
                say(
                    f"  p {row['from']:.2f}-{row['to']:.2f}: {row['passages']:>4} passages, "
                    f"mean p {row['probability']:.2f}, right {row['right']:.2f}"
                )
    curves = (
        ("documents", "whole documents coded; area top-1 on the documents not yet coded"),
        ("passages", "a share of each document's passages coded; coded neighbours voting"),
    )
    for (drawn, title), curve in zip(
        curves, (report.get("learning_curve") or [], report.get("passage_curve") or []), strict=True
    ):
        if curve:
            say("")
            say(f"learning curve ({title}; mean of random draws, lowest-highest):")
        for row in curve:
            spread = row.get("spread", {}).get("combined")
            span = f" ({spread['min']}-{spread['max']})" if spread else ""
            say(
                f"  {row['coded_share']:>4.0%} of {drawn} coded ({row['passages_coded']} passages,"
                f" {row['draws']} draws): codebook {row['codebook']}  model {row['model']}  "
                f"combined {row['combined']}{span}"
            )
    for title, table in (("area", best["per_area"]), ("attention point", best["per_code"])):
        say("")
        say(f"per {title} ({best['method']}): precision / recall / support")
        for key, v in table.items():
            say(f"  {key:<14} {v['precision']:.2f} / {v['recall']:.2f} / {v['support']}")
