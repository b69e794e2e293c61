"""The domain never imports Textual or Typer: proven in a fresh interpreter per module."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import qualcode

FACES = ("qualcode.tui", "qualcode.cli", "qualcode.__main__")


def domain_modules() -> list[str]:
    root = Path(qualcode.__file__).parent
    names = []
    for info in pkgutil.walk_packages([str(root)], prefix="qualcode."):
        if info.name.startswith(FACES) or ".migrations." in info.name + ".":
            continue
        names.append(info.name)
    return sorted(names)


def test_there_are_domain_modules_to_check() -> None:
    names = domain_modules()
    for expected in ("qualcode.models", "qualcode.db", "qualcode.importing", "qualcode.coding"):
        assert expected in names


@pytest.mark.parametrize("module", domain_modules())
def test_domain_module_imports_no_ui_library(module: str) -> None:
    code = (
        f"import sys, importlib; importlib.import_module({module!r}); "
        "bad = [m for m in ('textual', 'typer', 'click') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{module} pulls in {out}"
