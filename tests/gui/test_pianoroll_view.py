"""Piano roll view behaviour: velocity lane drags, zoom around the mouse, wheel habits, keyboard,
ruler, playhead following and loop display."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from composer_app.gui.pianoroll.geometry import velocity_at, velocity_y
from composer_app.score import Note, Score, Track
from pianoroll_helpers import drag, make_roll, notes, wheel

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def melody() -> Score:
    spec = [(60, 0, 480), (62, 480, 480), (64, 960, 480)]
    return Score(tracks=(Track("Melody", notes=tuple(Note(p, s, d, 80) for p, s, d in spec)),))


def vel_point(roll, note, velocity):
    lane = roll.velocity_lane
    return QPoint(int(lane.stem_x(note.id)) + 1, int(velocity_y(velocity, lane.height())))


def test_velocity_drag_changes_one_note_in_one_step(qtbot):
    roll = make_roll(qtbot, melody())
    a, b, c = notes(roll)
    lane = roll.velocity_lane
    end = vel_point(roll, b, 120)
    target = velocity_at(end.y(), lane.height())
    assert abs(target - 120) <= 1
    drag(qtbot, lane, vel_point(roll, b, 80), end, steps=6)
    assert [n.velocity for n in notes(roll)] == [80, target, 80]
    assert roll.doc.undo_stack.count() == 1
    assert lane.preview == {}
    roll.doc.undo_stack.undo()
    assert [n.velocity for n in notes(roll)] == [80, 80, 80]


def test_velocity_drag_on_a_selected_note_moves_the_selection(qtbot):
    score = Score(tracks=(Track("Melody", notes=(Note(60, 0, 480, 60), Note(62, 480, 480, 100),
                                                 Note(64, 960, 480, 70))),))
    roll = make_roll(qtbot, score)
    a, b, c = notes(roll)
    roll.doc.select([a.id, b.id])
    end = vel_point(roll, a, 40)
    target = velocity_at(end.y(), roll.velocity_lane.height())  # 76 px for 127 values: within 1
    assert abs(target - 40) <= 1
    drag(qtbot, roll.velocity_lane, vel_point(roll, a, 60), end)
    assert [n.velocity for n in notes(roll)] == [target, 100 + target - 60, 70]
    assert roll.doc.undo_stack.count() == 1


def test_ctrl_wheel_zooms_time_around_the_mouse(qtbot):
    roll = make_roll(qtbot, melody())
    roll.view.horizontalScrollBar().setValue(200)
    vp = roll.view.viewport()
    mouse = QPoint(400, 150)
    tick_before = roll.geom.tick_at(roll.scroll_x() + mouse.x())
    old = roll.geom.px_per_tick
    wheel(vp, mouse, 120, CTRL)
    assert roll.geom.px_per_tick == pytest.approx(old * 1.2)
    tick_after = roll.geom.tick_at(roll.scroll_x() + mouse.x())
    assert abs(tick_after - tick_before) <= 1 / roll.geom.px_per_tick + 1  # within a pixel
    wheel(vp, mouse, -240, CTRL)
    assert roll.geom.px_per_tick == pytest.approx(old / 1.2)
    assert abs(roll.geom.tick_at(roll.scroll_x() + mouse.x()) - tick_before) <= 1 / roll.geom.px_per_tick + 1
    # items follow the zoom
    n = notes(roll)[1]
    assert roll.view.note_items[n.id].rect().x() == pytest.approx(roll.geom.x(n.start))


def test_vertical_zoom_keeps_the_pitch_under_the_mouse(qtbot):
    roll = make_roll(qtbot, melody())
    vp = roll.view.viewport()
    mouse = QPoint(300, 200)
    pitch = roll.geom.pitch_at(roll.scroll_y() + mouse.y())
    old = roll.geom.key_height
    wheel(vp, mouse, 120, CTRL | SHIFT)
    assert roll.geom.key_height > old
    assert roll.geom.pitch_at(roll.scroll_y() + mouse.y()) == pitch
    wheel(vp, mouse, -120, ALT)
    assert roll.geom.key_height == pytest.approx(old)
    assert roll.geom.pitch_at(roll.scroll_y() + mouse.y()) == pitch


def test_wheel_scrolls_pitch_and_shift_wheel_scrolls_time(qtbot):
    roll = make_roll(qtbot, melody())
    roll.view.horizontalScrollBar().setValue(100)
    y0, x0 = roll.scroll_y(), roll.scroll_x()
    wheel(roll.view.viewport(), QPoint(100, 100), -120)
    assert roll.scroll_y() > y0 and roll.scroll_x() == x0
    wheel(roll.view.viewport(), QPoint(100, 100), -120, SHIFT)
    assert roll.scroll_x() > x0


def test_keyboard_click_emits_the_pitch(qtbot):
    roll = make_roll(qtbot)
    kb = roll.keyboard
    y = int(roll.geom.y(61) - roll.scroll_y() + roll.geom.key_height / 2)
    with qtbot.waitSignal(roll.keyClicked) as sig:
        qtbot.mouseClick(kb, Qt.MouseButton.LeftButton, pos=QPoint(10, y))
    assert sig.args == [61]


def test_ruler_click_seeks_to_the_snapped_tick(qtbot):
    roll = make_roll(qtbot, grid="1/4")
    x = int(roll.geom.x(1000) - roll.scroll_x())
    with qtbot.waitSignal(roll.seekRequested) as sig:
        qtbot.mouseClick(roll.ruler, Qt.MouseButton.LeftButton, pos=QPoint(x, 12))
    assert sig.args == [960] and roll.playhead == 960
    assert roll.view.playhead_item.line().x1() == pytest.approx(roll.geom.x(960))


def test_follow_playhead_scrolls_during_playback(qtbot):
    roll = make_roll(qtbot)
    width = roll.view.viewport().width()
    far = roll.geom.tick_at(width * 3)
    roll.set_playhead(far)
    x = roll.geom.x(far)
    assert roll.scroll_x() <= x <= roll.scroll_x() + width
    roll.follow_playhead = False
    left = roll.scroll_x()
    roll.set_playhead(far * 3)
    assert roll.scroll_x() == left


def test_loop_region(qtbot):
    roll = make_roll(qtbot)
    roll.set_loop_region(1920, 3840)
    assert roll.loop_region == (1920, 3840)
    roll.set_loop_region(None)
    assert roll.loop_region is None


def test_grab_renders_a_dark_roll(qtbot, tmp_path):
    roll = make_roll(qtbot, melody())
    img = roll.grab().toImage()
    assert img.width() == roll.width() and img.height() == roll.height()
    # a dark theme: the grid area is dark, the notes are bright
    grid_pixel = img.pixelColor(roll.view.geometry().center() + QPoint(0, -200))
    assert grid_pixel.lightness() < 80
    n = notes(roll)[0]
    rect = roll.note_viewport_rect(n.id)
    centre = roll.view.mapTo(roll, rect.center().toPoint())
    assert img.pixelColor(centre).lightness() > grid_pixel.lightness() + 40


def test_note_labels_follow_the_key_spelling(qtbot):
    from composer_app.document import ScoreDocument
    from composer_app.gui.pianoroll import PianoRollWidget
    from composer_app.gui.pianoroll.geometry import pitch_name
    from composer_app.score import KeySignature, Note, Score, Track

    doc = ScoreDocument(Score(tracks=(Track(notes=(Note(70, 0, 480),)),), key_signatures=(KeySignature("F"),)))
    roll = PianoRollWidget(doc)
    qtbot.addWidget(roll)
    assert roll.view.scene().prefer_flats is True
    assert pitch_name(70, roll.view.scene().prefer_flats) == "Bb4"
    from dataclasses import replace
    doc.edit("Key", replace(doc.score, key_signatures=(KeySignature("D"),)))
    assert roll.view.scene().prefer_flats is False and pitch_name(70) == "A#4"
