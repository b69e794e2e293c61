"""The demo project: the bundled fictional corpus and codebook, imported and partly coded.

It is built with the same domain functions a researcher's commands use, so the demo also
exercises import, participants, codebook, coding and quotes end to end.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from qualcode.bulk import BulkRow, add_coding_rows, add_quote_rows
from qualcode.codebook import load_codebook
from qualcode.db import Project, open_project
from qualcode.errors import ProjectError, QualcodeError
from qualcode.importing import import_one
from qualcode.nlp.store import annotate_documents
from qualcode.participants import import_participants
from qualcode.progress import Progress, no_progress

DEMO_PROJECT_NAME = "Kræftplan V – forundersøgelse (demo)"


def bundled_dir(name: str) -> Path:
    """``corpora`` or ``codebooks``: beside the package in a checkout, inside it when installed."""
    package_dir = Path(__file__).resolve().parent
    for candidate in (package_dir.parent / name, package_dir / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise ProjectError(
        f"the bundled {name} folder is missing from this installation",
        "Reinstall qualcode (pip install .) from a complete checkout.",
    )


def demo_corpus_dir() -> Path:
    return bundled_dir("corpora") / "demo"


def demo_codebook() -> Path:
    return bundled_dir("codebooks") / "kraeftplan.toml"


def _load_toml(path: Path) -> dict[str, Any]:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def build_demo(
    path: Path, progress: Progress = no_progress, replace: bool = False
) -> tuple[Project, dict[str, int]]:
    """Create the demo project at ``path`` and return it open, with a count summary."""
    if path.exists():
        if not replace:
            raise ProjectError(f"{path} already exists", "Use --fresh to rebuild it.")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    corpus = demo_corpus_dir()
    manifest = _load_toml(corpus / "manifest.toml")["document"]
    coding_files = sorted(corpus.glob("codings*.toml"))
    total = 2 + len(manifest) + len(coding_files)
    project = open_project(path, create=True)
    try:
        project.set_setting("name", DEMO_PROJECT_NAME)
        project.set_setting("silence_as_consent", "true")
        progress(0, total, "codebook")
        load_codebook(project, demo_codebook())
        progress(1, total, "participants")
        import_participants(project, corpus / "participants.csv")
        step = 2
        imported: list[int] = []
        for entry in manifest:
            progress(step, total, entry["file"])
            outcome = import_one(
                project,
                corpus / entry["file"],
                kind=entry.get("kind"),
                participants=entry.get("participants") or None,
                language=entry.get("language"),
                title=entry.get("title"),
                date=dt.date.fromisoformat(entry["date"]) if entry.get("date") else None,
                annotate=False,
            )
            if outcome.status != "imported" or outcome.document_id is None:
                raise QualcodeError(f"demo corpus: {outcome.message}")
            imported.append(outcome.document_id)
            step += 1
        annotate_documents(project, imported)  # all at once: nlp.pipe batches, one commit
        codings = quotes = 0
        for coding_file in coding_files:
            progress(step, total, coding_file.name)
            c, q = _apply_demo_codings(project, coding_file, manifest)
            codings += c
            quotes += q
            step += 1
        progress(total, total, "done")
        from qualcode.codebook import CodeNode, codebook_tree

        def count(tree: list[CodeNode]) -> int:
            return sum(1 + count(n["children"]) for n in tree)

        summary = {
            "documents": len(manifest),
            "participants": len(_participant_names(corpus)),
            "codes": count(codebook_tree(project)),
            "codings": codings,
            "quotes": quotes,
        }
    except Exception:
        project.close()
        raise
    return project, summary


def _participant_names(corpus: Path) -> list[str]:
    lines = (corpus / "participants.csv").read_text(encoding="utf-8-sig").splitlines()
    return [line.split(";", 1)[0] for line in lines[1:] if line.strip()]


def _apply_demo_codings(
    project: Project, coding_file: Path, manifest: list[dict[str, Any]]
) -> tuple[int, int]:
    """Apply the pre-coded passages and candidate quotes of one codings file.

    Through the bulk path a ``qualcode code --from`` file takes: one transaction (and one
    undo step) per coder for the codings, one for the quotes.
    """
    titles = {entry["file"]: entry["title"] for entry in manifest}
    data = _load_toml(coding_file)
    by_coder: dict[str, list[BulkRow]] = {}
    for n, item in enumerate(data.get("coding", []), start=1):
        coder = item.get("coder", "ida")
        values = {"document": titles[item["document"]], "match": item["match"]}
        values |= {"code": item["code"], "memo": item.get("memo", ""), "coder": coder}
        by_coder.setdefault(coder, []).append(BulkRow(n, values))
    n_codings = 0
    for coder, rows in by_coder.items():
        n_codings += add_coding_rows(project, rows, coder, coding_file.name)["added"]
    quotes = []
    for n, item in enumerate(data.get("quote", []), start=1):
        values = {"document": titles[item["document"]], "match": item["match"]}
        values |= {"code": item.get("code") or "", "coder": item.get("coder", "ida")}
        values |= {"draft": item.get("draft", "")}
        if item.get("wording") is not None:
            values["wording"] = item["wording"]
        quotes.append(BulkRow(n, values))
    n_quotes = add_quote_rows(project, quotes, "ida", coding_file.name)["added"] if quotes else 0
    return n_codings, n_quotes
