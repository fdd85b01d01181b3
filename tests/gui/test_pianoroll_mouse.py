"""Piano roll: real mouse gestures on the note grid; each gesture is exactly one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from composer_app.score import TPQ, Note, Score, Track
from pianoroll_helpers import click, drag, make_roll, notes, pt

pytestmark = pytest.mark.gui

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def score_with(*specs) -> Score:
    return Score(tracks=(Track("Melody", notes=tuple(Note(p, s, d) for p, s, d in specs)),))


def test_click_draws_one_grid_step_and_undo_redo(qtbot):
    roll = make_roll(qtbot, grid="1/8")
    vp = roll.view.viewport()
    click(qtbot, vp, pt(roll, 1000, 64))  # inside the 1/8 cell starting at 960
    [n] = notes(roll)
    assert (n.pitch, n.start, n.duration) == (64, 960, 240)
    assert roll.doc.selection.notes == {n.id}
    assert roll.doc.undo_stack.count() == 1
    assert n.id in roll.view.note_items
    roll.doc.undo_stack.undo()
    assert notes(roll) == [] and not roll.view.note_items
    roll.doc.undo_stack.redo()
    assert [(m.pitch, m.start) for m in notes(roll)] == [(64, 960)]
    assert roll.doc.selection.notes == {n.id}


def test_click_drag_sets_length_in_grid_steps(qtbot):
    roll = make_roll(qtbot, grid="1/16")
    vp = roll.view.viewport()
    drag(qtbot, vp, pt(roll, 485, 60), pt(roll, 1000, 60))
    [n] = notes(roll)
    assert (n.start, n.end) == (480, 1080)  # 1000 rounds up to the next 1/16 line
    assert roll.doc.undo_stack.count() == 1


def test_snap_off_draws_at_the_mouse(qtbot):
    roll = make_roll(qtbot, grid="Off")
    click(qtbot, roll.view.viewport(), pt(roll, 730, 62))
    [n] = notes(roll)
    assert abs(n.start - 730) <= 10 and n.duration == TPQ


def test_click_selects_and_shift_click_toggles(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480), (62, 480, 480), (64, 960, 480)))
    a, b, c = notes(roll)
    vp = roll.view.viewport()
    click(qtbot, vp, pt(roll, 100, 60))
    assert roll.doc.selection.notes == {a.id}
    click(qtbot, vp, pt(roll, 1000, 64), SHIFT)
    assert roll.doc.selection.notes == {a.id, c.id}
    assert roll.view.note_items[c.id].chosen and not roll.view.note_items[b.id].chosen
    click(qtbot, vp, pt(roll, 100, 60), SHIFT)
    assert roll.doc.selection.notes == {c.id}
    assert roll.doc.undo_stack.count() == 0  # selecting is not an edit


def test_drag_moves_in_time_with_snap_and_pitch(qtbot):
    roll = make_roll(qtbot, score_with((60, 480, 480), (67, 0, 240)), grid="1/4")
    n = next(m for m in notes(roll) if m.pitch == 60)
    vp = roll.view.viewport()
    # grab the body, drag ~1.2 quarters right and 2 rows up: the start snaps to the next quarter
    drag(qtbot, vp, pt(roll, 600, 60), pt(roll, 600 + 570, 62))
    moved = next(m for m in notes(roll) if m.id == n.id)
    assert (moved.pitch, moved.start, moved.duration) == (62, 960, 480)
    assert roll.doc.undo_stack.count() == 1
    assert roll.view.note_items[n.id].pos().isNull()  # the preview offset is gone
    roll.doc.undo_stack.undo()
    back = next(m for m in notes(roll) if m.id == n.id)
    assert (back.pitch, back.start) == (60, 480)
    assert roll.doc.selection.notes == {n.id}  # the selection the gesture's edit started from


def test_drag_moves_the_whole_selection(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480), (64, 480, 480)), grid="1/8")
    a, b = notes(roll)
    roll.doc.select([a.id, b.id])
    drag(qtbot, roll.view.viewport(), pt(roll, 100, 60), pt(roll, 100 + 240, 59))
    assert [(m.pitch, m.start) for m in notes(roll)] == [(59, 240), (63, 720)]
    assert roll.doc.undo_stack.count() == 1


def test_ctrl_drag_copies(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480)), grid="1/4")
    drag(qtbot, roll.view.viewport(), pt(roll, 100, 60), pt(roll, 100 + 960, 60), CTRL)
    assert [(m.pitch, m.start) for m in notes(roll)] == [(60, 0), (60, 960)]
    assert roll.doc.undo_stack.count() == 1


def test_small_jitter_on_a_note_does_not_move_it(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480)))
    drag(qtbot, roll.view.viewport(), pt(roll, 100, 60), pt(roll, 101, 60))
    assert roll.doc.undo_stack.count() == 0


def test_drag_right_edge_resizes_with_snap(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480)), grid="1/8")
    [n] = notes(roll)
    edge = pt(roll, 480, 60, dx=-2)  # inside the resize zone at the right end
    drag(qtbot, roll.view.viewport(), edge, pt(roll, 480 + 500, 60, dx=-2))
    assert notes(roll)[0].duration == 960  # end 980 snaps to 960
    assert notes(roll)[0].start == 0 and notes(roll)[0].id == n.id
    # shrinking never goes below one grid step
    drag(qtbot, roll.view.viewport(), pt(roll, 960, 60, dx=-2), pt(roll, 0, 60))
    assert notes(roll)[0].duration == 240
    assert roll.doc.undo_stack.count() == 2
    roll.doc.undo_stack.undo()
    assert notes(roll)[0].duration == 960


def test_double_click_deletes_a_note(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480), (62, 480, 480)))
    vp = roll.view.viewport()
    p = pt(roll, 700, 62)
    click(qtbot, vp, p)  # a real double-click: press/release, then the double-click event
    qtbot.mouseDClick(vp, Qt.MouseButton.LeftButton, pos=p)
    assert [m.pitch for m in notes(roll)] == [60]
    assert roll.doc.undo_stack.count() == 1
    roll.doc.undo_stack.undo()
    assert [m.pitch for m in notes(roll)] == [60, 62]


def test_double_click_on_empty_grid_draws_exactly_one_note(qtbot):
    roll = make_roll(qtbot)
    vp = roll.view.viewport()
    p = pt(roll, 500, 65)
    click(qtbot, vp, p)
    qtbot.mouseDClick(vp, Qt.MouseButton.LeftButton, pos=p)
    assert len(notes(roll)) == 1 and roll.doc.undo_stack.count() == 1


def test_rubber_band_selects_with_ctrl_and_with_the_select_tool(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 240), (62, 480, 240), (64, 960, 240), (72, 0, 240)))
    by_pitch = {n.pitch: n for n in notes(roll)}
    vp = roll.view.viewport()
    # Ctrl+drag from bottom right to top left over pitches 59..63, ticks 200..1400
    drag(qtbot, vp, pt(roll, 1400, 59), pt(roll, 200, 63), CTRL)
    assert roll.doc.selection.notes == {by_pitch[60].id, by_pitch[62].id}
    assert len(notes(roll)) == 4  # nothing drawn
    roll.set_tool("select")
    drag(qtbot, vp, pt(roll, 900, 65), pt(roll, 1300, 63))
    assert roll.doc.selection.notes == {by_pitch[64].id}
    # Shift adds to the selection
    drag(qtbot, vp, pt(roll, 10, 73), pt(roll, 100, 71), SHIFT)
    assert roll.doc.selection.notes == {by_pitch[64].id, by_pitch[72].id}
    # with the select tool a plain click on empty grid draws nothing
    click(qtbot, vp, pt(roll, 3000, 50))
    assert len(notes(roll)) == 4
    assert roll.doc.undo_stack.count() == 0


def test_other_tracks_are_ghosts_and_not_editable(qtbot):
    other = Track("Bass", channel=1, notes=(Note(60, 0, 960),))
    score = Score(tracks=(Track("Melody"), other))
    roll = make_roll(qtbot, score)
    [ghost_id] = roll.view.ghost_items
    assert roll.view.ghost_items[ghost_id].kind == "ghost"
    click(qtbot, roll.view.viewport(), pt(roll, 300, 60))  # on the ghost: draws in the current track
    assert len(roll.doc.current_track.notes) == 1
    assert roll.doc.score.tracks[1].notes[0].start == 0  # the ghost did not move
    roll.doc.set_current_track(other.id)
    assert set(roll.view.note_items) == {ghost_id}
    assert len(roll.view.ghost_items) == 1


def test_view_follows_document_edits_incrementally(qtbot):
    from composer_app.score import edits

    roll = make_roll(qtbot, score_with((60, 0, 480)))
    [n] = notes(roll)
    item = roll.view.note_items[n.id]
    doc = roll.doc
    doc.edit("move", edits.move_notes(doc.score, [n.id], 480, 2))
    assert roll.view.note_items[n.id] is item  # same item, updated in place
    assert item.note.start == 480 and item.note.pitch == 62
    new = Note(70, 0, 120)
    doc.edit("add", edits.add_notes(doc.score, doc.current_track.id, [new]))
    assert new.id in roll.view.note_items
    doc.load(score_with((50, 0, 100)))
    assert [i.note.pitch for i in roll.view.note_items.values()] == [50]


def test_candidate_notes_are_drawn_and_can_be_picked(qtbot):
    roll = make_roll(qtbot)
    cands = [Note(67, 0, 480), Note(69, 480, 480)]
    roll.set_candidate(cands, [], [0.9, 0.3])
    assert set(roll.view.candidate_items) == {c.id for c in cands}
    assert roll.view.candidate_items[cands[1].id].confidence == 0.3
    with qtbot.waitSignal(roll.candidateNotesSelected) as sig:
        click(qtbot, roll.view.viewport(), pt(roll, 600, 69))
    assert sig.args == [[cands[1].id]]
    assert roll.doc.score.all_notes() == []  # picking is not an edit
    roll.clear_candidate()
    assert not roll.view.candidate_items


def test_escape_cancels_a_drag(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480)), grid="1/4")
    [n] = notes(roll)
    vp = roll.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=pt(roll, 100, 60))
    qtbot.mouseMove(vp, pt(roll, 1100, 63))
    assert not roll.view.note_items[n.id].pos().isNull()  # preview shows the move
    qtbot.keyClick(roll.view, Qt.Key.Key_Escape)
    assert roll.view.note_items[n.id].pos().isNull()
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=pt(roll, 1100, 63))
    assert (notes(roll)[0].start, notes(roll)[0].pitch) == (0, 60)
    assert roll.doc.undo_stack.count() == 0
    assert roll.doc.selection.notes == {n.id}  # Escape cancelled the drag, not the selection


def test_middle_button_drag_pans(qtbot):
    roll = make_roll(qtbot)
    roll.view.horizontalScrollBar().setValue(300)
    x0, y0 = roll.scroll_x(), roll.scroll_y()
    vp = roll.view.viewport()
    mid = Qt.MouseButton.MiddleButton
    qtbot.mousePress(vp, mid, pos=pt(roll, 5000, 60))
    qtbot.mouseMove(vp, pt(roll, 5000, 60, dx=-100))
    qtbot.mouseRelease(vp, mid, pos=pt(roll, 5000, 60, dx=-100))
    assert roll.scroll_x() == x0 + 100 and roll.scroll_y() == y0
    assert notes(roll) == []


def test_new_notes_take_the_velocity_of_the_last_touched_note(qtbot):
    score = Score(tracks=(Track("Melody", notes=(Note(60, 0, 480, 33),)),))
    roll = make_roll(qtbot, score)
    vp = roll.view.viewport()
    click(qtbot, vp, pt(roll, 100, 60))
    click(qtbot, vp, pt(roll, 1000, 62))
    assert [n.velocity for n in notes(roll)] == [33, 33]


def test_dragging_past_the_right_edge_scrolls_and_moves_further(qtbot):
    roll = make_roll(qtbot, score_with((60, 0, 480)), grid="1/4")
    [n] = notes(roll)
    vp = roll.view.viewport()
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=pt(roll, 100, 60))
    edge = QPoint(vp.width() - 3, pt(roll, 100, 60).y())
    for _ in range(10):
        qtbot.mouseMove(vp, edge)
    assert roll.scroll_x() > 0
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=edge)
    moved = notes(roll)[0]
    assert moved.id == n.id and roll.geom.x(moved.start) > vp.width() - 40  # beyond the first screen
    assert roll.doc.undo_stack.count() == 1
