"""Learners tried for issue 14 (a fifth coded -> 0.90 area top-1), beside the codebook alone.

    python benchmarks/suggest_learners.py [blind|devset|demo] [--draws N]

Per set: the codebook alone (with self-training, as ``suggest`` ranks), and learners that
start from it and move with the researcher's codings, each scored on what is not coded
when 10/20/50 % of the documents are coded (whole documents: a researcher codes whole
interviews first) and when 20 % of each document's passages are (at random), mean and
standard deviation over ``--draws`` random draws:

- ``prior+words``: one multinomial logistic model over the six areas whose logits start at
  the codebook's calibrated area log-probabilities (a fixed offset: the codebook is the
  prior) and whose TF-IDF word weights (lemmas, question, context) move with the codings;
  its L2 penalty chosen by leave-one-document-out CV inside the coded documents
  (a very large penalty = the codebook alone); with passages drawn the penalty is fixed at
  0.01 (chosen in hindsight: a flattering figure, not a held-out one).
- ``+area prior``: the same with a per-area bias (the share of each area in what is coded).
- ``area scales``: one weight per area on the codebook's evidence, pulled to 1.

``oracle``: each document scored by ``prior+words`` (and by words alone) trained on every
other document: what an in-domain learner reaches with nearly everything coded.
"""

from __future__ import annotations

import json
import math
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

LAMBDAS = (1e-3, 1e-2, 0.1, 10.0)


def _load(name: str) -> Any:
    import suggest_eval as se

    from qualcode.suggest import crossval

    with tempfile.TemporaryDirectory() as tmp:
        if name == "demo":
            from qualcode.demo import build_demo

            project, _ = build_demo(Path(tmp) / "demo.qualcode")
        else:
            project = se.build_devset_project(Path(tmp), name)
        data = crossval.load_coded(project, 0, True)
        project.close()
    return data


class Set:
    """A set's codebook area evidence, gold areas, model words and documents as arrays."""

    def __init__(self, data: Any) -> None:
        from qualcode.suggest.calibration import CALIBRATION_TEMPERATURE
        from qualcode.suggest.scorer import area_evidence
        from qualcode.suggest.weights import gold_codes

        sc = data.scorer
        areas = sorted(k for k, c in sc.codes.items() if c.kind == "area")
        rows = [area_evidence(sc, e) for e in data.evidence]
        self.offset = np.array([[r.get(a, 0.0) for a in areas] for r in rows])
        self.offset /= CALIBRATION_TEMPERATURE
        self.y = np.zeros((len(rows), len(areas)))
        keep = []
        for i, p in enumerate(data.passages):
            gold, _ = gold_codes(sc, p)
            for a in gold:
                self.y[i, areas.index(a)] = 1 / len(gold)
            if gold:
                keep.append(i)
        self.keep = keep
        self.words = [[w for w in ws if not w.startswith(("cba_", "cb_"))] for ws in data.words]
        self.docs = [p.document_id for p in data.passages]
        self.starts = [p.start for p in data.passages]


def _tfidf(train: list[list[str]]) -> Any:
    df = Counter(w for ws in train for w in set(ws))
    vocab = sorted(df)
    index = {w: i for i, w in enumerate(vocab)}
    idf = np.array([math.log((1 + len(train)) / (1 + df[w])) + 1 for w in vocab])

    def matrix(rows: list[list[str]]) -> Any:
        x = np.zeros((len(rows), len(vocab)))
        for r, ws in enumerate(rows):
            for w, c in Counter(ws).items():
                if w in index:
                    x[r, index[w]] = (1 + math.log(c)) * idf[index[w]]
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)

    return matrix


def _softmax(z: Any) -> Any:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def _adam(params: list[Any], grad_fn: Any, steps: int = 300, lr: float = 0.1) -> None:
    state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    for t in range(1, steps + 1):
        for p, g, (m, v) in zip(params, grad_fn(), state, strict=True):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)


def prior_words(s: Set, tr: list[int], te: list[int], lam: float, bias: bool = False) -> Any:
    """Scores of ``te`` from the codebook offset plus word weights learnt on ``tr``."""
    matrix = _tfidf([s.words[i] for i in tr])
    x, o, y = matrix([s.words[i] for i in tr]), s.offset[tr], s.y[tr]
    w = np.zeros((x.shape[1], y.shape[1]))
    b = np.zeros(y.shape[1])

    def grads() -> list[Any]:
        g = (_softmax(o + x @ w + b) - y) / len(tr)
        return [x.T @ g + lam * w, g.sum(0) + b / len(tr) if bias else 0 * b]

    _adam([w, b], grads)
    return s.offset[te] + matrix([s.words[i] for i in te]) @ w + b


