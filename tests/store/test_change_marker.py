"""change_marker: what the TUI polls to notice other coders' changes."""

from __future__ import annotations

from qualcode import quotes
from qualcode.coding import apply_code, remove_coding
from qualcode.db import Project, change_marker, open_project
from store.helpers import participant_span, prepare, target_of


def test_marker_moves_when_someone_else_writes(project: Project) -> None:
    prepare(project)
    first = change_marker(project)
    assert change_marker(project) == first  # stable while nothing happens
    with open_project(target_of(project)) as colleague:
        made = apply_code(colleague, 1, "1", 10, 40, "kollega")
        after_coding = change_marker(project)
        assert after_coding != first
        remove_coding(colleague, made["id"], "kollega")
        after_removal = change_marker(project)
        assert after_removal not in (first, after_coding)
        quote = quotes.add_quote(colleague, 1, *participant_span(project), "1", "kollega")
        after_quote = change_marker(project)
        quotes.respond(colleague, quote["id"], "approve", "kollega")
        assert change_marker(project) != after_quote != after_removal


def test_settings_hide_the_counter(project: Project) -> None:
    project.set_setting("name", "Studie")
    assert project.settings() == {"name": "Studie"}
