"""Inter-coder agreement: percent agreement, Cohen's kappa and Krippendorff's alpha.

``figures`` (the pure statistics), ``units`` (sentences and the marking rule),
``compute`` (over a project: per code, per area, overall; all units and coded units),
``report`` (the shapes), ``decisions`` (settling disagreements). ``docs/agreement.md``
explains the choices.
"""

from qualcode.agreement.compute import area_of, compute_agreement
from qualcode.agreement.decisions import (
    coder_pairs,
    default_review_pair,
    resolve_disagreement,
    review_decisions,
)
from qualcode.agreement.figures import (
    Figures,
    coded_only,
    cohen_kappa,
    figures,
    figures_both,
    krippendorff_alpha_nominal,
    percent_agreement,
)
from qualcode.agreement.report import (
    DECISIONS,
    REVIEW_PREFIX,
    AgreementReport,
    AreaRow,
    CodeRow,
    Disagreement,
    OverallFigures,
)
from qualcode.agreement.units import document_units, marks, split_sentences

__all__ = [
    "DECISIONS",
    "REVIEW_PREFIX",
    "AgreementReport",
    "AreaRow",
    "CodeRow",
    "Disagreement",
    "Figures",
    "OverallFigures",
    "area_of",
    "coded_only",
    "cohen_kappa",
    "compute_agreement",
    "coder_pairs",
    "default_review_pair",
    "document_units",
    "figures",
    "figures_both",
    "krippendorff_alpha_nominal",
    "marks",
    "percent_agreement",
    "resolve_disagreement",
    "review_decisions",
    "split_sentences",
]