def words_alone(s: Set, tr: list[int], te: list[int], lam: float = 1e-4) -> Any:
    matrix = _tfidf([s.words[i] for i in tr])
    x, y = matrix([s.words[i] for i in tr]), s.y[tr]
    w = np.zeros((x.shape[1], y.shape[1]))

    def grads() -> list[Any]:
        return [x.T @ ((_softmax(x @ w) - y) / len(tr)) + lam * w]

    _adam([w], grads, 600)
    return matrix([s.words[i] for i in te]) @ w


def area_scales(s: Set, tr: list[int], te: list[int], lam: float = 1.0) -> Any:
    o, y = s.offset[tr], s.y[tr]
    a = np.ones(o.shape[1])

    def grads() -> list[Any]:
        return [((_softmax(o * a) - y) / len(tr) * o).sum(0) + lam * (a - 1)]

    _adam([a], grads, lr=0.05)
    return s.offset[te] * a


def top1(s: Set, scores: Any, idx: list[int]) -> float:
    y = s.y[idx]
    return float(np.mean(y[np.arange(len(idx)), scores.argmax(1)] > 0)) if idx else 0.0


def _chosen_lambda(s: Set, tr: list[int], bias: bool) -> float:
    """The penalty that ranks right most often, each coded document scored by a model of
    the other coded documents (ties to the larger penalty: nearer the codebook)."""
    docs = sorted({s.docs[i] for i in tr})
    if len(docs) < 2:
        return LAMBDAS[-1]
    hits = dict.fromkeys(LAMBDAS, 0.0)
    for d in docs:
        a = [i for i in tr if s.docs[i] != d]
        b = [i for i in tr if s.docs[i] == d]
        for lam in LAMBDAS:
            hits[lam] += top1(s, prior_words(s, a, b, lam, bias), b) * len(b)
    return max(LAMBDAS, key=lambda lam: (hits[lam], lam))


def _draw(s: Set, share: float, seed: int, by_document: bool) -> tuple[list[int], list[int]]:
    rng = random.Random(seed)
    if by_document:
        docs = sorted({s.docs[i] for i in s.keep})
        rng.shuffle(docs)
        coded = set(docs[: max(1, math.ceil(share * len(docs)))])
        return [i for i in s.keep if s.docs[i] in coded], [
            i for i in s.keep if s.docs[i] not in coded
        ]
    tr: list[int] = []
    for d in sorted({s.docs[i] for i in s.keep}):
        idx = [i for i in s.keep if s.docs[i] == d]
        rng.shuffle(idx)
        tr += idx[: max(1, round(share * len(idx)))]
    chosen = set(tr)
    return sorted(tr), [i for i in s.keep if i not in chosen]


def curve(s: Set, draws: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    plans = [(share, True) for share in (0.1, 0.2, 0.5)] + [(0.2, False)]
    for share, by_document in plans:
        rows: dict[str, list[float]] = {
            k: [] for k in ("codebook", "prior+words", "+area prior", "area scales")
        }
        for seed in range(draws):
            tr, te = _draw(s, share, 1 + seed, by_document)
            rows["codebook"].append(top1(s, s.offset[te], te))
            lam = _chosen_lambda(s, tr, False) if by_document else 1e-2
            rows["prior+words"].append(top1(s, prior_words(s, tr, te, lam), te))
            rows["+area prior"].append(top1(s, prior_words(s, tr, te, lam, True), te))
            rows["area scales"].append(top1(s, area_scales(s, tr, te), te))
        key = f"{share:.1f} of {'documents' if by_document else 'passages'}"
        out[key] = {
            k: {"mean": round(float(np.mean(v)), 3), "sd": round(float(np.std(v)), 3)}
            for k, v in rows.items()
        }
    return out


def oracle(s: Set) -> dict[str, float]:
    """Leave-one-document-out: every other document coded."""
    scores = {k: np.zeros_like(s.y) for k in ("prior+words", "words alone")}
    for d in sorted({s.docs[i] for i in s.keep}):
        tr = [i for i in s.keep if s.docs[i] != d]
        te = [i for i in s.keep if s.docs[i] == d]
        scores["prior+words"][te] = prior_words(s, tr, te, 1e-2)
        scores["words alone"][te] = words_alone(s, tr, te)
    out = {k: round(top1(s, v[s.keep], s.keep), 3) for k, v in scores.items()}
    out["codebook"] = round(top1(s, s.offset[s.keep], s.keep), 3)
    return out


def main(argv: list[str]) -> None:
    name = next((a for a in argv if a in ("blind", "devset", "demo")), "blind")
    draws = int(argv[argv.index("--draws") + 1]) if "--draws" in argv else 8
    s = Set(_load(name))
    print(json.dumps({"set": name, "curve": curve(s, draws), "oracle": oracle(s)}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
