"""``composer-app render INPUT -o OUT.wav``: render melody and chords offline with FluidSynth."""

from __future__ import annotations

import time
from pathlib import Path


def add_arguments(parser) -> None:
    parser.add_argument("input", help="a score file (.mid, .musicxml, .abc, project .json ...)")
    parser.add_argument("-o", "--output", required=True, help="the WAV file to write")
    parser.add_argument("--soundfont", help="a .sf2/.sf3 General MIDI soundfont (default: found automatically)")
    parser.add_argument("--sample-rate", type=int, default=44100)
    parser.add_argument("--gain", type=float, default=0.5, help="FluidSynth output gain (default 0.5)")
    parser.add_argument("--metronome", action="store_true", help="add metronome clicks")
    parser.add_argument("--tune", type=int, default=None, help="which tune of a multi-tune ABC file")


def run(args) -> int:
    from ..formats import read
    from ..playback.events import build_events
    from ..playback.render import render_events, write_wav

    score = read(args.input, tune=args.tune)
    events = build_events(score, metronome=args.metronome)
    t = time.perf_counter()
    audio = render_events(events, args.soundfont, sample_rate=args.sample_rate, gain=args.gain)
    took = time.perf_counter() - t
    out = write_wav(args.output, audio, args.sample_rate)
    seconds = len(audio) / args.sample_rate
    speed = f", {seconds / took:.0f}x real time" if took > 0 else ""
    print(f"wrote {Path(out)} ({seconds:.1f} s of audio{speed})")
    return 0
