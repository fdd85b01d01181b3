"""Regression tests for bugs the stateful document test found."""

import pytest


from composer_app.document import ScoreDocument  # noqa: E402
from composer_app.gui.panels import properties_ops as ops  # noqa: E402
from composer_app.score import Chord, ChordSymbol, Score, Track, edits  # noqa: E402


def test_losing_the_current_track_makes_the_first_current_and_says_so(qtbot):
    """Removing the current track (or undoing its addition) used to switch the current track
    silently: views following currentTrackChanged (MIDI thru channel, track combo) went stale."""
    doc = ScoreDocument(Score(tracks=(Track("A", 0), Track("B", 1))))
    a, b = (t.id for t in doc.score.tracks)
    doc.set_current_track(b)
    told = []
    doc.currentTrackChanged.connect(told.append)
    assert doc.edit("Remove B", ops.remove_track(doc.score, b))
    assert doc.current_track.id == a and told == [a]
    doc.undo_stack.undo()  # B is back; the current track stays A (no signal needed)
    assert [t.id for t in doc.score.tracks] == [a, b] and doc.current_track.id == a and told == [a]

    new, track = ops.add_track(doc.score)
    doc.edit("Add track", new)
    doc.set_current_track(track.id)
    assert told[-1] == track.id
    doc.undo_stack.undo()  # the added (current) track goes away again
    assert doc.current_track.id == a and told[-1] == a


def test_change_chord_with_an_unknown_id_is_a_key_error():
    """It used to leak StopIteration (which turns into RuntimeError inside a generator)."""
    score = Score(chords=(Chord(ChordSymbol.parse("C"), 0, 480),))
    with pytest.raises(KeyError):
        edits.change_chord(score, 10**12, symbol="Am")


def test_a_dropped_document_is_freed_without_the_cycle_collector(qtbot):
    """Undo commands used to hold their document strongly: document -> undo stack -> (C++) command
    -> document, a cycle only the garbage collector could break, and collecting many such
    documents at once crashed the interpreter (the stateful test segfaulted at exit)."""
    import gc
    import weakref

    from composer_app.score import Note

    doc = ScoreDocument()
    for pitch in (60, 62, 64):
        doc.edit("Add", edits.add_notes(doc.score, doc.current_track.id, [Note(pitch, 0, 10)]))
    doc.undo_stack.undo()
    ref = weakref.ref(doc)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        del doc
        assert ref() is None, "something still holds the document in a reference cycle"
    finally:
        if was_enabled:
            gc.enable()
