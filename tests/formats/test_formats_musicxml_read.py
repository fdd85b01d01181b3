"""MusicXML import of the shared OpenEWLD lead sheets (skipped when the data is absent)."""

from __future__ import annotations

from composer_app import formats
from composer_app.score import Score


def test_openewld_sheet_has_notes_chords_and_meter(shared_data):
    path = next((shared_data / "openewld-pd" / "dataset").rglob("*.mxl"))
    s = formats.read(path)
    assert isinstance(s, Score)
    assert s.melody.notes, path
    assert s.chords, path
    assert s.title
    # chords tile the piece: each runs to the next one
    for a, b in zip(s.chords, s.chords[1:]):
        assert a.end <= b.start
