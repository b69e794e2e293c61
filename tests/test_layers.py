"""The layers hold: import-linter's contracts pass, and every module is placed in a layer.

`.importlinter` names the layers (faces → domain → formats/nlp → store → base) and forbids UI
libraries and the database below their layers. A contract only checks the modules it names, so
this test also fails when a new top-level module is missing from the layers or from the list
of modules that must stay headless. A fresh interpreter per module proves the same at run
time (an import inside a function is invisible to a static check).
"""

from __future__ import annotations

import configparser
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import qualcode

ROOT = Path(__file__).resolve().parents[1]
FACES = {"cli", "tui", "__main__"}


def _config() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter")
    return parser


def _top_level_modules() -> set[str]:
    return {info.name for info in pkgutil.iter_modules(qualcode.__path__)}


def _layered_names() -> set[str]:
    layers = _config()["importlinter:contract:layers"]["layers"]
    return {name for name in re.split(r"[\s|:]+", layers) if name}


def test_every_module_has_a_layer() -> None:
    missing = _top_level_modules() - _layered_names()
    assert not missing, f"add these to a layer in .importlinter: {sorted(missing)}"


def test_everything_below_the_faces_must_stay_headless() -> None:
    listed = set(_config()["importlinter:contract:headless"]["source_modules"].split())
    wanted = {f"qualcode.{name}" for name in _top_level_modules() - FACES}
    assert wanted - listed == set(), f"add to the headless contract: {sorted(wanted - listed)}"


def test_import_contracts_are_kept() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which(
        "lint-imports"
    )
    assert lint, "import-linter is a test dependency: pip install '.[test]'"
    result = subprocess.run(
        [lint, "--config", str(ROOT / ".importlinter"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _headless_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(qualcode.__path__, prefix="qualcode."):
        top = info.name.split(".")[1]
        if top in FACES or top == "migrations":
            continue
        names.append(info.name)
    return sorted(names)


def _ui_libraries_loaded_by(modules: list[str]) -> str:
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(','.join(m for m in ('textual', 'typer', 'click') if m in sys.modules))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_no_module_below_the_faces_loads_a_ui_library_at_run_time() -> None:
    """One fresh interpreter imports them all; only on a failure is each one tried alone,
    to name the culprit (an import inside a function escapes the static contracts)."""
    modules = _headless_modules()
    assert len(modules) > 40, modules
    if _ui_libraries_loaded_by(modules) == "":
        return
    culprits = {m: found for m in modules if (found := _ui_libraries_loaded_by([m]))}
    assert not culprits, f"these modules pull in a UI library: {culprits}"
