"""Long real music reads in time linear in its length, and absurd inputs are refused before the
expensive step (issue 13). Cost is counted in Python function calls (deterministic), never in
seconds: the wall-clock figures are in ``benchmarks/hostile_inputs.py``."""

from __future__ import annotations

import cProfile
import pstats

from composer_app import formats


def reel(n_notes: int) -> str:
    """A plain reel of ``n_notes`` eighth notes, eight a bar, a chord symbol on every bar."""
    scale = "CDEFGABcdefgab"
    chords = ["C", "Am", "F", "G7"]
    bars = []
    for b in range(n_notes // 8):
        notes = "".join(scale[(b * 3 + i * (1 + b % 3)) % len(scale)] for i in range(8))
        bars.append(f'"{chords[b % len(chords)]}"{notes[:4]} {notes[4:]}')
    lines = [" | ".join(bars[i:i + 4]) + " |" for i in range(0, len(bars), 4)]
    return "X:1\nT:Long reel\nM:4/4\nL:1/8\nK:C\n" + "\n".join(lines) + "]\n"


def calls_to_read(path, **kw) -> int:
    prof = cProfile.Profile()
    prof.enable()
    try:
        score = formats.read(path, **kw)
    finally:
        prof.disable()
    assert score.all_notes()
    return pstats.Stats(prof).total_calls


def test_a_long_abc_tune_costs_linear_work(tmp_path):
    """music21 beams every measure against a tree of the whole part and re-lists the measures for
    each one it checks (quadratic: 20,000 notes took 194 s); twice the notes must cost about twice."""
    small, large = tmp_path / "small.abc", tmp_path / "large.abc"
    small.write_text(reel(1_000))
    large.write_text(reel(2_000))
    formats.read(small)  # imports and music21's caches: not part of the cost
    ratio = calls_to_read(large) / calls_to_read(small)
    assert ratio < 2.3, f"twice the notes cost {ratio:.2f} times the work"


def test_the_linear_abc_translation_keeps_musics_splits_of_overfull_bars(tmp_path):
    """An overfull bar is split as music21 splits it (the same notes, bar lines and meters)."""
    from music21 import abcFormat
    from music21.abcFormat import translate

    from composer_app.formats._abc_m21 import translate_tune

    text = "X:1\nM:3/4\nL:1/8\nK:D\nABcd efga|ABcd ef|gfed cBAG FE|D6|]\n"
    ours, theirs = abcFormat.ABCHandler(), abcFormat.ABCHandler()
    ours.process(text)
    theirs.process(text)
    a = translate_tune(ours).parts[0]
    b = translate.abcToStreamScore(theirs).parts[0]

    def shape(part):
        return [(m.number, float(m.offset), m.timeSignature.ratioString if m.timeSignature else None,
                 [(n.nameWithOctave, float(n.offset), float(n.quarterLength)) for n in m.notes])
                for m in part.getElementsByClass("Measure")]

    assert shape(a) == shape(b)
    assert len(shape(a)) > 4  # the overfull bars were split
