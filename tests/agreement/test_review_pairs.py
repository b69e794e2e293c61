"""Who the review screen pairs: a coder who opens review still sees their own pair."""

from __future__ import annotations

from qualcode.agreement.decisions import coder_pairs, default_review_pair
from qualcode.db import Project


def test_a_coder_reviewing_is_paired_when_no_other_pair_exists(demo_project: Project) -> None:
    # The demo has two coders, ida and mads: leaving the reviewer out would leave no pair.
    assert set(default_review_pair(demo_project, reviewer="ida")) == {"ida", "mads"}
    assert [set(p) for p in coder_pairs(demo_project, reviewer="ida")] == [{"ida", "mads"}]


def test_a_lead_who_did_not_code_sees_the_coders(demo_project: Project) -> None:
    assert set(default_review_pair(demo_project, reviewer="lead")) == {"ida", "mads"}
    assert set(default_review_pair(demo_project)) == {"ida", "mads"}
