"""duplicate_selection: notes and chords copied together after their common span."""

from __future__ import annotations

from composer_app.score import Chord, ChordSymbol, Note, Score, TimeSignature, Track, edits


def make() -> Score:
    notes = (Note(60, 0, 480), Note(64, 480, 480))
    chords = (Chord(ChordSymbol.parse("C"), 0, 1920), Chord(ChordSymbol.parse("G"), 1920, 1920))
    return Score(tracks=(Track(notes=notes),), chords=chords)


def test_notes_and_chords_move_by_whole_bars_together():
    s = make()
    c = s.chords[0]
    out, new_notes, new_chords = edits.duplicate_selection(s, [n.id for n in s.all_notes()], [c.id])
    assert sorted((n.pitch, n.start) for n in out.all_notes() if n.id in new_notes) == [(60, 1920), (64, 2400)]
    [copy] = [x for x in out.chords if x.id in new_chords]
    assert (str(copy.symbol), copy.start, copy.duration) == ("C", 1920, 1920)
    # the copied chord replaces the G it lands on; the original C stays
    assert [(str(x.symbol), x.start) for x in out.chords] == [("C", 0), ("C", 1920)]


def test_chords_alone_and_empty_selection():
    s = make()
    g = s.chords[1]
    out, notes, chords = edits.duplicate_selection(s, [], [g.id])
    assert notes == [] and [(str(x.symbol), x.start) for x in out.chords] == [("C", 0), ("G", 1920), ("G", 3840)]
    assert edits.duplicate_selection(s, [], []) == (s, [], [])


def test_duplicate_offset_follows_the_meter():
    s = Score(time_signatures=(TimeSignature(3, 4),))
    assert edits.duplicate_offset(s, 0, 480) == 1440  # a phrase inside one 3/4 bar: next bar
    assert edits.duplicate_offset(s, 480, 2000) == 2880  # spans two bars: shift two bars
    assert edits.duplicate_offset(make(), 0, 480) == 1920
