"""What makes a candidate worth keeping: features of a candidate, and a linear ranker over them.

The language model's mean log-probability per event favours the most predictable line: seven
repeated C4s rank above a melodic one. Rank 1 should be what a musician would keep, so the
engine orders candidates by a weighted sum of a few features (all pure, cheap, computed from the
candidate, the score it continues and the other candidates of the same request):

* ``logp``: the model's mean log-probability per note or chord (its confidence);
* ``consensus``: the candidate's mean pitch-class similarity to the *other* candidates (a
  minimum-Bayes-risk estimate: the line the model's distribution agrees on, rather than its
  single most probable, often degenerate, mode);
* ``context_fit``: similarity of its pitch classes to the last bars of the context;
* ``echo``: its best pitch-class similarity to any earlier passage of the same length that starts
  on a bar line (tunes repeat and vary their own phrases);
* ``echo4`` / ``echo8``: its similarity to the passage of the same length at the same place 4 / 8
  bars earlier (phrases come in fours and eights: an A section comes back, a consequent answers
  its antecedent), and ``previous``: to the passage of the same length just before it (a line
  that only restates the bars before it is seldom what follows). ``None`` where the score has no
  notes there (too early in the piece): the ranker then counts the feature as average;
* ``repetition``: share of consecutive notes on the same pitch; ``stepwise``: share of steps of
  1-2 semitones; ``leaps``: share of intervals over a fifth; ``density``: notes per beat;
  ``range``: its span in octaves; ``distinct``: distinct pitches per note; ``chord_tones``: share
  of melody duration on tones of the chords sounding with it.

The same features describe candidates to the per-composer re-ranker that learns from accepts and
rejects. :data:`DEFAULT_WEIGHTS` were fitted on held-out titles (``benchmarks/ranking.py``; the
fit and the test use different titles) and can be replaced per model folder by ``ranking.json``.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..score import Score
from ..score.time import TPQ

FEATURES = ("logp", "consensus", "context_fit", "echo", "repetition", "stepwise", "leaps", "density", "range",
            "distinct", "chord_tones", "previous", "echo4", "echo8")
CONTEXT_BARS = 4
MAX_POOL = 32  # the most melodies a ranking.json may ask the engine to sample per request
#: Held-out titles are split in halves by ``is_validation(title, 0.5, FIT_HALF_SEED)``: False, the
#: half the default weights were fitted on; True, the half they are tested on.
FIT_HALF_SEED = 99

#: Weights over standardized features; see the module docstring. The model's log-probability
#: alone is {"logp": 1}.
DEFAULT_WEIGHTS: dict[str, float] = {"logp": 1.0}


def pc_histogram(notes) -> np.ndarray:
    """Duration-weighted pitch-class histogram, normalised to sum 1 (zeros when there are no notes)."""
    h = np.zeros(12)
    for n in notes:
        h[n.pitch % 12] += n.duration
    s = h.sum()
    return h / s if s else h


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Histogram intersection of two normalised histograms, in [0, 1]."""
    return float(np.minimum(a, b).sum())


def _context_notes(score: Score, start: int) -> list:
    meter = score.meter
    first = meter.bar(max(0, meter.bar_at(max(0, start - 1)).index - CONTEXT_BARS + 1)).start
    return [n for n in score.melody.notes if first <= n.start < start]


def candidate_features(cand, score: Score, others=()) -> dict[str, float | None]:
    """The features of one candidate (see the module docstring); ``others``: the rest of its request."""
    notes = sorted(cand.notes, key=lambda n: (n.start, n.pitch))
    pitches = [n.pitch for n in notes]
    iv = [abs(b - a) for a, b in zip(pitches, pitches[1:])]
    start, end = cand.region
    beats = max(1.0, (end - start) / TPQ)
    hist = pc_histogram(notes)
    f = {
        "logp": float(cand.score),
        "consensus": float(np.mean([overlap(hist, pc_histogram(o.notes)) for o in others])) if others else 0.0,
        "context_fit": overlap(hist, pc_histogram(_context_notes(score, start))),
        "echo": _echo(hist, score, start, end - start),
        "repetition": sum(1 for x in iv if x == 0) / len(iv) if iv else 0.0,
        "stepwise": sum(1 for x in iv if 1 <= x <= 2) / len(iv) if iv else 0.0,
        "leaps": sum(1 for x in iv if x > 7) / len(iv) if iv else 0.0,
        "density": len(notes) / beats,
        "range": (max(pitches) - min(pitches)) / 12.0 if pitches else 0.0,
        "distinct": len(set(pitches)) / len(pitches) if pitches else 0.0,
        "chord_tones": _chord_tones(notes, cand.chords, score, start),
        "previous": _passage_fit(hist, score, start - (end - start), end - start),
        "echo4": _passage_fit(hist, score, _bars_back(score, start, 4), end - start),
        "echo8": _passage_fit(hist, score, _bars_back(score, start, 8), end - start),
    }
    return f


def _bars_back(score: Score, tick: int, bars: int) -> int:
    """The same place in the bar ``bars`` bars before ``tick`` (-1 before the first bar)."""
    bar = score.meter.bar_at(tick)
    if bar.index < bars:
        return -1
    return score.meter.bar(bar.index - bars).start + (tick - bar.start)


