"""The letter to an expert signs with the sender the project settings name."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.db import Project
from qualcode.packets import make_packets
from qualcode.settings import set_setting
from tests.packets.test_packets import DUE, TODAY, _study
from tests.quotes.helpers import docx_text


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_the_letter_signs_with_the_sender_from_the_settings(
    project: Project, tmp_path: Path, fmt: str
) -> None:
    study = _study(project)
    set_setting(study, "sender_name", "Mikkel Rask Vinter")
    set_setting(study, "sender_institution", "Center for Sundhedsanalyse, Nordby")
    made = make_packets(study, tmp_path / "out", DUE, fmt=fmt, participant="Asta Brinkmann",
                        today=TODAY, who="ida")  # fmt: skip
    path = Path(made[0]["path"])
    text = docx_text(path) if fmt == "docx" else path.read_text(encoding="utf-8")
    assert "Mikkel Rask Vinter" in text
    assert "Center for Sundhedsanalyse, Nordby" in text
    assert "Forskergruppen bag" not in text
    assert text.index("Med venlig hilsen") < text.index("Mikkel Rask Vinter")


def test_without_a_sender_the_letter_signs_as_the_research_team(
    project: Project, tmp_path: Path
) -> None:
    study = _study(project)
    made = make_packets(study, tmp_path / "out", DUE, fmt="md", participant="Asta Brinkmann",
                        today=TODAY, who="ida")  # fmt: skip
    text = Path(made[0]["path"]).read_text(encoding="utf-8")
    assert f"Forskergruppen bag {study.name}" in text
