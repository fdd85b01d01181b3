"""The issue's "Done when" flow through the real window with real mouse and key events:
draw a 4-bar melody with chords on the piano roll, undo and redo, save, reopen, export MIDI and
MusicXML, and read both exports back with the same notes and chords."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from composer_app import formats
from composer_app.score import TPQ

from mw_helpers import dialogs, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
Q = TPQ
BAR = 4 * Q

#: (pitch, start, duration) of the melody: four bars of 4/4 drawn with the grid at 1/4.
MELODY = [
    (60, 0, Q), (62, Q, Q), (64, 2 * Q, Q), (65, 3 * Q, Q),
    (67, BAR, 2 * Q), (64, BAR + 2 * Q, Q), (60, BAR + 3 * Q, Q),
    (62, 2 * BAR, Q), (64, 2 * BAR + Q, Q), (65, 2 * BAR + 2 * Q, Q), (62, 2 * BAR + 3 * Q, Q),
    (60, 3 * BAR, 4 * Q),
]
#: (bar, chord text typed into the chord lane)
CHORDS = [(0, "C"), (1, "G/B"), (2, "Dm7"), (3, "C")]


def _draw_note(qtbot, roll, pitch: int, start: int, duration: int) -> None:
    """Press in the note's first grid cell, drag to its last cell, release: one gesture."""
    roll.ensure_visible(start, pitch)
    roll.ensure_visible(start + duration, pitch)
    vp = roll.view.viewport()
    press = roll.viewport_point(start + Q // 2, pitch)
    release = roll.viewport_point(start + duration - Q // 2, pitch)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=press)
    if release != press:
        for frac in (0.5, 1.0):
            qtbot.mouseMove(vp, QPoint(int(press.x() + (release.x() - press.x()) * frac), press.y()))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=release)


def _type_chord(qtbot, roll, bar: int, text: str) -> None:
    roll.ensure_visible(bar * BAR)
    lane = roll.chord_lane
    x = int(lane.block_rect(bar * BAR + Q // 2, 1).left())
    pos = QPoint(x, lane.height() // 2)
    qtbot.mouseDClick(lane, Qt.MouseButton.LeftButton, pos=pos)
    editor = lane.editor
    assert editor is not None, "double-click on the chord lane opens the chord editor"
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)


def _notes(score):
    return sorted((n.pitch, n.start, n.duration) for n in score.all_notes())


def _chords(score):
    return [(c.start, str(c.symbol)) for c in score.chords]


def test_draw_undo_redo_save_reopen_export_and_read_back(window, dialogs, qtbot, tmp_path):
    roll, doc = window.roll, window.doc
    window.grid_combo.setCurrentIndex(window.grid_combo.findText("1/2"))
    window.grid_combo.setFocus()
    qtbot.keyClick(window.grid_combo, Qt.Key.Key_Down)  # 1/2 -> 1/4, as a user would
    assert roll.grid_ticks == Q

    for pitch, start, duration in MELODY:
        _draw_note(qtbot, roll, pitch, start, duration)
    for bar, text in CHORDS:
        _type_chord(qtbot, roll, bar, text)
    assert _notes(doc.score) == sorted(MELODY)
    assert _chords(doc.score) == [(bar * BAR, text) for bar, text in CHORDS]
    assert [c.duration for c in doc.score.chords] == [BAR] * 4
    steps = len(MELODY) + len(CHORDS)
    assert doc.undo_stack.count() == steps  # one undo step per gesture
    drawn = doc.score

    # Undo the four chords and the last two notes with Ctrl+Z, then redo them with Ctrl+Shift+Z.
    roll.view.setFocus()
    for _ in range(6):
        qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert len(doc.score.chords) == 0 and _notes(doc.score) == sorted(MELODY[:-2])
    for _ in range(6):
        qtbot.keyClick(window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert doc.score.content_equal(drawn)
    assert window.isWindowModified()

    # Save (Ctrl+S asks where), start afresh, reopen (Ctrl+O).
    project = tmp_path / "four-bars.composer"
    dialogs.answer_file(project)
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    assert project.is_file() and not window.isWindowModified()
    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)
    assert doc.score.all_notes() == []
    dialogs.answer_file(project)
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL)
    assert doc.score.content_equal(drawn)
    assert _chords(doc.score) == [(bar * BAR, text) for bar, text in CHORDS]

    # Export through the File menu's actions, then read both files back.
    mid, xml = tmp_path / "four-bars.mid", tmp_path / "four-bars.musicxml"
    dialogs.answer_file(mid)
    window.actions_by_name["export_midi"].trigger()
    dialogs.answer_file(xml)
    window.actions_by_name["export_musicxml"].trigger()
    assert dialogs.errors == []
    for path in (mid, xml):
        back = formats.read(path)
        assert _notes(back) == sorted(MELODY), path.name
        assert _chords(back) == [(bar * BAR, text) for bar, text in CHORDS], path.name
        assert str(back.time_signature) == "4/4" and round(back.tempo) == 120, path.name
    assert not window.isWindowModified()  # exporting does not change the project
