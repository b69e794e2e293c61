"""Fixtures shared by the suggestion tests."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qualcode.codebook import load_codebook
from qualcode.db import Project
from qualcode.demo import demo_codebook
from qualcode.models import Code
from qualcode.suggest.scorer import CodebookScorer


@pytest.fixture
def scorer(project: Project) -> CodebookScorer:
    """The study codebook's scorer, its codes detached from the session that read them."""
    load_codebook(project, demo_codebook())
    with project.session() as s:
        codes = list(s.exec(select(Code)))
        for c in codes:
            s.expunge(c)
    return CodebookScorer(codes, "da")
