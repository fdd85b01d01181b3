"""Decoding the harmonizer: per-beat chord probabilities -> whole progressions, best first.

The encoder gives, for every beat, a distribution over chord classes that has read the whole
melody around it. A progression is one class per beat; consecutive equal classes are one chord.
Its score adds, per beat, ``log P(class | melody)`` and, per beat boundary, a *transition* term
learned from the training pieces (:func:`fit_transitions`, saved as ``transitions.json``):

* where chords change: ``log P(change | beat i of n)`` (harmonic rhythm: changes on downbeats are
  common, on weak beats rare) or ``log P(no change | ...)``;
* what follows what, in the key: ``log P(next | previous)`` over key-relative classes (major and
  minor keys apart), so ``V -> I`` is likelier than ``V -> bII``.

``w_change`` and ``w_bigram`` weigh the two (tuned on the development titles, never the held-out
ones). Rank 1 is the Viterbi path: the most probable progression under this model. Ranks 2..K
are drawn by forward filtering / backward sampling at the request's temperature and kept when they
differ from every better-ranked one in at least one chord (de-duplicated on what the composer
would see); every candidate carries its score (mean log-probability per beat). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from .labels import IGNORE, N_CLASSES, N_LABELS, transpose_label

SMOOTH = 0.5


def _rel(label: int, key_pc: int) -> int:
    return transpose_label(label, -key_pc)


def fit_transitions(pieces) -> dict:
    """Counts from the training pieces (JSON-able): change rates by metric position, key-relative bigrams."""
    change: dict[str, list[list[int]]] = {}
    bigram = {"maj": np.zeros((N_LABELS, N_LABELS), dtype=np.int64), "min": np.zeros((N_LABELS, N_LABELS), dtype=np.int64)}
    unigram = {"maj": np.zeros(N_LABELS, dtype=np.int64), "min": np.zeros(N_LABELS, dtype=np.int64)}
    for p in pieces:
        prev = None
        for b, lab in zip(p.beats, p.labels):
            if lab == IGNORE:
                prev = None
                continue
            mode = "min" if b.key_minor else "maj"
            rel = _rel(lab, b.key_pc)
            unigram[mode][rel] += 1
            if prev is not None:
                key = f"{b.of}{'c' if b.compound else ''}"
                row = change.setdefault(key, [[0, 0] for _ in range(b.of)])
                if b.index < len(row):
                    row[b.index][0] += 1
                    row[b.index][1] += int(lab != prev[0])
                if lab != prev[0]:
                    bigram[mode][prev[1], rel] += 1
            prev = (lab, rel)
    return {"version": 1, "n_labels": N_LABELS, "change": change,
            "bigram": {m: v.tolist() for m, v in bigram.items()}, "unigram": {m: v.tolist() for m, v in unigram.items()}}


class Transitions:
    """Log-probabilities from :func:`fit_transitions` counts."""

    def __init__(self, data: dict):
        if not isinstance(data, dict) or data.get("n_labels") != N_LABELS:
            raise ValueError("transitions.json does not match this program's chord classes")
        self.change = {k: [((c + 1.0) / (n + 2.0)) for n, c in rows] for k, rows in data["change"].items()}
        self.bigram, self.prior = {}, {}
        for m in ("maj", "min"):
            counts = np.asarray(data["bigram"][m], dtype=float)
            if counts.shape != (N_LABELS, N_LABELS):
                raise ValueError("transitions.json has a bigram table of the wrong shape")
            counts = counts + SMOOTH
            np.fill_diagonal(counts, 0.0)
            self.bigram[m] = np.log(counts / counts.sum(1, keepdims=True) + 1e-12)
            uni = np.asarray(data["unigram"][m], dtype=float) + SMOOTH
            self.prior[m] = np.log(uni / uni.sum())

    def prior_for(self, beat) -> np.ndarray:
        """Log prior of each absolute label in the key of ``beat``."""
        mode = "min" if beat.key_minor else "maj"
        return self.prior[mode][[_rel(lab, beat.key_pc) for lab in range(N_LABELS)]]

    def p_change(self, beat) -> float:
        rows = self.change.get(f"{beat.of}{'c' if beat.compound else ''}")
        if rows and beat.index < len(rows):
            return rows[beat.index]
        return 0.5 if beat.index == 0 else 0.15

    def matrix(self, beat, prev_beat) -> np.ndarray:
        """``T[i, j]``: log-score of class ``j`` at ``beat`` after class ``i`` at the beat before
        (absolute labels; the key of ``beat`` decides the key-relative bigram)."""
        mode = "min" if beat.key_minor else "maj"
        perm = np.array([_rel(lab, beat.key_pc) for lab in range(N_LABELS)])
        return self.bigram[mode][np.ix_(perm, perm)]


def progression_matrices(trans: Transitions, beats, w_change: float, w_bigram: float):
    """Per beat boundary (beat ``t`` from 1): the full ``N x N`` log transition matrix."""
    out = []
    cache: dict = {}
    for t in range(1, len(beats)):
        b = beats[t]
        key = (b.key_pc, b.key_minor, b.index, b.of, b.compound)
        if key not in cache:
            pc = trans.p_change(b)
            m = w_change * np.log(pc) + w_bigram * trans.matrix(b, beats[t - 1])
            np.fill_diagonal(m, w_change * np.log(1 - pc))
            cache[key] = m
        out.append(cache[key])
    return out


def viterbi(emis: np.ndarray, mats: list[np.ndarray], allowed: np.ndarray | None = None) -> tuple[list[int], float]:
    """Best path of ``emis`` (beats x labels, log-scores) under transition matrices ``mats``."""
    T, N = emis.shape
    e = emis if allowed is None else np.where(allowed[None, :], emis, -np.inf)
    score = e[0].copy()
    back = np.zeros((T, N), dtype=np.int64)
    for t in range(1, T):
        cand = score[:, None] + mats[t - 1]
        back[t] = np.argmax(cand, axis=0)
        score = cand[back[t], np.arange(N)] + e[t]
    path = [int(np.argmax(score))]
    best = float(score[path[0]])
    for t in range(T - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return path[::-1], best


def path_score(emis: np.ndarray, mats: list[np.ndarray], path: list[int]) -> float:
    s = float(emis[0, path[0]])
    for t in range(1, len(path)):
        s += float(mats[t - 1][path[t - 1], path[t]] + emis[t, path[t]])
    return s


def sample_paths(emis: np.ndarray, mats: list[np.ndarray], n: int, temperature: float, rng: np.random.Generator,
                 allowed: np.ndarray | None = None) -> list[list[int]]:
    """``n`` paths drawn from the chain's posterior at ``temperature`` (forward filtering, backward sampling)."""
    T, N = emis.shape
    tau = max(0.05, float(temperature))
    e = emis / tau
    if allowed is not None:
        e = np.where(allowed[None, :], e, -np.inf)
    alpha = np.zeros((T, N))
    alpha[0] = e[0]
    for t in range(1, T):
        m = alpha[t - 1][:, None] + mats[t - 1] / tau
        mx = m.max(axis=0)
        alpha[t] = mx + np.log(np.exp(m - mx).sum(axis=0)) + e[t]
    paths = []
    for _ in range(n):
        path = [_draw(alpha[-1], rng)]
        for t in range(T - 1, 0, -1):
            path.append(_draw(alpha[t - 1] + mats[t - 1][:, path[-1]] / tau, rng))
        paths.append(path[::-1])
    return paths


def _draw(logits: np.ndarray, rng: np.random.Generator) -> int:
    finite = np.isfinite(logits)
    x = np.where(finite, logits - logits[finite].max(), -np.inf)
    p = np.exp(x)
    return int(rng.choice(len(p), p=p / p.sum()))


def segments(path: list[int]) -> list[tuple[int, int, int]]:
    """``(first beat, last beat + 1, label)`` of each chord of a per-beat path."""
    out: list[tuple[int, int, int]] = []
    for t, lab in enumerate(path):
        if out and out[-1][2] == lab:
            out[-1] = (out[-1][0], t + 1, lab)
        else:
            out.append((t, t + 1, lab))
    return out


__all__ = ["fit_transitions", "Transitions", "progression_matrices", "viterbi", "sample_paths", "path_score",
           "segments", "N_CLASSES"]
