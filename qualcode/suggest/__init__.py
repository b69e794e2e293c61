"""Code suggestions for uncoded passages: from the codebook itself and from a model trained
on the project's own codings. Never applied silently: suggestions are stored, then each is
accepted (a coding with origin ``suggestion``, undoable) or rejected by a researcher.

Two sources combine:

1. **The codebook** — keywords (also multi-word ones), labels, descriptions and use-when
   notes, lemmatised the way the corpus is, each weighted by how rare it is in Danish
   generally (wordfreq). A word matches a term when its lemma equals the term's, or when
   it is a compound that starts or ends with a long keyword and whose other part is a word
   (``palliationssygeplejerske`` → ``palliation``). An area collects its own evidence and
   its attention points'; in a report the nearest heading that names a code counts a quarter.
   Area evidence becomes a calibrated probability (``calibration``). Works before
   anything is coded, and learns from the project's own uncoded text (``selftrain``: the
   sentences it is sure of teach a classifier whose area vote ranks the rest).
2. **A text classifier** (``linear``: TF-IDF over lemmas, an area softmax and per-code
   logistic regressions, with the codebook's area probabilities as an input weighed by one
   learnt weight) trained locally on the project's codings (``train_model``), stored in
   ``TrainedModel`` as bytes; its weight beside the codebook starts at
   ``crossval.PRIOR_WEIGHTS`` and is chosen per project by grouped cross-validation once
   100 passages are coded. In documents without speaker turns the text around a passage
   counts less and attention points are ranked on its own words (``evidence``).

The unit of a suggestion is a sentence outside any coding and outside the interviewer's
turns. With blind coding on, a coder's suggestions and model use only the codings that
coder may see (``qualcode.visibility``).
"""

from qualcode.suggest.evaluation import evaluate, train_model
from qualcode.suggest.model import MODEL_KIND, TextModel, load_model
from qualcode.suggest.passages import Passage, coded_passages
from qualcode.suggest.scorer import (
    CodebookScorer,
    CodeScore,
    SuggestError,
    build_scorers,
    combine_evidence,
    rank_codes,
)
from qualcode.suggest.store import (
    accept_suggestion,
    open_suggestions,
    reject_suggestion,
    suggest,
    suggest_for_text,
)
from qualcode.suggest.weights import choose_model_weight, choose_model_weights

__all__ = [
    "MODEL_KIND",
    "CodeScore",
    "CodebookScorer",
    "Passage",
    "SuggestError",
    "TextModel",
    "accept_suggestion",
    "build_scorers",
    "choose_model_weight",
    "choose_model_weights",
    "coded_passages",
    "combine_evidence",
    "evaluate",
    "load_model",
    "open_suggestions",
    "rank_codes",
    "reject_suggestion",
    "suggest",
    "suggest_for_text",
    "train_model",
]
