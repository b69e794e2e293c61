"""A tiny invented study for the daily-loop tests: two experts, two interviews, one with a
speaker ("Ekspert") that matches nobody. ``make_study`` is a recipe over the one builder
(tests/builders.py); the tests then drive the CLI on the same project."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from builders import ProjectBuilder

EXPERTS = """name;title;organisation;expertise;consent
Ida Holm;overlæge;Fjordby Sygehus;palliation;named
Karl Venø;formand;Patientforeningen Lys;hjemmebehandling;role_only
"""
HOLM = """Interview med Ida Holm, 3. marts 2025

Interviewer: Hvordan går det med udredningen?
Ida Holm: Patienter med vage symptomer venter for længe. De ressourcesvage venter længst.
Interviewer: Og hjemmebehandling?
Ida Holm: Det kræver bedre samarbejde mellem sektorerne.
"""
VENOE = """Interview med Karl Venø

I: Hvad oplever jeres medlemmer?
Ekspert: Mange venter længe på svar, og de ressourcesvage venter længst.
I: Og efter behandlingen?
Ekspert: Der mangler overblik over tilbuddene efter kræftbehandling.
"""

Cli = Callable[..., tuple[int, str, str]]


def write_study_files(folder: Path) -> dict[str, Path]:
    (folder / "interviews").mkdir(parents=True, exist_ok=True)
    files = {
        "experts": folder / "experts.csv",
        "holm": folder / "interviews" / "holm.txt",
        "venoe": folder / "interviews" / "venoe.txt",
    }
    files["experts"].write_text(EXPERTS, encoding="utf-8")
    files["holm"].write_text(HOLM, encoding="utf-8")
    files["venoe"].write_text(VENOE, encoding="utf-8")
    return files


def run_json(cli: Cli, *args: str) -> Any:
    code, out, err = cli(*args, "--json")
    assert code == 0, err
    return json.loads(out)


def make_study(build: ProjectBuilder) -> dict[str, int]:
    """Participants, the bundled codebook and both interviews; returns the document ids."""
    files = write_study_files(build.folder)
    build.participants(files["experts"]).codebook("kraeftplan")
    holm, venoe = build.import_paths([files["holm"], files["venoe"]])
    return {"holm": holm, "venoe": venoe}


def assert_error(result: tuple[int, str, str], *words: str) -> str:
    """Exit 1, one `error:` line and a `hint:` line; returns stderr."""
    code, _out, err = result
    assert code == 1, err
    assert err.startswith("error: "), err
    assert "\nhint: " in err, err
    for word in words:
        assert word in err, err
    return err