def _passage_fit(hist: np.ndarray, score: Score, start: int, length: int) -> float | None:
    """Pitch-class similarity to the melody of ``[start, start + length)``; None where it has no notes."""
    if start < 0 or length <= 0:
        return None
    notes = score.melody.notes  # sorted by start (Track keeps them so)
    a = bisect.bisect_left(notes, start, key=lambda n: n.start)
    b = bisect.bisect_left(notes, start + length, key=lambda n: n.start)
    notes = notes[a:b]
    return overlap(hist, pc_histogram(notes)) if notes else None


def _echo(hist: np.ndarray, score: Score, start: int, length: int) -> float:
    meter = score.meter
    notes = [n for n in score.melody.notes if n.start < start]
    if not notes or length <= 0:
        return 0.0
    starts = np.array([n.start for n in notes])
    best, bar = 0.0, meter.bar(0)
    while bar.start + length <= start:
        a, b = np.searchsorted(starts, bar.start), np.searchsorted(starts, bar.start + length)
        if b > a:
            best = max(best, overlap(hist, pc_histogram(notes[a:b])))
        bar = meter.bar(bar.index + 1)
    return best


def _chord_tones(notes, chords, score: Score, start: int) -> float:
    chords = sorted(chords, key=lambda c: c.start)
    if not chords or chords[0].start > start:
        before = score.chord_at(start - 1) if start > 0 else None
        chords = ([before] if before is not None else []) + list(chords)
    inside = total = 0
    for n in notes:
        for c in chords:
            c_end = c.end if c is not chords[-1] or c.start >= start else max(c.end, n.end)
            a, b = max(n.start, c.start), min(n.end, c_end)
            if b > a:
                total += b - a
                inside += (b - a) if n.pitch % 12 in c.symbol.pitch_classes else 0
    return inside / total if total else 0.0


@dataclass
class Ranker:
    """A linear score over z-normalised features: ``sum w_f * (x_f - mean_f) / std_f``.

    ``diversity`` > 0 picks ranks 2..K by maximal marginal relevance: each next candidate is the one
    whose (request-standardised) value minus ``diversity`` x its largest pitch-class similarity to
    the ones already chosen is highest, so the list offers real alternatives, not four near-copies
    of rank 1. Rank 1 is always the best by value.
    """

    weights: dict[str, float]
    means: dict[str, float] | None = None
    stds: dict[str, float] | None = None
    diversity: float = 0.0
    #: Melodies to sample per request for this ranker to choose from (0: the engine's default);
    #: the weights were fitted on pools of this size.
    pool: int = 0

    def value(self, feats: dict[str, float]) -> float:
        total = 0.0
        for name, w in self.weights.items():
            x = feats.get(name, 0.0)
            if x is None:  # nothing to compare with: an average candidate on this feature
                continue
            if self.means and name in self.means:
                x = (x - self.means[name]) / (self.stds.get(name) or 1.0)
            total += w * x
        return total

    def order(self, cands, score: Score) -> list:
        """Candidates best first (ties keep the model's order)."""
        if len(cands) < 2 or (self.weights == {"logp": 1.0} and not self.diversity):
            return sorted(cands, key=lambda c: -c.score)
        feats = [candidate_features(c, score, [o for o in cands if o is not c]) for c in cands]
        vals = [self.value(f) for f in feats]
        hists = [pc_histogram(c.notes) for c in cands]
        return [cands[i] for i in self.select(vals, hists, [-c.score for c in cands])]

    def select(self, vals, hists, ties=None) -> list[int]:
        """Indices in the order to show (see the class docstring)."""
        n = len(vals)
        ties = ties or [0] * n
        v = np.asarray(vals, dtype=float)
        z = (v - v.mean()) / (v.std() + 1e-9)
        left = sorted(range(n), key=lambda i: (-z[i], ties[i]))
        chosen = [left.pop(0)]
        while left:
            if self.diversity:
                sims = [max(overlap(hists[i], hists[j]) for j in chosen) for i in left]
                best = max(range(len(left)), key=lambda k: (z[left[k]] - self.diversity * sims[k], -ties[left[k]]))
            else:
                best = 0
            chosen.append(left.pop(best))
        return chosen

    def to_json(self) -> dict:
        return {"weights": self.weights, "means": self.means, "stds": self.stds, "diversity": self.diversity,
                "pool": self.pool}

    @classmethod
    def from_json(cls, data: dict) -> "Ranker":
        w = {k: float(v) for k, v in dict(data["weights"]).items() if k in FEATURES}
        means = {k: float(v) for k, v in dict(data.get("means") or {}).items() if k in FEATURES} or None
        stds = {k: float(v) for k, v in dict(data.get("stds") or {}).items() if k in FEATURES} or None
        pool = int(data.get("pool") or 0)
        return cls(w, means, stds, float(data.get("diversity") or 0.0), min(MAX_POOL, max(0, pool)))


def load_ranker(model_dir: Path | None) -> Ranker:
    """``ranking.json`` of a model folder, else the default ranker."""
    path = Path(model_dir) / "ranking.json" if model_dir else None
    if path is not None and path.is_file() and path.stat().st_size < (1 << 16):
        try:
            return Ranker.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            pass
    return Ranker(dict(DEFAULT_WEIGHTS))
