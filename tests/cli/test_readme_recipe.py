"""README's "A study from the command line" runs verbatim in an empty folder."""

from __future__ import annotations

import glob
import json
import re
import shlex
from pathlib import Path

import pytest

from qualcode.cli import main

ROOT = Path(__file__).resolve().parents[2]

EXPERTS = """name;title;organisation;expertise;consent
Birgitte Holmgaard;professor;Center for Lighed i Kræft;social ulighed;named
Ove Lund;praktiserende læge;Lægehuset Bakken;almen praksis;role_only
"""
HOLMGAARD = """Interview med Birgitte Holmgaard

Interviewer: Hvem venter længst på en diagnose?
Birgitte Holmgaard: Det er tydeligt, at de ressourcesvage venter længst, også ved vage symptomer.
Interviewer: Hvad skal der til?
Birgitte Holmgaard: En national model for monitorering.
"""
LUND = """Interview med Ove Lund

I: Hvordan oplever du henvisningerne?
Ekspert: Mange henvisninger bliver afvist eller sendt videre.
I: Tak.
Ekspert: Selv tak.
"""
MINUTES = "# Referater fra task force\n\nMøde 1: basal palliation blev kort nævnt.\n"


def _recipe() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A study from the command line", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


@pytest.mark.sqlite_only
def test_readme_recipe_runs_verbatim(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experts.csv").write_text(EXPERTS, encoding="utf-8")
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "holmgaard.txt").write_text(HOLMGAARD, encoding="utf-8")
    (tmp_path / "interviews" / "lund.txt").write_text(LUND, encoding="utf-8")
    (tmp_path / "minutes.md").write_text(MINUTES, encoding="utf-8")
    ran = []
    for line in _recipe():
        words = shlex.split(line, comments=True)
        if words[0] == "export":
            name, _, value = words[1].partition("=")
            monkeypatch.setenv(name, value)
            continue
        assert words[0] == "qualcode", line
        if words[1:] == ["tui"]:
            continue  # the TUI needs a terminal; tests/tui drives it
        args = [w2 for w in words[1:] for w2 in (sorted(glob.glob(w)) or [w] if "*" in w else [w])]
        capsys.readouterr()
        code = main(args)
        out, err = capsys.readouterr()
        assert code == 0, f"{line}\n{err}"
        ran.append((words[1:], out))
    outputs = {" ".join(args[:2]): out for args, out in ran}
    [coding] = json.loads(outputs["codings list"])
    assert coding["code"] == "1.2" and coding["participant"] == "Birgitte Holmgaard"
    assert (tmp_path / "omraade-1.md").read_text(encoding="utf-8").count("ressourcesvage") == 1
    assert "Ekspert" not in outputs["documents speakers"]  # Holmgaard's document
    assert len(ran) == len(_recipe()) - 2  # every line but `export` and `tui` ran
