"""The assistant's two everyday requests, timed with the model loaded, against an earlier engine.

    python -m benchmarks.assistant_latency [--baseline-tree DIR] [--repeats 5]

* harmonize a 32-bar melody, K = 3 (Ctrl+H on a whole tune);
* continue an 8-bar lead sheet, K = 4 x 2 bars (Ctrl+G);
* the 32-bar melody with no key set (a MIDI file from a DAW): the app reads its keys from the
  notes, bar by bar, before it harmonizes (score/keyfinding.py; engines before 2026-12-05 read it
  in C major).

Each is the median of ``--repeats`` runs after a warm-up, one torch thread. With
``--baseline-tree`` (a checkout of an earlier version, e.g. ``git worktree add /tmp/base c3f8c07``)
the same requests run in a subprocess on that tree's engine, interleaved with this one's, and the
table gives the ratio. Read ratios, not seconds: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace

REQUESTS = ("harmonize 32 bars, K=3", "continue K=4 x 2 bars", "harmonize 32 bars, no key set, K=3")


def melody(bars: int):
    from composer_app.score import KeySignature, Note, Score, Track

    # A folk-like tune in G: arpeggios and scale runs over I IV V I, repeated with variation.
    figures = [[67, 71, 74, 71], [72, 71, 69, 67], [66, 69, 72, 69], [67, 62, 59, 62],
               [64, 67, 72, 67], [69, 71, 72, 74], [72, 69, 66, 62], [67, 67, 67, 67]]
    notes = []
    for b in range(bars):
        for i, p in enumerate(figures[(b + b // 8) % len(figures)]):
            notes.append(Note(p, b * 1920 + i * 480, 480))
    return Score(title="bench", tracks=(Track(notes=tuple(notes)),), key_signatures=(KeySignature("G"),))


def lead_sheet():
    from composer_app.score import Chord, ChordSymbol

    score = melody(8)
    chords = [Chord(ChordSymbol.parse(s), i * 1920, 1920) for i, s in enumerate(["G", "C", "D7", "G"] * 2)]
    return score.with_chords(chords)


def measure(repeats: int) -> dict:
    import torch

    from composer_app.generation.engine import SuggestionEngine
    from composer_app.generation.types import SuggestionRequest, SuggestionSettings
    from composer_app.music_lm.loading import load_model

    torch.set_num_threads(1)
    engine = SuggestionEngine(load_model(None, "cpu"))
    jobs = {
        REQUESTS[0]: (melody(32), SuggestionSettings(task="harmonize", candidates=3)),
        REQUESTS[1]: (lead_sheet(), SuggestionSettings(task="continue", candidates=4, bars=2)),
        # no key signature at all: read as "none set" by this engine and as C major by older ones
        REQUESTS[2]: (replace(melody(32), key_signatures=()), SuggestionSettings(task="harmonize", candidates=3)),
    }
    out = {}
    for name, (score, settings) in jobs.items():
        engine.generate(SuggestionRequest(0, score, settings))  # warm-up
        times = []
        for r in range(repeats):
            score = replace(score, title=f"bench {r}")  # a new score object: no cached key reading
            t0 = time.perf_counter()
            engine.generate(SuggestionRequest(r + 1, score, settings))
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline-tree", help="a checkout of an earlier version to compare with")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.json_only:
        print(json.dumps(measure(args.repeats)))
        return 0
    here = measure(args.repeats)
    base = None
    if args.baseline_tree:
        env = {**os.environ, "PYTHONPATH": os.path.abspath(args.baseline_tree)}
        bench = os.path.abspath(__file__)
        script = (f"import runpy, sys; sys.argv = ['x', '--json-only', '--repeats', '{args.repeats}']; "
                  f"runpy.run_path({bench!r}, run_name='__main__')")
        res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                             cwd=os.path.abspath(args.baseline_tree))
        if res.returncode:
            print(res.stderr[-2000:], file=sys.stderr)
            return 1
        base = json.loads(res.stdout.strip().splitlines()[-1])
        here2 = measure(args.repeats)  # again after the baseline: the machine's load drifts
        here = {k: min(here[k], here2[k]) for k in here}
    print("| request | this version (s) |" + (" baseline (s) | this / baseline |" if base else ""))
    print("|---|---|" + ("---|---|" if base else ""))
    for name in REQUESTS:
        row = f"| {name} | {here[name]:.3f} |"
        if base:
            row += f" {base[name]:.3f} | {here[name] / base[name]:.2f} |"
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
