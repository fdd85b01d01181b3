"""The two baselines the model is measured against. Pure Python + numpy, no torch.

* :class:`NGramModel`: an interpolated Kneser-Ney n-gram model over the same token ids as the
  transformer (same layouts), so its per-note and per-chord log-likelihoods are comparable.
* :class:`TemplateHarmonizer`: rule-based harmonization; per half bar it picks the diatonic
  triad of the key that best fits the melody notes sounding there (chord tones count, other
  tones count against, downbeat notes weigh double, a small bonus for I, IV and V).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ..score import MODES, Chord, ChordSymbol, Score
from ..score.chords import spell


class NGramModel:
    """Interpolated Kneser-Ney (discount ``D``) of order ``n`` over integer token ids (order 7, D = 0.9: the best of orders 3-8 and D in {0.75, 0.9} on held-out NLL)."""

    def __init__(self, vocab_size: int, n: int = 7, discount: float = 0.9):
        self.V, self.n, self.D = vocab_size, n, discount
        # counts[k][context tuple of length k] -> {token: count}; k = n-1 uses raw counts,
        # lower orders use continuation counts (number of distinct tokens seen before the n-gram).
        self.counts: list[dict] = [defaultdict(lambda: defaultdict(int)) for _ in range(n)]
        self._seen: set = set()

    def fit(self, sequences) -> "NGramModel":
        n = self.n
        for seq in sequences:
            seq = list(seq)
            for i in range(1, len(seq)):
                w = seq[i]
                for k in range(n):  # context length k
                    if i - k < 0:
                        break
                    ctx = tuple(seq[i - k:i])
                    if k == n - 1 or i - k == 0:
                        self.counts[k][ctx][w] += 1  # highest order, or a sequence-initial n-gram
                    else:
                        key = (seq[i - k - 1],) + ctx + (w,)
                        if key not in self._seen:  # first time this (left, ctx, w) is seen
                            self._seen.add(key)
                            self.counts[k][ctx][w] += 1
        self._seen = set()
        self.totals = [{c: sum(d.values()) for c, d in level.items()} for level in self.counts]
        self.types = [{c: len(d) for c, d in level.items()} for level in self.counts]
        return self

    def prob(self, context, w: int) -> float:
        """P(w | context) with interpolation down to the uniform distribution."""
        p = 1.0 / self.V
        ctx = tuple(context)[-(self.n - 1):] if self.n > 1 else ()
        for k in range(0, len(ctx) + 1):  # from unigram (k=0) up to the longest context
            c = ctx[len(ctx) - k:] if k else ()
            total = self.totals[k].get(c)
            if not total:
                break
            cw = self.counts[k][c].get(w, 0)
            p = max(cw - self.D, 0.0) / total + self.D * self.types[k][c] / total * p
        return p

    def logprob(self, context, w: int) -> float:
        return math.log(self.prob(context, w))

    def distribution(self, context, ids) -> np.ndarray:
        """Probabilities of the tokens ``ids`` after ``context`` (not renormalised)."""
        return np.array([self.prob(context, w) for w in ids])

    def score_sequence(self, ids, start: int = 1) -> np.ndarray:
        """log P(ids[i] | ids[:i]) for i in [start, len)."""
        return np.array([self.logprob(ids[max(0, i - self.n + 1):i], ids[i]) for i in range(start, len(ids))])


def diatonic_triads(tonic_pc: int, mode: str) -> list[tuple[int, str]]:
    """(root pc, quality) of the triads on each scale degree; minor keys also get the major V."""
    steps = MODES.get(mode, MODES["major"])
    scale = [(tonic_pc + s) % 12 for s in steps]
    out = []
    for i in range(7):
        r, t, f = scale[i], scale[(i + 2) % 7], scale[(i + 4) % 7]
        third, fifth = (t - r) % 12, (f - r) % 12
        q = {(4, 7): "", (3, 7): "m", (3, 6): "dim", (4, 8): "aug"}.get((third, fifth))
        if q is not None:
            out.append((r, q))
    if mode in ("minor", "dorian", "harmonic minor"):
        v = ((tonic_pc + 7) % 12, "")
        if v not in out:
            out.append(v)
    return out


class TemplateHarmonizer:
    """Best-fitting diatonic triad per half bar (see the module docstring)."""

    def __init__(self, outside_weight: float = 0.5, downbeat_weight: float = 2.0):
        self.outside_weight = outside_weight
        self.downbeat_weight = downbeat_weight

    def harmonize(self, score: Score, start: int, end: int) -> list[Chord]:
        meter = score.meter
        notes = score.tracks[0].notes if score.tracks else ()
        chords: list[Chord] = []
        prev = None
        tick = meter.bar_at(start).start
        while tick < end:
            bar = meter.bar_at(tick)
            half = bar.length // 2
            for seg_start in (bar.start, bar.start + half):
                seg_end = min(seg_start + half, bar.end, end) if seg_start == bar.start else bar.end
                if seg_start >= end:
                    break
                key = score.key_at(seg_start)
                cands = diatonic_triads(key.tonic_pc, key.mode)
                w = np.zeros(12)
                for n in notes:
                    overlap = min(n.end, seg_end) - max(n.start, seg_start)
                    if overlap > 0:
                        w[n.pitch % 12] += overlap * (self.downbeat_weight if n.start <= seg_start < n.end else 1.0)
                if w.sum() == 0:
                    choice = prev or cands[0]
                else:
                    total = w.sum()
                    best, best_score = None, -1e18
                    for idx, (r, q) in enumerate(cands):
                        pcs = {(r + i) % 12 for i in ChordSymbol("C", q).intervals}
                        inside = sum(w[p] for p in pcs)
                        s = inside - self.outside_weight * (total - inside)
                        s += total * {0: 0.10, 3: 0.05, 4: 0.05}.get(idx, 0.0)
                        if s > best_score:
                            best, best_score = (r, q), s
                    choice = best  # type: ignore[assignment]  # the first candidate always beats -1e18
                prev = choice
                sym = ChordSymbol(spell(choice[0], key.prefers_flats), choice[1])
                if chords and str(chords[-1].symbol) == str(sym) and chords[-1].end == seg_start:
                    last = chords[-1]
                    chords[-1] = Chord(last.symbol, last.start, seg_end - last.start)
                else:
                    chords.append(Chord(sym, seg_start, seg_end - seg_start))
            tick = bar.end
        return chords
