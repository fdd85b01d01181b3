"""Hypothesis strategies for the document tests: initial scores and synthetic suggestion candidates."""

from __future__ import annotations

from hypothesis import strategies as st

from composer_app.generation.types import Candidate
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature, Track

SYMBOLS = ["C", "Am7", "G/B", "F#m7b5", "Bbmaj7", "Esus4", "C6", "D7", "Ebdim", "Abaug"]


def notes_strategy(max_size=8):
    return st.lists(st.builds(Note, pitch=st.integers(0, 127), start=st.integers(0, 8 * 1920),
                              duration=st.integers(1, 2000), velocity=st.integers(1, 127)),
                    max_size=max_size)


@st.composite
def initial_scores(draw):
    tracks = [Track(name=f"T{i}", channel=i, program=draw(st.integers(0, 127)),
                    notes=tuple(draw(notes_strategy())), muted=draw(st.booleans()))
              for i in range(draw(st.integers(1, 3)))]
    chords, t = [], 0
    for _ in range(draw(st.integers(0, 6))):
        t += draw(st.sampled_from([0, 240, 480, 960]))
        dur = draw(st.sampled_from([240, 480, 960, 1920, 1000]))
        chords.append(Chord(ChordSymbol.parse(draw(st.sampled_from(SYMBOLS))), t, dur))
        t += dur
    sig = draw(st.sampled_from([TimeSignature(4, 4), TimeSignature(3, 4), TimeSignature(6, 8), TimeSignature(5, 4)]))
    return Score(title=draw(st.sampled_from(["", "Air"])), tracks=tuple(tracks), chords=tuple(chords),
                 tempos=(Tempo(draw(st.sampled_from([60.0, 120.0, 151.5])), 0),),
                 time_signatures=(sig,), key_signatures=(KeySignature(draw(st.sampled_from(["C", "Eb", "F#"])),
                                                                      draw(st.sampled_from(["major", "minor"]))),))


@st.composite
def candidates(draw, score: Score, task: str):
    """A candidate like the engine's: whole bars after the piece (continue, chords) or over some of
    its bars (harmonize, infill); notes for continue/infill, a chord progression without overlaps."""
    meter = score.meter
    if task in ("harmonize", "infill"):
        first = draw(st.integers(0, max(0, meter.bar_count(score.end) - 1)))
    else:
        first = meter.bar_count(score.end)
    a, b = meter.bar(first).start, meter.bar(first + draw(st.integers(1, 4))).start
    notes = [] if task in ("harmonize", "chords") else draw(st.lists(st.builds(
        Note, pitch=st.integers(0, 127), start=st.integers(a, b - 1), duration=st.integers(1, 960),
        velocity=st.integers(1, 127)), max_size=8))
    chords, t = [], a
    if task != "infill" or draw(st.booleans()):
        while t < b and draw(st.booleans()):
            dur = min(b - t, draw(st.sampled_from([240, 480, 960, 1920])))
            chords.append(Chord(ChordSymbol.parse(draw(st.sampled_from(SYMBOLS))), t, dur))
            t += dur
    return Candidate(rank=draw(st.integers(1, 4)), score=-1.25, notes=tuple(notes), chords=tuple(chords),
                     note_confidence=tuple(0.5 for _ in notes), chord_confidence=tuple(0.5 for _ in chords),
                     region=(a, b), task=task, provenance={"model": "test", "seed": 7})
