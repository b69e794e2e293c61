"""The trained classifier: TF-IDF over lemmas and a regularised linear model, trained locally
on the project's own codings (numpy only, no extra dependency), stored as bytes.

- **Areas**: one softmax regression over the areas and "no area" (uncoded sentences of the
  experts are "no area"), so the area probabilities of a passage add up to at most 1.
- **Attention points and cross-cutting codes**: one logistic regression per code.

The input is the passage's lemmas, the question's (``q_``) and context's (``c_``) lemmas and
the codebook's votes (``cb_<key>``, repeated by strength: the model learns how far this
project's codings follow the codebook). Features are sublinear TF-IDF, L2-normalised per
passage; training is full-batch Adam on the mean log-loss with an L2 penalty. Small data is
the normal case (a fifth of a project coded is a few dozen passages), where a linear model
with a strong penalty holds better than a neural text classifier.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import msgpack
import numpy as np
from numpy.typing import NDArray

from qualcode.progress import Progress, no_progress
from qualcode.suggest.scorer import ModelWeights

NONE_LABEL = "_none"
AREA_VOTE = "cba_"  # model input: the codebook's calibrated area probability, in tenths
CODE_VOTE = "cb_"  # model input: the codebook's evidence for a code, repeated by strength
VOTE_UNITS = (10.0, 4.0)  # tokens per unit of area probability / of code strength
PRIOR_START = 4.0  # the codebook's weight before training (about the codebook alone)
MIN_DF = 1  # a word seen in this many training passages becomes a feature
MAX_CELLS = 30_000_000  # passages x features of the dense training matrix (about 120 MB)
L2 = 1e-3  # penalty on the weights (features are L2-normalised per passage)
LEARNING_RATE = 0.1
STEPS_PER_ITERATION = 25
FORMAT = 1

_Matrix = NDArray[np.float32]


def _softmax(z: _Matrix) -> _Matrix:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(z: _Matrix) -> _Matrix:
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


class LinearModel:
    """Area softmax plus per-code logistic regressions over TF-IDF lemma features."""

    def __init__(
        self,
        labels: list[str],
        areas: list[str],
        vocab: list[str],
        idf: _Matrix,
        weights: _Matrix,
        bias: _Matrix,
        prior: _Matrix | None = None,
    ) -> None:
        self.labels = labels  # every label the model votes for (areas first)
        self.areas = areas  # the softmax's classes without "no area"
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}
        self.idf = idf
        self.weights = weights  # features x (areas + none + other labels)
        self.bias = bias
        # how far the codebook's votes count: one weight for the areas, one for other codes
        self.prior = prior if prior is not None else np.full(2, PRIOR_START, dtype=np.float32)
        # chosen per level by cross-validation at training time (``scorer.ModelWeights``)
        self.weight: float | ModelWeights | None = None

    @property
    def others(self) -> list[str]:
        return [lab for lab in self.labels if lab not in self.areas]

    def features(self, passages: list[list[str]]) -> tuple[_Matrix, _Matrix]:
        """TF-IDF rows, and the codebook's votes per output column (areas' probabilities,
        0 for "no area", the other codes' strengths)."""
        x = np.zeros((len(passages), len(self.vocab)), dtype=np.float32)
        k = len(self.areas) + 1
        column = {a: i for i, a in enumerate(self.areas)}
        column.update({lab: k + i for i, lab in enumerate(self.others)})
        votes = np.zeros((len(passages), k + len(self.others)), dtype=np.float32)
        for row, words in enumerate(passages):
            counts = Counter(words)
            for w, n in counts.items():
                j = self.index.get(w)
                if j is not None:
                    x[row, j] = (1.0 + math.log(n)) * self.idf[j]
                if w.startswith(AREA_VOTE) and w[len(AREA_VOTE) :] in self.areas:
                    votes[row, column[w[len(AREA_VOTE) :]]] = n / VOTE_UNITS[0]
                elif w.startswith(CODE_VOTE):
                    c = column.get(w[len(CODE_VOTE) :])
                    if c is not None and c >= k:
                        votes[row, c] = n / VOTE_UNITS[1]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        return x / np.maximum(norms, 1e-9), votes

    def _logits(self, x: _Matrix, votes: _Matrix) -> _Matrix:
        k = len(self.areas) + 1
        z = x @ self.weights + self.bias
        z[:, :k] += self.prior[0] * votes[:, :k]
        z[:, k:] += self.prior[1] * votes[:, k:]
        return z

    def _outputs(self, x: _Matrix, votes: _Matrix) -> tuple[_Matrix, _Matrix]:
        z = self._logits(x, votes)
        k = len(self.areas) + 1
        return _softmax(z[:, :k]), _sigmoid(z[:, k:])

    def predict(self, passages: list[list[str]]) -> list[dict[str, float]]:
        """Per passage: a probability per area (with "no area" left out, so they add up to
        at most 1) and per other code."""
        if not passages:
            return []
        areas, others = self._outputs(*self.features(passages))
        out = []
        for a_row, o_row in zip(areas, others, strict=True):
            probs = {lab: float(p) for lab, p in zip(self.areas, a_row, strict=False)}
            probs.update({lab: float(p) for lab, p in zip(self.others, o_row, strict=True)})
            out.append(probs)
        return out

    def to_bytes(self) -> bytes:
        data = msgpack.packb(
            {
                "format": FORMAT,
                "labels": self.labels,
                "areas": self.areas,
                "vocab": self.vocab,
                "idf": self.idf.astype(np.float32).tobytes(),
                "shape": list(self.weights.shape),
                "weights": self.weights.astype(np.float32).tobytes(),
                "bias": self.bias.astype(np.float32).tobytes(),
                "prior": self.prior.astype(np.float32).tobytes(),
            },
            use_bin_type=True,
        )
        if not isinstance(data, bytes):
            raise ValueError("the model could not be packed")
        return data

    @classmethod
    def from_bytes(cls, data: bytes) -> LinearModel:
        """The model stored by ``to_bytes``; ``ValueError`` for anything else (a model of an
        older qualcode: train again)."""
        try:
            raw = msgpack.unpackb(data, raw=False)
        except Exception as exc:  # noqa: BLE001 - msgpack raises several kinds
            raise ValueError("not a stored linear model") from exc
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError("not a stored linear model")
        rows, cols = (int(n) for n in raw["shape"])
        weights = np.frombuffer(raw["weights"], dtype=np.float32).reshape(rows, cols).copy()
        return cls(
            list(raw["labels"]),
            list(raw["areas"]),
            list(raw["vocab"]),
            np.frombuffer(raw["idf"], dtype=np.float32).copy(),
            weights,
            np.frombuffer(raw["bias"], dtype=np.float32).copy(),
            np.frombuffer(raw["prior"], dtype=np.float32).copy(),
        )


