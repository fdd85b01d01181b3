"""Piano roll edit actions through real key presses (DAW shortcuts); each is one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSpinBox, QWidget

from composer_app.document import ScoreDocument
from composer_app.gui.pianoroll import PianoRollWidget
from composer_app.score import TPQ, Note, Score, Track
from pianoroll_helpers import click, make_roll, notes, pt

pytestmark = pytest.mark.gui

K = Qt.Key
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def melody() -> Score:
    spec = [(60, 0, 480), (62, 480, 480), (64, 960, 480)]
    return Score(tracks=(Track("Melody", notes=tuple(Note(p, s, d, 80) for p, s, d in spec)),))


def key(qtbot, roll, k, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(roll.view, k, mod)


def test_actions_by_name_and_shortcuts(qtbot):
    roll = make_roll(qtbot)
    acts = roll.actions_by_name
    expected = {"delete": "Del", "select_all": "Ctrl+A", "transpose_up": "Up", "transpose_down": "Down",
                "octave_up": "Shift+Up", "octave_down": "Shift+Down", "nudge_left": "Left",
                "nudge_right": "Right", "duplicate": "Ctrl+D", "copy": "Ctrl+C", "cut": "Ctrl+X",
                "paste": "Ctrl+V", "quantize": "Q", "velocity_up": "Alt+Up", "velocity_down": "Alt+Down"}
    for name, seq in expected.items():
        assert acts[name].shortcut().toString() == seq, name
        assert acts[name].shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut


def test_delete_and_backspace(qtbot):
    roll = make_roll(qtbot, melody())
    a, b, c = notes(roll)
    click(qtbot, roll.view.viewport(), pt(roll, 100, 60))
    key(qtbot, roll, K.Key_Delete)
    assert [n.pitch for n in notes(roll)] == [62, 64]
    roll.doc.select([b.id])
    key(qtbot, roll, K.Key_Backspace)
    assert [n.pitch for n in notes(roll)] == [64]
    assert roll.doc.undo_stack.count() == 2
    roll.doc.undo_stack.undo()
    assert roll.doc.selection.notes == {b.id}  # undo restores the selection
    roll.doc.undo_stack.undo()
    assert [n.pitch for n in notes(roll)] == [60, 62, 64]


def test_transpose_and_octave_keys(qtbot):
    roll = make_roll(qtbot, melody())
    key(qtbot, roll, K.Key_A, CTRL)
    assert len(roll.doc.selection.notes) == 3
    key(qtbot, roll, K.Key_Up)
    assert [n.pitch for n in notes(roll)] == [61, 63, 65]
    key(qtbot, roll, K.Key_Down)
    key(qtbot, roll, K.Key_Down)
    assert [n.pitch for n in notes(roll)] == [59, 61, 63]
    key(qtbot, roll, K.Key_Up, SHIFT)
    assert [n.pitch for n in notes(roll)] == [71, 73, 75]
    key(qtbot, roll, K.Key_Down, SHIFT)
    assert [n.pitch for n in notes(roll)] == [59, 61, 63]
    assert roll.doc.undo_stack.count() == 5
    for _ in range(5):
        roll.doc.undo_stack.undo()
    assert [n.pitch for n in notes(roll)] == [60, 62, 64]
    for _ in range(5):
        roll.doc.undo_stack.redo()
    assert [n.pitch for n in notes(roll)] == [59, 61, 63]


def test_nudge_moves_by_one_grid_step(qtbot):
    roll = make_roll(qtbot, melody(), grid="1/8")
    click(qtbot, roll.view.viewport(), pt(roll, 500, 62))
    key(qtbot, roll, K.Key_Right)
    key(qtbot, roll, K.Key_Right)
    assert [n.start for n in notes(roll) if n.pitch == 62] == [480 + 480]
    key(qtbot, roll, K.Key_Left)
    assert [n.start for n in notes(roll) if n.pitch == 62] == [480 + 240]
    assert roll.doc.undo_stack.count() == 3


def test_duplicate_places_copies_after_the_selection(qtbot):
    roll = make_roll(qtbot, melody())
    key(qtbot, roll, K.Key_A, CTRL)
    key(qtbot, roll, K.Key_D, CTRL)
    assert len(notes(roll)) == 6
    copies = [n for n in notes(roll) if n.id in roll.doc.selection.notes]
    assert [(n.pitch, n.start) for n in copies] == [(60, 1920), (62, 2400), (64, 2880)]  # next bar
    assert roll.doc.undo_stack.count() == 1
    roll.doc.undo_stack.undo()
    assert len(notes(roll)) == 3


def test_duplicate_takes_selected_chords_along(qtbot):
    from composer_app.score import Chord, ChordSymbol

    score = melody()
    score = Score(tracks=score.tracks, chords=(Chord(ChordSymbol.parse("C"), 0, 1920),))
    roll = make_roll(qtbot, score)
    key(qtbot, roll, K.Key_A, CTRL)
    key(qtbot, roll, K.Key_D, CTRL)
    assert [(str(c.symbol), c.start) for c in roll.doc.score.chords] == [("C", 0), ("C", 1920)]
    assert len(roll.doc.selection.chords) == 1 and len(roll.doc.selection.notes) == 3
    assert roll.doc.undo_stack.count() == 1


def test_copy_paste_at_playhead_and_cut(qtbot):
    roll = make_roll(qtbot, melody(), grid="1/4")
    roll.doc.select([n.id for n in notes(roll) if n.pitch in (62, 64)])
    key(qtbot, roll, K.Key_C, CTRL)
    # click the ruler to move the playhead to bar 3 (tick 3840)
    x = int(roll.geom.x(3840) - roll.scroll_x()) + 2
    with qtbot.waitSignal(roll.seekRequested) as seek:
        click(qtbot, roll.ruler, roll.ruler.rect().center().__class__(x, 10))
    assert seek.args == [3840] and roll.playhead == 3840
    roll.view.setFocus()
    key(qtbot, roll, K.Key_V, CTRL)
    pasted = [(n.pitch, n.start) for n in notes(roll) if n.id in roll.doc.selection.notes]
    assert pasted == [(62, 3840), (64, 4320)]
    assert len(notes(roll)) == 5 and roll.doc.undo_stack.count() == 1
    key(qtbot, roll, K.Key_X, CTRL)
    assert len(notes(roll)) == 3 and roll.doc.undo_stack.count() == 2
    roll.set_playhead(0)
    key(qtbot, roll, K.Key_V, CTRL)
    assert sorted((n.pitch, n.start) for n in notes(roll))[:3] == [(60, 0), (62, 0), (62, 480)]


def test_quantize_snaps_starts_and_lengths(qtbot):
    score = Score(tracks=(Track("Melody", notes=(Note(60, 130, 200), Note(62, 470, 300))),))
    roll = make_roll(qtbot, score, grid="1/8")
    key(qtbot, roll, K.Key_A, CTRL)
    key(qtbot, roll, K.Key_Q)
    assert [(n.start, n.duration) for n in notes(roll)] == [(240, 240), (480, 240)]
    assert roll.doc.undo_stack.count() == 1


def test_velocity_keys(qtbot):
    roll = make_roll(qtbot, melody())
    click(qtbot, roll.view.viewport(), pt(roll, 100, 60))
    key(qtbot, roll, K.Key_Up, ALT)
    key(qtbot, roll, K.Key_Up, ALT)
    key(qtbot, roll, K.Key_Down, ALT)
    assert [n.velocity for n in notes(roll)] == [88, 80, 80]
    assert [n.pitch for n in notes(roll)] == [60, 62, 64]  # Alt+Up is not transpose
    assert roll.doc.undo_stack.count() == 3


def test_arrows_do_not_leave_a_spinbox_elsewhere(qtbot):
    host = QWidget()
    layout = QHBoxLayout(host)
    spin = QSpinBox()
    spin.setRange(0, 100)
    spin.setValue(50)
    doc = ScoreDocument(melody())
    roll = PianoRollWidget(doc)
    layout.addWidget(spin)
    layout.addWidget(roll)
    qtbot.addWidget(host)
    host.resize(1100, 600)
    host.show()
    qtbot.waitExposed(host)
    host.windowHandle().requestActivate()
    qtbot.waitUntil(host.isActiveWindow, timeout=3000)
    doc.select_all()
    spin.setFocus()
    qtbot.keyClick(spin, K.Key_Up)
    assert spin.value() == 51
    assert [n.pitch for n in doc.current_track.notes] == [60, 62, 64]
    roll.view.setFocus()
    qtbot.keyClick(roll.view, K.Key_Up)
    assert [n.pitch for n in doc.current_track.notes] == [61, 63, 65]


def test_undo_redo_sequence_of_mixed_gestures(qtbot):
    roll = make_roll(qtbot, grid="1/4")
    vp = roll.view.viewport()
    click(qtbot, vp, pt(roll, 10, 60))  # draw C
    click(qtbot, vp, pt(roll, 490, 64))  # draw E
    key(qtbot, roll, K.Key_Up)  # E -> F
    from pianoroll_helpers import drag
    drag(qtbot, vp, pt(roll, 500, 65), pt(roll, 500 + 480, 65))  # move F to beat 3
    key(qtbot, roll, K.Key_Delete)
    states = []
    stack = roll.doc.undo_stack
    assert stack.count() == 5
    for _ in range(5):
        states.append([(n.pitch, n.start) for n in notes(roll)])
        stack.undo()
    assert notes(roll) == []
    for expected in reversed(states):
        stack.redo()
        assert [(n.pitch, n.start) for n in notes(roll)] == expected
    assert states[1] == [(60, 0), (65, 960)]
    assert states[2] == [(60, 0), (65, 480)]
    assert len(roll.view.note_items) == 1


def test_grid_choices_and_signal(qtbot):
    roll = make_roll(qtbot)
    with qtbot.waitSignal(roll.gridChanged) as sig:
        roll.set_grid("1/8T")
    assert sig.args == ["1/8T"] and roll.grid_ticks == TPQ // 3
    roll.set_grid("Off")
    assert roll.grid_ticks is None
    with pytest.raises(ValueError):
        roll.set_grid("1/7")
