"""The composer's task, measured through the app's own code path (``SuggestionEngine``).

*Harmonize* (:func:`harmonization_report`): each held-out piece that has chords is stripped of
**all** its chords, then harmonized the way Ctrl+H and ``composer-app suggest --task harmonize``
do it, with the app's default settings: the whole piece, and a 4-bar and an 8-bar region
(seeded positions) inside it. The whole piece is asked for as a selection of all its bars, the
lead sheet's last bars after the melody's last note (an outro) included, which is the span
scored for every harmonizer (until 2026-12-05 the app was asked only up to the melody's last bar
while the rule harmonized and every harmonizer was scored to the lead sheet's end). The answer is
compared with the piece's own chords on every beat that has one: root right; root and
major/minor right. Also: the share of melody (by duration)
that falls on tones of the chord sounding with it (*chord-tone ratio*), the accuracy in each tenth
of the piece, and the shape of the progressions next to the human ones: chord entropy per piece
(bits, over per-beat chord classes), coverage (distinct chord classes per piece) and chord
changes per bar. Rank 1 and the best of the K candidates are both reported, per collection, next
to the rule harmonizer (best-fitting diatonic triad per half bar) and, when given, the n-gram
model's joint-likelihood harmonizer. With ``without_keys`` (``evaluate --keys none``) every
method gets the melody with no key set, as a MIDI file from a DAW or a new document gives it; the
app then reads the key from the notes (:mod:`..score.keyfinding`). Pure Python; the model runs
inside the engine.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from ..score import Chord, KeySignature, Score
from ..errors import ComposerError
from .types import SuggestionRequest, SuggestionSettings

TENTHS = 10


@dataclass
class Tally:
    """Per-beat and per-piece counts of one harmonizer on one collection."""

    beats: int = 0
    root: int = 0
    cls: int = 0
    tone_in: float = 0.0
    tone_all: float = 0.0
    tenth_beats: list = field(default_factory=lambda: [0] * TENTHS)
    tenth_root: list = field(default_factory=lambda: [0] * TENTHS)
    entropy: list = field(default_factory=list)
    coverage: list = field(default_factory=list)
    changes_per_bar: list = field(default_factory=list)
    seconds: list = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        for name in ("beats", "root", "cls", "tone_in", "tone_all"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for i in range(TENTHS):
            self.tenth_beats[i] += other.tenth_beats[i]
            self.tenth_root[i] += other.tenth_root[i]
        for name in ("entropy", "coverage", "changes_per_bar", "seconds"):
            getattr(self, name).extend(getattr(other, name))

    def summary(self) -> dict:
        n = max(1, self.beats)
        mean = lambda xs: round(sum(xs) / len(xs), 4) if xs else None  # noqa: E731
        return {
            "beats": self.beats, "root_acc": round(self.root / n, 4), "class_acc": round(self.cls / n, 4),
            "chord_tone_ratio": round(self.tone_in / self.tone_all, 4) if self.tone_all else None,
            "root_acc_by_tenth": [round(r / b, 4) if b else None for r, b in zip(self.tenth_root, self.tenth_beats)],
            "entropy_bits": mean(self.entropy), "coverage": mean(self.coverage),
            "changes_per_bar": mean(self.changes_per_bar),
            "seconds_mean": mean(self.seconds), "pieces": len(self.entropy),
        }


def _label(chord: Chord) -> tuple[int, str]:
    from ..music_lm.harmonizer.labels import REDUCE

    return chord.symbol.root_pc, REDUCE.get(chord.symbol.quality, "")


def _chord_at(chords: list[Chord], tick: int) -> Chord | None:
    for c in chords:
        if c.start <= tick < c.end:
            return c
    return None


def compare(truth: Score, predicted: list[Chord], start: int, end: int, seconds: float | None = None) -> Tally:
    """Beat-by-beat agreement of ``predicted`` with ``truth``'s chords over ``[start, end)``."""
    t = Tally()
    meter = truth.meter
    beats = []
    bar = meter.bar_at(start)
    while bar.start < end:
        beats += [b for b in meter.beats_of_bar(bar) if start <= b < end]
        bar = meter.bar(bar.index + 1)
    pred = sorted(predicted, key=lambda c: c.start)
    labels = []
    for i, beat in enumerate(beats):
        true = truth.chord_at(beat)
        if true is None:
            continue
        p = _chord_at(pred, beat)
        tenth = min(TENTHS - 1, i * TENTHS // max(1, len(beats)))
        t.beats += 1
        t.tenth_beats[tenth] += 1
        if p is not None:
            labels.append(_label(p))
            if p.symbol.root_pc == true.symbol.root_pc:
                t.root += 1
                t.tenth_root[tenth] += 1
                t.cls += p.symbol.is_minor == true.symbol.is_minor
    t.tone_in, t.tone_all = chord_tone_share(truth, pred, start, end)
    bars = max(1, meter.bar_count(end) - meter.bar_at(start).index)
    t.entropy.append(_entropy(labels))
    t.coverage.append(len(set(labels)))
    t.changes_per_bar.append(sum(1 for a, b in zip(labels, labels[1:]) if a != b) / bars)
    if seconds is not None:
        t.seconds.append(seconds)
    return t


def chord_tone_share(score: Score, chords: list[Chord], start: int, end: int) -> tuple[float, float]:
    """(melody duration on chord tones, melody duration under any chord) inside ``[start, end)``."""
    inside = total = 0.0
    for n in score.melody.notes:
        for c in chords:
            a, b = max(n.start, c.start, start), min(n.end, c.end, end)
            if b > a:
                total += b - a
                if n.pitch % 12 in c.symbol.pitch_classes:
                    inside += b - a
    return inside, total


def _entropy(labels) -> float:
    if not labels:
        return 0.0
    counts = Counter(labels)
    n = len(labels)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _regions(score: Score, rng: random.Random, sizes=(4, 8)) -> list[tuple[int, int, int]]:
    """(size, start tick, end tick) of one region of each size inside the piece, not at its start."""
    meter = score.meter
    n = meter.bar_count(score.end_of_last_bar)
    out = []
    for size in sizes:
        if n < size + 2:
            continue
        first = rng.randrange(1, n - size + 1)
        out.append((size, meter.bar(first).start, meter.bar(first + size).start))
    return out


def harmonization_report(engine, pieces, *, settings: SuggestionSettings | None = None, ngram=None, log=print,
                         seed: int = 0, without_keys: bool = False) -> dict:
    """``pieces``: ``(score, group)`` pairs of held-out pieces with chords. See the module docstring.
    ``without_keys``: every method gets the melody with no key set (an assumed C major), as a MIDI
    file from a DAW or a new document gives it."""
    from ..music_lm.baselines import TemplateHarmonizer
    from ..music_lm.harmonize import harmonize_by_likelihood_ngram

    settings = settings or SuggestionSettings(task="harmonize")
    rule = TemplateHarmonizer()
    rng = random.Random(seed)
    tallies: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    skipped: dict[str, int] = {}
    t_all = time.time()
    for i, (truth, group) in enumerate(pieces):
        melody_only = truth.with_chords(())
        if without_keys:
            melody_only = replace(melody_only, key_signatures=(KeySignature(assumed=True),))
        end = truth.end_of_last_bar
        jobs = [("piece", 0, end, (0, end))] + [(f"region{size}", a, b, (a, b)) for size, a, b in _regions(truth, rng)]
        for scope, a, b, region in jobs:
            t0 = time.perf_counter()
            try:
                cands = engine.generate(SuggestionRequest(i, melody_only, settings, region))
            except ComposerError:  # e.g. a region without melody: the app says so, nothing to score
                skipped[scope] = skipped.get(scope, 0) + 1
                continue
            dt = time.perf_counter() - t0
            if not cands:
                continue
            results = {"rank1": compare(truth, list(cands[0].chords), a, b, dt)}
            each = [compare(truth, list(c.chords), a, b) for c in cands]
            results["best_of_k"] = max(each, key=lambda x: (x.root, x.cls))
            results["mean_of_k"] = _mean_tally(each)
            results["rule"] = compare(truth, rule.harmonize(melody_only, a, b), a, b)
            results["human"] = compare(truth, [c for c in truth.chords if c.end > a and c.start < b], a, b)
            if ngram is not None and scope == "piece":
                results["ngram"] = compare(truth, harmonize_by_likelihood_ngram(
                    ngram, engine.tok, melody_only, a, b, max_len=engine.loaded.max_len), a, b)
            for who, tally in results.items():
                for g in _groups(group):
                    tallies[f"{scope}/{g}"][who].add(tally)
        if log and (i + 1) % 10 == 0:
            log(f"harmonized {i + 1}/{len(pieces)} pieces ({time.time() - t_all:.0f} s)")
    report = {scope: {who: t.summary() for who, t in by.items()} for scope, by in sorted(tallies.items())}
    if skipped:
        report["skipped_requests"] = skipped
    return report


FOLK_AND_LEADSHEETS = "nottingham+openewld"


def _groups(group: str) -> list[str]:
    """The collections a piece is reported under: its own, folk tunes and lead sheets together, all."""
    return [group] + ([FOLK_AND_LEADSHEETS] if group in ("nottingham", "openewld") else []) + ["all"]


def _mean_tally(tallies: list[Tally]) -> Tally:
    """The average candidate: counts scaled by 1/K (so accuracies are the mean over candidates)."""
    out = Tally()
    k = len(tallies)
    for t in tallies:
        out.beats += t.beats / k
        out.root += t.root / k
        out.cls += t.cls / k
        out.tone_in += t.tone_in / k
        out.tone_all += t.tone_all / k
        for i in range(TENTHS):
            out.tenth_beats[i] += t.tenth_beats[i] / k
            out.tenth_root[i] += t.tenth_root[i] / k
    out.entropy = [sum(x for t in tallies for x in t.entropy) / k]
    out.coverage = [sum(x for t in tallies for x in t.coverage) / k]
    out.changes_per_bar = [sum(x for t in tallies for x in t.changes_per_bar) / k]
    return out


# ---- continuations ----------------------------------------------------------------------------
def continuation_cases(pieces, rng: random.Random, context_bars: int = 4, bars: int = 2, per_piece: int = 2):
    """``(truncated score, cut tick, real continuation notes, group)``: a piece cut after
    ``context_bars`` bars (and at one later, seeded bar line), with the bars the composer wrote next."""
    out = []
    for score, group in pieces:
        meter = score.meter
        n = meter.bar_count(score.end_of_last_bar)
        firsts = [context_bars] + ([rng.randrange(context_bars + 1, n - bars + 1)] if n - bars > context_bars else [])
        for first in firsts[:per_piece]:
            if first + bars > n:
                continue
            cut, stop = meter.bar(first).start, meter.bar(first + bars).start
            real = [x for x in score.melody.notes if cut <= x.start < stop]
            if not real:
                continue
            before = score.with_notes([x for x in score.melody.notes if x.start < cut])
            before = before.with_chords([c for c in score.chords if c.start < cut])
            out.append((replace_length(before, cut), cut, real, group))
    return out


def replace_length(score: Score, length: int) -> Score:
    from dataclasses import replace

    return replace(score, length=length)


def continuation_report(engine, cases, *, settings: SuggestionSettings | None = None, log=print,
                        rankers: dict | None = None) -> tuple[dict, list[dict]]:
    """Rank 1, the average candidate and the best of K against what the composer wrote next
    (duration-weighted pitch-class overlap), for the engine's ranking and for each of ``rankers``
    (name -> :class:`~.ranking.Ranker`). Returns the summary and one row per case with every
    candidate's features and overlap (for fitting rankers)."""
    from .ranking import candidate_features, overlap, pc_histogram

    settings = settings or SuggestionSettings(task="continue")
    rows = []
    sums: dict[str, list[float]] = defaultdict(list)
    t_all = time.time()
    for i, (score, cut, real, group) in enumerate(cases):
        t0 = time.perf_counter()
        cands = engine.generate(SuggestionRequest(i, score, settings, (0, cut)))
        dt = time.perf_counter() - t0
        if not cands:
            continue
        truth = pc_histogram(real)
        ov = [overlap(pc_histogram(c.notes), truth) for c in cands]
        feats = [candidate_features(c, score, [o for o in cands if o is not c]) for c in cands]
        rows.append({"group": group, "overlap": ov, "features": feats, "seconds": dt,
                     "chords": [len(c.chords) for c in cands],
                     "sample": [c.provenance.get("sample", j) for j, c in enumerate(cands)],
                     "hist": [[round(float(x), 4) for x in pc_histogram(c.notes)] for c in cands]})
        sums["rank1"].append(ov[0])
        sums["mean_of_k"].append(float(np.mean(ov)))
        sums["best_of_k"].append(max(ov))
        sums["by_logp"].append(ov[int(np.argmax([f["logp"] for f in feats]))])
        for name, ranker in (rankers or {}).items():
            sums[name].append(ov[int(np.argmax([ranker.value(f) for f in feats]))])
        sums["with_chords"].append(float(np.mean([len(c.chords) > 0 for c in cands])))
        inside, total = chord_tone_share(score.with_notes(list(score.melody.notes) + list(cands[0].notes)),
                                         list(cands[0].chords), *cands[0].region)
        if total:
            sums["rank1_chord_tone_ratio"].append(inside / total)
        sums["seconds"].append(dt)
        if log and (i + 1) % 20 == 0:
            log(f"continued {i + 1}/{len(cases)} ({time.time() - t_all:.0f} s)")
    summary = {k: round(float(np.mean(v)), 4) for k, v in sums.items()}
    summary["cases"] = len(rows)
    return summary, rows


def pick(rows, ranker, k: int = 4) -> dict:
    """The K the app shows (the ranker's best K of each sampled pool) and its rank 1, against what
    the composer wrote next (rows from :func:`continuation_report` run on whole pools)."""
    rank1, mean, best, pool = [], [], [], []
    for r in rows:
        order = ranker.select([ranker.value(f) for f in r["features"]], [np.array(h) for h in r["hist"]])[:k]
        ov = [r["overlap"][i] for i in order]
        pool.append(np.mean(r["overlap"]))
        rank1.append(ov[0])
        mean.append(np.mean(ov))
        best.append(max(ov))
    return _ranking_summary(rank1, mean, best, pool)


def today(rows, k: int = 4) -> dict:
    """The engine before ranking: the first K samples of each pool, ranked by mean log-probability."""
    rank1, mean, best, pool = [], [], [], []
    for r in rows:
        first = [int(i) for i in np.argsort(r["sample"])[:k]]
        ov = [r["overlap"][i] for i in first]
        top = max(first, key=lambda i: r["features"][i]["logp"])
        rank1.append(r["overlap"][top])
        mean.append(np.mean(ov))
        best.append(max(ov))
        pool.append(np.mean(r["overlap"]))
    return _ranking_summary(rank1, mean, best, pool)


def _ranking_summary(rank1, mean, best, pool) -> dict:
    if not rank1:
        return {"cases": 0}
    r1, m, b = float(np.mean(rank1)), float(np.mean(mean)), float(np.mean(best))
    return {"rank1": round(r1, 4), "mean_of_k": round(m, 4), "best_of_k": round(b, 4),
            "rank1_minus_mean": round(r1 - m, 4), "best_minus_rank1": round(b - r1, 4),
            "mean_of_pool": round(float(np.mean(pool)), 4), "cases": len(rank1)}


def ranking_report(engine, cases, *, log=print, repeats: int = 1) -> dict:
    """Continuations as the app ranks them against the engine before ranking, on ``cases``
    (:func:`continuation_cases`): each request samples the engine's whole pool once per repeat,
    with seed 0 (the app's default), then 1, 2, ... ``app`` and ``before`` are the means over the
    repeats; ``repeats`` lists each run's ``app`` figures (one seed's gap moves by about +-0.015)."""
    from .ranking import Ranker

    ranker = engine.ranker
    engine.ranker = Ranker({"logp": 1.0})
    runs = []
    try:
        for seed in range(max(1, repeats)):
            _, rows = continuation_report(engine, cases, settings=SuggestionSettings(
                task="continue", candidates=engine.pool, seed=seed), log=log)
            runs.append((pick(rows, ranker), today(rows)))
    finally:
        engine.ranker = ranker
    out = {"app": _mean_summary([a for a, _ in runs]), "before": _mean_summary([b for _, b in runs]),
           "pool": engine.pool}
    if len(runs) > 1:
        out["repeats"] = [a for a, _ in runs]
    return out


def _mean_summary(runs: list[dict]) -> dict:
    if len(runs) == 1 or not runs[0].get("cases"):
        return runs[0]
    return {k: (runs[0][k] if k == "cases" else round(float(np.mean([r[k] for r in runs])), 4)) for k in runs[0]}
