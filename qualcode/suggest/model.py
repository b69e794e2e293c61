"""The trained classifier: a spaCy ``textcat_multilabel`` over lemmas, trained locally on
the project's own codings and stored as bytes."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, select

from qualcode.models import (
    TrainedModel,
)
from qualcode.progress import Progress, no_progress
from qualcode.suggest.passages import (
    Passage,
    _doc_views,
    _passage,
    _uncoded_units,
)
from qualcode.suggest.scorer import MODEL_KIND, CodebookScorer, SuggestError

# ----------------------------------------------------------------------------------------
# The trained classifier


class TextModel:
    """A spaCy ``textcat_multilabel`` over lemma keys, loaded from or saved to bytes."""

    def __init__(self, nlp: Any, labels: list[str]) -> None:
        self.nlp = nlp
        self.labels = labels
        self.weight: float | None = None  # chosen by cross-validation at training time

    @staticmethod
    def _config(labels: list[str]) -> dict[str, Any]:
        return {
            "threshold": 0.5,
            "model": {
                "@architectures": "spacy.TextCatBOW.v3",
                "exclusive_classes": False,
                "ngram_size": 1,
                "no_output_layer": False,
                "length": 2**13,
            },
        }

    @classmethod
    def blank(cls, labels: list[str]) -> TextModel:
        import spacy

        nlp = spacy.blank("xx")
        textcat: Any = nlp.add_pipe("textcat_multilabel", config=cls._config(labels))
        for label in labels:
            textcat.add_label(label)
        return cls(nlp, labels)

    def _doc(self, words: list[str]) -> Any:
        from spacy.tokens import Doc

        return Doc(self.nlp.vocab, words=words)

    def train(
        self,
        examples: list[tuple[list[str], set[str]]],
        iterations: int,
        seed: int = 0,
        progress: Progress = no_progress,
    ) -> float:
        """Train on (words, labels) pairs; returns the last epoch's loss."""
        from spacy.training import Example
        from spacy.util import minibatch
        from thinc.api import fix_random_seed

        fix_random_seed(seed)
        data = [
            Example.from_dict(
                self._doc(words), {"cats": {lab: float(lab in cats) for lab in self.labels}}
            )
            for words, cats in examples
        ]
        optimizer = self.nlp.initialize(lambda: data)
        rng = random.Random(seed)
        loss = 0.0
        for epoch in range(iterations):
            rng.shuffle(data)
            losses: dict[str, float] = {}
            for batch in minibatch(data, size=16):
                self.nlp.update(batch, sgd=optimizer, drop=0.1, losses=losses)
            loss = losses.get("textcat_multilabel", 0.0)
            progress(epoch + 1, iterations, f"training, loss {loss:.3f}")
        return loss

    def predict(self, passages: list[list[str]]) -> list[dict[str, float]]:
        docs = [self._doc(words) for words in passages]
        textcat = self.nlp.get_pipe("textcat_multilabel")
        return [dict(doc.cats) for doc in textcat.pipe(docs)]

    def to_bytes(self) -> bytes:
        return self.nlp.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes, labels: list[str]) -> TextModel:
        model = cls.blank(labels)
        model.nlp.from_bytes(data)
        return model


# ----------------------------------------------------------------------------------------
# Training, loading the model


def _labels_of(passage: Passage, scorer: CodebookScorer) -> set[str]:
    """A passage's codes plus the areas they belong to (the model learns both levels)."""
    labels = set(passage.codes)
    for key in passage.codes:
        info = scorer.codes.get(key)
        if info is not None and info.area_key is not None:
            labels.add(info.area_key)
    return labels


def _fit(
    examples: list[tuple[list[str], set[str]]],
    iterations: int,
    seed: int,
    progress: Progress = no_progress,
) -> TextModel:
    counts = Counter(lab for _, labs in examples for lab in labs)
    labels = sorted(lab for lab, n in counts.items() if n >= 2)
    if not labels:
        raise SuggestError(
            "too few codings to train on",
            "Code at least two passages with the same code first.",
        )
    model = TextModel.blank(labels)
    model.train(examples, iterations, seed=seed, progress=progress)
    return model


def _negative_passages(
    session: Session, limit: int, seed: int, visible: ColumnElement[bool] | None = None
) -> list[Passage]:
    """Uncoded sentences of the experts: what the model should learn to leave alone."""
    units = _uncoded_units(session, None, visible)
    rng = random.Random(seed)
    rng.shuffle(units)
    picked = units[:limit]
    views = _doc_views(session, sorted({d for d, _, _ in picked}))
    return [_passage(views, d, s, e) for d, s, e in picked]


def model_kind(coder: str | None) -> str:
    """The ``TrainedModel.kind`` of the project's model (``None``) or of the model a blind
    coder trained on their own codings (the coder's name is in its ``meta``)."""
    return MODEL_KIND if coder is None else MODEL_KIND + ".coder"


def _model_row(session: Session, coder: str | None) -> TrainedModel | None:
    rows = session.exec(
        select(TrainedModel)
        .where(TrainedModel.kind == model_kind(coder))
        .order_by(col(TrainedModel.id).desc())
    ).all()
    return next((r for r in rows if coder is None or r.meta.get("coder") == coder), None)


def load_model(session: Session, coder: str | None = None) -> TextModel | None:
    """The project's model, or (``coder``, for a blind coder) the one trained on that
    coder's own codings only — never the project's, which learnt from everyone's."""
    row = _model_row(session, coder)
    if row is None:
        return None
    try:
        model = TextModel.from_bytes(bytes(row.data), list(row.meta.get("labels", [])))
    except Exception:  # noqa: BLE001 - a model from another qualcode version: train again
        return None
    weight = row.meta.get("model_weight")
    model.weight = float(weight) if isinstance(weight, (int, float)) else None
    return model
