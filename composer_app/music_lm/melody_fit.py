"""Melody fit: a bias that fuses "does this chord fit the notes under it?" into the model's
harmonize decoding (shallow fusion, as speech recognisers add a language model to an acoustic one).

The language model knows progressions, cadences and style, but a small model trained for an hour
on two CPU cores aligns chords with the melody of their own bar poorly (46 % of beats with the right
root in the held-out evaluation, below the 63 % of a one-line template). The template knows only
the melody under the chord. Adding ``weight x fit`` to the model's log-probabilities of the chord's
root and quality gives each what the other lacks. ``fit`` is the template's measure, for the
melody from the chord's position to the next half-bar line: the share of the notes' duration
(downbeat notes count double) that belongs to the chord's triad, minus half of the rest, in
``[-0.5, 1]``. Sevenths and extensions are judged by their triad, so the model decides them.
Pure numpy, no torch: the suggestion engine and ``composer-app evaluate`` use the same code.
"""

from __future__ import annotations

import numpy as np

from ..score import QUALITIES, Score

#: Tuned on 80 four-bar regions of 40 training-split lead sheets (never the held-out ones): root
#: accuracy per beat 0.38 (0), 0.64 (2), 0.64 (4), 0.653 (8), 0.65 (12-24); the template got 0.640.
#: 0 turns fusion off.
DEFAULT_WEIGHT = 8.0
OUTSIDE = 0.5
DOWNBEAT = 2.0

_TRIAD = {q: frozenset(iv[:3]) if len(iv) >= 3 else frozenset(iv) for q, iv in QUALITIES.items()}


class MelodyFit:
    """Biases for the root and quality tokens of a chord at tick ``t`` of ``score``'s melody."""

    def __init__(self, tok, score: Score, weight: float = DEFAULT_WEIGHT):
        self.tok, self.score, self.weight = tok, score, weight
        self.notes = list(score.tracks[0].notes) if score.tracks else []
        self.meter = score.meter
        self._roots = sorted(tok.root_ids.items())  # (pc, id)
        self._quals = list(tok.quality_ids.items())  # (quality, id)
        self._cache: dict[int, np.ndarray] = {}

    def span(self, t: int) -> tuple[int, int]:
        """From ``t`` to the next half-bar line (the template's slot)."""
        bar = self.meter.bar_at(t)
        half = bar.start + bar.length // 2
        return t, (half if t < half else bar.end)

    def weights(self, t: int) -> np.ndarray:
        """Pitch-class weights of the melody in :meth:`span` of ``t`` (cached: every sampled
        sequence asks about the same few positions)."""
        if t in self._cache:
            return self._cache[t]
        a, b = self.span(t)
        w = np.zeros(12)
        for n in self.notes:
            if n.start >= b:
                break  # notes are sorted by start
            overlap = min(n.end, b) - max(n.start, a)
            if overlap > 0:
                w[n.pitch % 12] += overlap * (DOWNBEAT if n.start <= a < n.end else 1.0)
        self._cache[t] = w
        return w

    @staticmethod
    def fit(w: np.ndarray, pcs) -> float:
        total = w.sum()
        if total <= 0:
            return 0.0
        inside = sum(w[p] for p in pcs)
        return float((inside - OUTSIDE * (total - inside)) / total)

    def root_bias(self, t: int) -> dict[int, float]:
        """Token id -> bias for each root: the fit of its better triad (major or minor)."""
        w = self.weights(t)
        if self.weight == 0 or w.sum() <= 0:
            return {}
        out = {}
        for pc, i in self._roots:
            best = max(self.fit(w, {(pc + x) % 12 for x in _TRIAD[q]}) for q in ("", "m"))
            out[i] = self.weight * best
        return out

    def quality_bias(self, t: int, root_pc: int) -> dict[int, float]:
        w = self.weights(t)
        if self.weight == 0 or w.sum() <= 0:
            return {}
        return {i: self.weight * self.fit(w, {(root_pc + x) % 12 for x in _TRIAD[q]}) for q, i in self._quals}
