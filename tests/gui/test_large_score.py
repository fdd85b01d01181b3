"""Large scores (issue 6): the 20-minute, 20,000-note piece of ``benchmarks/large_score.py`` opens in
the main window, scrolls to its end and shows the notes there, takes a real mouse edit at bar 590
that undoes, and gets suggestions at its end from a prompt built from a window of context.

No timings here (``python -m benchmarks.large_score`` measures them); these check that the large-
score paths (items only for a window of notes, other tracks painted with the background, bisected
lanes, windowed prompts) show and edit the right things.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint, QRect
from PySide6.QtGui import QRegion

from composer_app import formats
from composer_app.document import NoteDiff
from composer_app.gui.pianoroll import palette
from composer_app.gui.pianoroll.view import WINDOW_ABOVE_NOTES
from composer_app.score import edits
from mw_helpers import dialogs, window  # noqa: F401 - fixtures
from pianoroll_helpers import drag, make_roll, pt

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for benchmarks/
from benchmarks.large_score import BAR, big_piece  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def piece():
    return big_piece()


def test_the_piece_is_what_the_benchmark_says(piece):
    assert len(piece.all_notes()) == 20_000 and piece.bar_count == 600
    assert piece.tempo == 120 and len(piece.chords) == 600 and len(piece.tracks) == 3
    assert piece.end == 600 * BAR  # 600 bars of 4/4 at 120 bpm: 20 minutes
    assert big_piece().content_equal(piece)  # deterministic


def _shown_notes(roll):
    """Notes of the current track whose items intersect the viewport."""
    vp = roll.view.viewport().rect()
    return [it.note for it in roll.view.note_items.values() if roll.note_viewport_rect(it.note.id).intersects(vp)]


def _pixel(roll, note):
    img = roll.view.viewport().grab().toImage()
    c = roll.note_viewport_rect(note.id).center()
    return img.pixelColor(int(c.x()), int(c.y()))


def test_big_piece_opens_in_the_window_and_scrolls_to_its_end(window, dialogs, tmp_path, qtbot, piece):
    path = tmp_path / "large.composer"
    formats.write(piece, path)
    assert window.open_path(path)
    roll = window.roll
    assert len(window.doc.score.all_notes()) == 20_000
    qtbot.waitUntil(lambda: bool(_shown_notes(roll)), timeout=3000)
    # only a window of the melody has items, and none of the other tracks (painted with the grid)
    melody = window.doc.current_track.notes
    assert 0 < len(roll.view.note_items) < len(melody) and len(melody) > WINDOW_ABOVE_NOTES
    assert not any(n.id in roll.view.note_items for n in melody if n.start > 100 * BAR)

    # drag the scrollbar to the end of the piece (the grid goes on a few empty bars after it)
    bar = roll.hbar
    bar.setValue(bar.maximum())
    assert roll.view.visible_ticks()[0] > 600 * BAR
    bar.setValue(int(roll.geom.x(600 * BAR)) - roll.view.viewport().width() + 20)
    qtbot.wait(10)
    t0, t1 = roll.view.visible_ticks()
    assert t0 > 590 * BAR and t1 >= 600 * BAR  # the last bars are on screen
    roll.ensure_visible(pitch=melody[-1].pitch)
    qtbot.wait(10)
    shown = _shown_notes(roll)
    assert melody[-1] in shown and min(n.start for n in shown) >= 590 * BAR
    assert {n.id for n in melody if n.start >= 599 * BAR} <= set(roll.view.note_items)
    # ... and painted: a melody note in its colour, a bass note over the row background
    last = max(shown, key=lambda n: n.start)
    roll.ensure_visible(pitch=last.pitch)
    qtbot.wait(10)
    assert _pixel(roll, last) != palette.BACKGROUND and _pixel(roll, last) != palette.ROW_SCALE
    bass = window.doc.score.tracks[1].notes[-1]
    roll.ensure_visible(pitch=bass.pitch)
    qtbot.wait(10)
    score = window.doc.score
    free = next(t for t in range(599 * BAR + 60, 600 * BAR, 120)  # same row, no note of any track
                if not any(n.pitch == bass.pitch and n.start <= t < n.end for n in score.all_notes()))
    on = roll.viewport_point(bass.start + bass.duration // 2, bass.pitch)
    off = roll.viewport_point(free, bass.pitch)
    img = roll.view.viewport().grab().toImage()
    assert img.pixelColor(on.x(), on.y()) != img.pixelColor(off.x(), off.y())  # the ghost note shows
    # scrolling back to the start brings back the first notes and drops the last ones
    roll.view.horizontalScrollBar().setValue(0)
    assert melody[0].id in roll.view.note_items and melody[-1].id not in roll.view.note_items
    window.doc.undo_stack.setClean()


def test_edit_at_bar_590_by_mouse_and_undo(qtbot, piece):
    roll = make_roll(qtbot, piece)
    doc = roll.doc
    note = next(n for n in doc.current_track.notes if n.start >= 590 * BAR and n.duration >= 240)
    roll.ensure_visible(note.start, note.pitch)
    qtbot.wait(10)
    assert note.id in roll.view.note_items
    before = doc.score
    vp = roll.view.viewport()
    drag(qtbot, vp, pt(roll, note.start + 40, note.pitch), pt(roll, note.start + 40, note.pitch + 2))
    moved = next(n for n in doc.current_track.notes if n.id == note.id)
    assert (moved.pitch, moved.start) == (note.pitch + 2, note.start)
    assert doc.undo_stack.count() == 1
    assert roll.view.note_items[note.id].note is moved  # the item follows the document
    assert roll.view.note_items[note.id].rect().y() == pytest.approx(roll.geom.y(note.pitch + 2))
    diff = NoteDiff.between(before, doc.score)  # one note of 20,000 changed, nothing else
    assert diff.changed == [(note, moved)] and not diff.added and not diff.removed
    doc.undo_stack.undo()
    assert doc.score is before
    assert roll.view.note_items[note.id].note is note
    assert roll.view.note_items[note.id].rect().y() == pytest.approx(roll.geom.y(note.pitch))
    doc.undo_stack.redo()
    assert next(n for n in doc.current_track.notes if n.id == note.id).pitch == note.pitch + 2


def test_zoom_out_and_in_keeps_the_window_of_items_right(qtbot, piece):
    roll = make_roll(qtbot, piece)
    h = roll.view.horizontalScrollBar()
    h.setValue(h.maximum() // 2)
    roll.zoom_horizontal(0.01 / roll.geom.px_per_tick)  # fully out: about 70 bars on screen
    t0, t1 = roll.view.visible_ticks()
    melody = roll.doc.current_track.notes
    on_screen = {n.id for n in melody if t0 <= n.start < t1}
    assert on_screen <= set(roll.view.note_items)
    for nid in list(on_screen)[:20]:
        item = roll.view.note_items[nid]
        assert item.rect().x() == pytest.approx(roll.geom.x(item.note.start))
    roll.zoom_horizontal(20.0)
    t0, t1 = roll.view.visible_ticks()
    assert {n.id for n in melody if t0 <= n.start < t1} <= set(roll.view.note_items)
    assert len(roll.view.note_items) < len(melody) // 4
    # the velocity lane draws the notes on screen: its hit test finds one at a stem
    n = next(n for n in melody if t0 <= n.start < t1)
    lane = roll.velocity_lane
    assert lane.note_at(lane.stem_x(n.id) + 1, 10) is not None
    vp = roll.view.viewport().rect()
    assert QRect(QPoint(0, 0), vp.size()).contains(QPoint(int(lane.stem_x(n.id)), 0))


class PaintedRegions(QObject):
    """Records the regions of the paint events a widget gets."""

    def __init__(self, widget):
        super().__init__(widget)
        self.regions = []
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            self.regions.append(QRegion(event.region()))
        return False

    def covers(self, point) -> bool:
        return any(r.contains(point) for r in self.regions)


def test_an_edit_in_another_track_repaints_its_ghost(qtbot, piece):
    """Other tracks are painted with the grid, not as items: editing one repaints the grid."""
    roll = make_roll(qtbot, piece)
    doc = roll.doc
    bass = next(n for n in doc.score.tracks[1].notes if n.start >= 595 * BAR)
    roll.ensure_visible(bass.start, bass.pitch - 3)
    qtbot.wait(10)
    assert roll.view.ghost_items[bass.id].note is bass and bass.id not in roll.view.note_items
    mid = bass.start + bass.duration // 2

    def color(pitch):
        p = roll.viewport_point(mid, pitch)
        return roll.view.viewport().grab().toImage().pixelColor(p.x(), p.y())

    target = bass.pitch - 3
    assert not any(n.pitch == target and n.start <= mid < n.end for n in doc.score.all_notes())
    empty = color(target)
    painted = PaintedRegions(roll.view.viewport())
    doc.edit("move", edits.move_notes(doc.score, [bass.id], 0, -3))
    qtbot.wait(10)
    moved = roll.view.ghost_items[bass.id].note
    assert painted.covers(roll.viewport_point(mid, target))  # the edit repainted the grid there ...
    assert moved.pitch == target and color(target) != empty  # ... and it shows at its new place
    doc.undo_stack.undo()
    qtbot.wait(10)
    assert roll.view.ghost_items[bass.id].note is bass and color(target) == empty
