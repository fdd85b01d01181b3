"""Hand-made scores for the round-trip tests: several meters, triplets, rich chord symbols."""

from __future__ import annotations

from composer_app.score import TPQ, Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature, Track

CHORDS = ["Am7", "G/B", "F#m7b5", "Bbmaj7", "Esus4", "C6", "D7sus4", "Ebdim7", "Caug", "Gm6", "A7b9", "Fadd9"]


def melody_for(num: int, den: int, bars: int = 4, *, triplets: bool = True, seed: int = 0) -> list[Note]:
    """A melody in ``num/den`` with eighths, a dotted note, a held note across a bar line and triplets."""
    bar = num * TPQ * 4 // den
    notes: list[Note] = []
    pitch = 60 + seed % 5
    for b in range(bars):
        t = b * bar
        end = t + bar
        if triplets and b == 1:
            step = TPQ // 3 if den == 8 else TPQ * 2 // 3  # eighth-note or quarter-note triplets
            for i in range(3):
                notes.append(Note(pitch + 2 * i, t + i * step, step, 70 + i))
            t += 3 * step
        while t + TPQ // 2 <= end:
            length = TPQ // 2 if (t // (TPQ // 2)) % 3 else TPQ * 3 // 4 if t + TPQ * 3 // 4 <= end else TPQ // 2
            notes.append(Note(pitch, t, length, 80 + (t // 120) % 40))
            pitch = 60 + (pitch - 60 + 3) % 14
            t += length
    # a note tied over the last bar line, and one in the bar after it
    last = bars * bar
    notes = [n for n in notes if n.end <= last - TPQ]
    notes.append(Note(72, last - TPQ, 2 * TPQ, 100))
    return notes


def lead_sheet(num: int, den: int, *, key=KeySignature("F", "major"), bpm: float = 96.0,  # noqa: B008 - frozen, never mutated
               chords: list[str] | None = None, bars: int = 4) -> Score:
    bar = num * TPQ * 4 // den
    names = chords or CHORDS
    chord_objs = []
    for b in range(bars):
        half = bar // 2 if num % 2 == 0 or num == 6 else bar
        chord_objs.append(Chord(ChordSymbol.parse(names[(2 * b) % len(names)]), b * bar, half))
        if half < bar:
            chord_objs.append(Chord(ChordSymbol.parse(names[(2 * b + 1) % len(names)]), b * bar + half, bar - half))
    return Score(
        title=f"Lead sheet in {num}/{den}",
        tracks=(Track("Melody", 0, 73, tuple(melody_for(num, den, bars))),),
        chords=tuple(chord_objs),
        tempos=(Tempo(bpm, 0),),
        time_signatures=(TimeSignature(num, den, 0),),
        key_signatures=(key,),
    )


def rich_score() -> Score:
    """Two tracks (one with chords and overlapping voices), meter/key/tempo changes, chord gaps."""
    melody = melody_for(4, 4, 4, seed=3)
    bar = 4 * TPQ
    piano = [Note(48, 0, 2 * bar, 60), Note(52, 0, bar, 61), Note(55, 0, bar, 62),  # held bass under a chord
             Note(53, bar, bar // 2, 64), Note(57, bar, bar // 2, 64), Note(60, bar + bar // 2, bar // 2, 66)]
    # after the meter change to 3/4 at bar 4 (tick 7680)
    t0 = 4 * bar
    melody += [Note(67, t0, TPQ, 90), Note(69, t0 + TPQ, TPQ // 3, 90), Note(71, t0 + TPQ + TPQ // 3, TPQ // 3, 90),
               Note(72, t0 + TPQ + 2 * TPQ // 3, TPQ // 3, 90), Note(74, t0 + 2 * TPQ, 4 * TPQ, 90)]
    chords = [Chord(ChordSymbol.parse(s), i * bar, bar) for i, s in enumerate(["Am7", "G/B", "F#m7b5", "Bbmaj7"])]
    chords[1] = Chord(chords[1].symbol, bar, bar // 2)  # a gap (N.C.) after G/B
    chords.append(Chord(ChordSymbol.parse("Esus4"), t0, 3 * TPQ))
    chords.append(Chord(ChordSymbol.parse("C6"), t0 + 3 * TPQ, 3 * TPQ))
    return Score(
        title="Rich",
        tracks=(Track("Lead", 0, 73, tuple(melody)), Track("Piano", 2, 0, tuple(piano), muted=True)),
        chords=tuple(chords),
        tempos=(Tempo(88.5, 0), Tempo(132.0, 2 * bar)),
        time_signatures=(TimeSignature(4, 4, 0), TimeSignature(3, 4, t0)),
        key_signatures=(KeySignature("E", "minor", 0), KeySignature("D", "dorian", t0)),
        chord_program=24,
        chord_channel=3,
    )
