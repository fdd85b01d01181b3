"""Chord lane: typing chord symbols (valid and refused), move, resize, delete, retype; undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from composer_app.score import Chord, ChordSymbol, Score
from pianoroll_helpers import drag, make_roll

pytestmark = pytest.mark.gui

K = Qt.Key
LEFT = Qt.MouseButton.LeftButton


def lane_point(roll, tick: int, dx: int = 0) -> QPoint:
    return QPoint(int(roll.geom.x(tick) - roll.scroll_x()) + dx, roll.chord_lane.height() // 2)


def type_chord(qtbot, roll, tick: int, text: str):
    lane = roll.chord_lane
    qtbot.mouseDClick(lane, LEFT, pos=lane_point(roll, tick))
    assert lane.editor is not None and lane.editor.isVisible()
    qtbot.keyClicks(lane.editor, text)
    qtbot.keyClick(lane.editor, K.Key_Return)


def chords(roll):
    return [(str(c.symbol), c.start, c.duration) for c in roll.doc.score.chords]


def with_chords(*specs) -> Score:
    return Score(chords=tuple(Chord(ChordSymbol.parse(s), a, d) for s, a, d in specs))


def test_double_click_empty_lane_and_type_a_chord(qtbot):
    roll = make_roll(qtbot)
    type_chord(qtbot, roll, 1920 + 700, "Am7")  # inside bar 2
    assert chords(roll) == [("Am7", 1920, 1920)]  # one bar at the bar's start
    assert roll.chord_lane.editor is None
    [c] = roll.doc.score.chords
    assert isinstance(c, Chord) and c.symbol == ChordSymbol("A", "m7")
    assert roll.doc.selection.chords == {c.id}
    assert roll.doc.undo_stack.count() == 1
    roll.doc.undo_stack.undo()
    assert chords(roll) == []
    roll.doc.undo_stack.redo()
    assert chords(roll) == [("Am7", 1920, 1920)]


@pytest.mark.parametrize("text, canonical", [("Am7", "Am7"), ("G/B", "G/B"), ("F#m7b5", "F#m7b5"),
                                             ("Bbmaj7", "Bbmaj7"), ("Esus4", "Esus4"), ("C6", "C6")])
def test_lead_sheet_symbols_are_accepted(qtbot, text, canonical):
    roll = make_roll(qtbot)
    type_chord(qtbot, roll, 100, text)
    assert chords(roll) == [(canonical, 0, 1920)]


def test_invalid_text_is_refused_with_a_message_and_nothing_changes(qtbot):
    roll = make_roll(qtbot, with_chords(("C", 0, 1920)))
    before = roll.doc.score
    lane = roll.chord_lane
    qtbot.mouseDClick(lane, LEFT, pos=lane_point(roll, 1920 + 100))
    qtbot.keyClicks(lane.editor, "H7x")
    elsewhere = []
    roll.messageShown.connect(elsewhere.append)
    qtbot.keyClick(lane.editor, K.Key_Return)
    # said once, next to the editor (not again in a tooltip and the status bar)
    assert lane.error_label.isVisible() and "H7x" in lane.error_label.text() and "chord" in lane.error_label.text()
    assert elsewhere == []
    assert lane.editor is not None  # still open to fix the text
    assert roll.doc.score is before and roll.doc.undo_stack.count() == 0
    # fixing the text and pressing Enter again works
    lane.editor.setText("")
    qtbot.keyClicks(lane.editor, "G7")
    assert not lane.error_label.isVisible()
    qtbot.keyClick(lane.editor, K.Key_Return)
    assert chords(roll) == [("C", 0, 1920), ("G7", 1920, 1920)]


def test_escape_cancels_typing(qtbot):
    roll = make_roll(qtbot)
    lane = roll.chord_lane
    qtbot.mouseDClick(lane, LEFT, pos=lane_point(roll, 50))
    qtbot.keyClicks(lane.editor, "Dm")
    qtbot.keyClick(lane.editor, K.Key_Escape)
    assert lane.editor is None and chords(roll) == []


def test_double_click_a_chord_retypes_it(qtbot):
    roll = make_roll(qtbot, with_chords(("C", 0, 1920), ("F", 1920, 1920)))
    lane = roll.chord_lane
    qtbot.mouseDClick(lane, LEFT, pos=lane_point(roll, 2500))
    assert lane.editor.text() == "F"
    lane.editor.selectAll()
    qtbot.keyClicks(lane.editor, "Fmaj7")
    qtbot.keyClick(lane.editor, K.Key_Return)
    assert chords(roll) == [("C", 0, 1920), ("Fmaj7", 1920, 1920)]
    assert roll.doc.undo_stack.count() == 1


def test_typing_a_letter_with_the_lane_focused_opens_the_editor(qtbot):
    roll = make_roll(qtbot)
    lane = roll.chord_lane
    qtbot.mouseClick(lane, LEFT, pos=lane_point(roll, 3840 + 10))  # empty lane in bar 3
    qtbot.keyClick(lane, K.Key_E)
    assert lane.editor is not None and lane.editor.text() == "E"
    qtbot.keyClicks(lane.editor, "m")
    qtbot.keyClick(lane.editor, K.Key_Return)
    assert chords(roll) == [("Em", 3840, 1920)]


def test_drag_moves_a_chord_with_snap(qtbot):
    roll = make_roll(qtbot, with_chords(("C", 0, 1920), ("G", 1920, 1920)), grid="1/4")
    g = next(c for c in roll.doc.score.chords if str(c.symbol) == "G")
    # move G 2 bars right (+ a little: snaps to the beat)
    drag(qtbot, roll.chord_lane, lane_point(roll, 2000), lane_point(roll, 2000 + 3840 + 100))
    assert chords(roll) == [("C", 0, 1920), ("G", 5760, 1920)]
    assert roll.doc.selection.chords == {g.id}
    assert roll.doc.undo_stack.count() == 1
    roll.doc.undo_stack.undo()
    assert chords(roll) == [("C", 0, 1920), ("G", 1920, 1920)]


def test_drag_edge_resizes_and_trims_the_neighbour(qtbot):
    roll = make_roll(qtbot, with_chords(("C", 0, 1920), ("G", 1920, 1920)), grid="1/4")
    drag(qtbot, roll.chord_lane, lane_point(roll, 1920, dx=-2), lane_point(roll, 1920 + 960 + 50, dx=-2))
    assert chords(roll) == [("C", 0, 2880), ("G", 2880, 960)]
    assert roll.doc.undo_stack.count() == 1
    drag(qtbot, roll.chord_lane, lane_point(roll, 2880, dx=-2), lane_point(roll, 480, dx=-2))
    assert chords(roll)[0] == ("C", 0, 480)


def test_click_selects_and_delete_removes_chords(qtbot):
    roll = make_roll(qtbot, with_chords(("C", 0, 1920), ("G", 1920, 1920), ("Am", 3840, 1920)))
    lane = roll.chord_lane
    qtbot.mouseClick(lane, LEFT, pos=lane_point(roll, 100))
    qtbot.mouseClick(lane, LEFT, Qt.KeyboardModifier.ShiftModifier, lane_point(roll, 4000))
    assert len(roll.doc.selection.chords) == 2
    qtbot.keyClick(lane, K.Key_Delete)
    assert chords(roll) == [("G", 1920, 1920)]
    assert roll.doc.undo_stack.count() == 1
    roll.doc.undo_stack.undo()
    assert len(chords(roll)) == 3 and len(roll.doc.selection.chords) == 2


def test_transpose_keys_move_selected_chords(qtbot):
    roll = make_roll(qtbot, with_chords(("C", 0, 1920)))
    lane = roll.chord_lane
    qtbot.mouseClick(lane, LEFT, pos=lane_point(roll, 100))
    qtbot.keyClick(lane, K.Key_Up)
    qtbot.keyClick(lane, K.Key_Up)
    assert chords(roll) == [("D", 0, 1920)]


def test_candidate_chords_are_shown_not_added(qtbot):
    roll = make_roll(qtbot)
    ghost = Chord(ChordSymbol.parse("G7"), 0, 1920)
    roll.set_candidate([], [ghost], None, [0.5])
    assert roll.candidate_chords == [ghost] and roll.candidate_chord_confidences == [0.5]
    assert chords(roll) == []
    roll.clear_candidate()
    assert roll.candidate_chords == []


def test_editing_keys_stay_in_the_chord_editor(qtbot):
    """Arrows, Backspace, Delete, Ctrl+A and letters that are roll shortcuts (S, Q, P) edit the
    text; they do not reach the roll's actions."""
    roll = make_roll(qtbot, with_chords(("C", 0, 1920)))
    lane = roll.chord_lane
    qtbot.mouseDClick(lane, LEFT, pos=lane_point(roll, 1920 + 10))
    ed = lane.editor
    qtbot.keyClicks(ed, "Ex7")
    qtbot.keyClick(ed, K.Key_Left)
    qtbot.keyClick(ed, K.Key_Left)
    qtbot.keyClick(ed, K.Key_Delete)  # removes the x
    qtbot.keyClick(ed, K.Key_End)
    qtbot.keyClick(ed, K.Key_Backspace)  # removes the 7
    qtbot.keyClicks(ed, "sus4")
    assert ed.text() == "Esus4"
    qtbot.keyClick(ed, K.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert ed.selectedText() == "Esus4"
    assert roll.tool == "draw" and roll.doc.undo_stack.count() == 0
    qtbot.keyClick(ed, K.Key_Return)
    assert chords(roll) == [("C", 0, 1920), ("Esus4", 1920, 1920)]
    assert roll.doc.undo_stack.count() == 1
