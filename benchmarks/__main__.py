"""Run the benchmarks: ``python -m benchmarks`` (all of them, one after the other) or
``python -m benchmarks NAME [NAME ...]`` (``python -m benchmarks --list`` names them). Each one is
also a module with its own options: ``python -m benchmarks.NAME --help``.
"""

from __future__ import annotations

import importlib
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

#: name -> what it measures (the module ``benchmarks.<name>`` with a ``main(argv)``).
BENCHMARKS = {
    "pianoroll_redraw": "piano roll build/repaint/edit/zoom on 500-20,000 random notes",
    "large_score": "a 20-minute, 20,000-note piece: files, open, scroll/zoom frames, edits, suggestions",
    "gui_stall": "longest GUI event-loop stall while the worker generates",
    "suggest_latency": "suggestion latency (K x bars) with the bundled model",
    "lm_speed": "music LM training throughput and KV-cache decoding",
    "playback_timing": "real-time MIDI playback timing and render speed",
}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--list"]:
        for name, what in BENCHMARKS.items():
            print(f"{name:<18} {what}")
        return 0
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        print(f"\n== {name}: {BENCHMARKS[name]}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        try:
            rc = module.main([]) if name != "pianoroll_redraw" else module.main()
        except SystemExit as exc:  # an argparse exit or a benchmark that gives up
            rc = exc.code
        status = status or (rc if isinstance(rc, int) else 0)
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
