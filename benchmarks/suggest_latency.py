"""Suggestion latency with a loaded model (issue 4): K = 1, 4, 8 candidates x 2, 4, 8 bars,
time to the first candidate and to the ranked list, and batched sampling against one-by-one as
a ratio. Run: ``.venv/bin/python -m benchmarks.suggest_latency [--model DIR] [--repeats N]``.

Timings on a shared machine are noisy: read the ratios, and the medians of several repeats.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from composer_app.generation.engine import SuggestionEngine
from composer_app.generation.types import SuggestionRequest, SuggestionSettings
from composer_app.music_lm.loading import load_model
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track


def lead_sheet() -> Score:
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 64, 62, 64, 67, 69, 67, 67] * 2
    notes = tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))
    chords = tuple(Chord(ChordSymbol.parse(s), i * 1920, 1920)
                   for i, s in enumerate(["G", "C", "Em", "D7", "G", "C", "D7", "G"]))
    return Score(title="bench", tracks=(Track(notes=notes),), chords=chords, key_signatures=(KeySignature("G"),))


def timed(engine, score, settings, repeats):
    totals, firsts = [], []
    for r in range(repeats):
        first = []
        t0 = time.perf_counter()
        cands = engine.generate(SuggestionRequest(r, score, settings),
                                on_candidate=lambda c: first.append(time.perf_counter()) if not first else None)
        totals.append(time.perf_counter() - t0)
        firsts.append((first[0] - t0) if first else float("nan"))
    return statistics.median(firsts), statistics.median(totals), len(cands)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    loaded = load_model(args.model, "cpu")
    engine = SuggestionEngine(loaded)
    score = lead_sheet()
    params = sum(p.numel() for p in loaded.model.parameters())
    print(f"model {loaded.name} ({params / 1e6:.2f} M parameters) on {loaded.device}, 1 thread, "
          f"median of {args.repeats}")
    engine.generate(SuggestionRequest(0, score, SuggestionSettings(candidates=1, bars=1)))  # warm-up
    print(f"{'K':>3} {'bars':>4} {'first (s)':>10} {'all (s)':>8} {'got':>4}")
    for k in (1, 4, 8):
        for bars in (2, 4, 8):
            first, total, got = timed(engine, score, SuggestionSettings(candidates=k, bars=bars, seed=1), args.repeats)
            print(f"{k:>3} {bars:>4} {first:>10.3f} {total:>8.3f} {got:>4}")
    # Batched against one by one: K=4 candidates of 2 bars.
    batched = timed(engine, score, SuggestionSettings(candidates=4, bars=2, seed=1), args.repeats)[1]
    singles = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        for seed in range(4):
            engine.generate(SuggestionRequest(r, score, SuggestionSettings(candidates=1, bars=2, seed=seed)))
        singles.append(time.perf_counter() - t0)
    one_by_one = statistics.median(singles)
    print(f"K=4, 2 bars: batched {batched:.3f} s, one by one {one_by_one:.3f} s, "
          f"one-by-one / batched = {one_by_one / batched:.2f}x")


if __name__ == "__main__":
    main()