def _vocabulary(docs: list[list[str]]) -> tuple[list[str], _Matrix]:
    df: Counter[str] = Counter()
    for words in docs:
        df.update(w for w in set(words) if not w.startswith((AREA_VOTE, CODE_VOTE)))
    limit = max(500, MAX_CELLS // max(1, len(docs)))
    kept = [w for w, n in df.most_common() if n >= MIN_DF][:limit]
    kept.sort()
    n = len(docs)
    idf = np.array([math.log((1 + n) / (1 + df[w])) + 1.0 for w in kept], dtype=np.float32)
    return kept, idf


def _targets(
    examples: list[tuple[list[str], set[str]]], areas: list[str], others: list[str]
) -> _Matrix:
    y = np.zeros((len(examples), len(areas) + 1 + len(others)), dtype=np.float32)
    k = len(areas)
    for row, (_, labels) in enumerate(examples):
        mine = [i for i, a in enumerate(areas) if a in labels]
        if mine:
            for i in mine:
                y[row, i] = 1.0 / len(mine)
        else:
            y[row, k] = 1.0
        for j, lab in enumerate(others):
            y[row, k + 1 + j] = float(lab in labels)
    return y


def fit_linear(
    examples: list[tuple[list[str], set[str]]],
    labels: list[str],
    areas: list[str],
    iterations: int = 12,
    progress: Progress = no_progress,
    l2: float = L2,
) -> LinearModel:
    """Train on (words, labels) pairs; ``labels`` are the codes to learn, ``areas`` those of
    them that are areas (one softmax over them and "no area")."""
    areas = [a for a in labels if a in set(areas)]
    others = [lab for lab in labels if lab not in set(areas)]
    vocab, idf = _vocabulary([w for w, _ in examples])
    model = LinearModel(
        areas + others,
        areas,
        vocab,
        idf,
        np.zeros((len(vocab), len(areas) + 1 + len(others)), dtype=np.float32),
        np.zeros(len(areas) + 1 + len(others), dtype=np.float32),
    )
    x, votes = model.features([w for w, _ in examples])
    y = _targets(examples, areas, others)
    k = len(areas) + 1
    n = max(1, len(examples))
    w, b, prior = model.weights, model.bias, model.prior
    state = [(np.zeros_like(t), np.zeros_like(t)) for t in (w, b, prior)]
    steps = max(1, iterations) * STEPS_PER_ITERATION
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        z = model._logits(x, votes)
        p = np.concatenate([_softmax(z[:, :k]), _sigmoid(z[:, k:])], axis=1)
        g = (p - y) / n
        gv = g * votes
        grads = (
            x.T @ g + l2 * w,
            g.sum(axis=0),
            np.array([gv[:, :k].sum(), gv[:, k:].sum()], dtype=np.float32),
        )
        for param, grad, (m, v) in zip((w, b, prior), grads, state, strict=True):
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1**step)
            v_hat = v / (1 - beta2**step)
            param -= LEARNING_RATE * m_hat / (np.sqrt(v_hat) + eps)
        if step % STEPS_PER_ITERATION == 0:
            progress(step // STEPS_PER_ITERATION, max(1, iterations), "training")
    return model


def describe() -> dict[str, Any]:
    """What the stored model is (for the model row's meta)."""
    return {"architecture": "TF-IDF over lemmas; area softmax + per-code logistic regression"}
