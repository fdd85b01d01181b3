"""Mouse tools of the note grid, one class per interaction (MidiEditor style).

A tool is created on mouse press, shows only a preview while the mouse moves (item offsets, a
temporary item, a rubber band) and, on release, pushes at most ONE ``doc.edit(...)``. Nothing here
changes the model any other way; the view redraws from the document's signals.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QApplication, QGraphicsRectItem

from ...document import Selection
from ...score import Note, edits
from . import palette
from .geometry import drawn_span, moved_start, notes_in_rect, resized_end
from .items import Z_PREVIEW, NoteItem

#: Pixels the mouse must travel before a press on a note becomes a drag.
DRAG_THRESHOLD = 3.0


class NoteTool:
    """Base: holds the roll and the press position (scene coordinates)."""

    def __init__(self, roll, pos: QPointF):
        self.roll = roll
        self.origin = QPointF(pos)

    def move(self, pos: QPointF, modifiers) -> None:  # pragma: no cover - overridden
        pass

    def release(self, pos: QPointF, modifiers) -> None:
        pass

    def cancel(self) -> None:
        self.roll.view.reset_previews()


class DrawNoteTool(NoteTool):
    """Click draws a note one grid step long; dragging right lengthens it in grid steps."""

    def __init__(self, roll, pos: QPointF):
        super().__init__(roll, pos)
        geom = roll.geom
        self.anchor = geom.tick_at(pos.x())
        self.pitch = geom.pitch_at(pos.y())
        self.start, self.duration = drawn_span(self.anchor, self.anchor, roll.grid_ticks)
        self.item = NoteItem(Note(self.pitch, self.start, self.duration, roll.default_velocity), geom)
        self.item.setZValue(Z_PREVIEW)
        roll.view.scene().addItem(self.item)
        roll.view.preview_items.append(self.item)
        roll.notePreviewed.emit(self.pitch, roll.default_velocity)

    def move(self, pos, modifiers):
        self.start, self.duration = drawn_span(self.anchor, self.roll.geom.tick_at(pos.x()), self.roll.grid_ticks)
        self.item.set_note(Note(self.pitch, self.start, self.duration, self.roll.default_velocity), self.roll.geom)

    def release(self, pos, modifiers):
        self.move(pos, modifiers)
        roll = self.roll
        roll.view.reset_previews()
        note = Note(self.pitch, self.start, self.duration, roll.default_velocity)
        doc = roll.doc
        if doc.edit("Draw note", edits.add_notes(doc.score, doc.current_track.id, [note]),
                    Selection(frozenset({note.id}))):
            roll.view.last_drawn_id = note.id


class _GroupTool(NoteTool):
    """Shared by move and resize: the grabbed note and the selected notes of the current track."""

    def __init__(self, roll, pos: QPointF, grabbed: Note):
        super().__init__(roll, pos)
        self.grabbed = grabbed
        mine = {n.id: n for n in roll.doc.current_track.notes}
        self.notes = [mine[i] for i in roll.doc.selection.notes if i in mine] or [grabbed]
        self.dragging = False

    def _past_threshold(self, pos: QPointF) -> bool:
        if not self.dragging:
            d = pos - self.origin
            self.dragging = abs(d.x()) + abs(d.y()) >= DRAG_THRESHOLD
        return self.dragging

    @property
    def ids(self) -> list[int]:
        return [n.id for n in self.notes]


class MoveNotesTool(_GroupTool):
    """Drag a note body: the selection moves in time (the grabbed note's start snaps) and pitch.
    Holding Ctrl at release copies instead of moving."""

    def __init__(self, roll, pos, grabbed):
        super().__init__(roll, pos, grabbed)
        self.dticks = 0
        self.dpitch = 0

    def move(self, pos, modifiers):
        if not self._past_threshold(pos):
            return
        geom, grid = self.roll.geom, self.roll.grid_ticks
        dt = moved_start(self.grabbed.start, geom.ticks(pos.x() - self.origin.x()), grid) - self.grabbed.start
        dt = max(dt, -min(n.start for n in self.notes))
        dp = geom.pitch_at(pos.y()) - geom.pitch_at(self.origin.y())
        dp = max(min(dp, 127 - max(n.pitch for n in self.notes)), -min(n.pitch for n in self.notes))
        if dp != self.dpitch:
            self.roll.notePreviewed.emit(self.grabbed.pitch + dp, self.grabbed.velocity)
        self.dticks, self.dpitch = dt, dp
        offset = QPointF(geom.x(dt), -dp * geom.key_height)
        for nid in self.ids:
            item = self.roll.view.note_items.get(nid)
            if item is not None:
                item.setPos(offset)

    def release(self, pos, modifiers):
        self.move(pos, modifiers)
        self.roll.view.reset_previews()
        if not self.dragging or (self.dticks == 0 and self.dpitch == 0):
            return
        doc = self.roll.doc
        if modifiers & Qt.KeyboardModifier.ControlModifier:
            copies = edits.copy_notes(self.notes, self.dticks, self.dpitch)
            doc.edit("Copy notes", edits.add_notes(doc.score, doc.current_track.id, copies),
                     Selection(frozenset(c.id for c in copies)))
        else:
            doc.edit("Move notes", edits.move_notes(doc.score, self.ids, self.dticks, self.dpitch))


class ResizeNotesTool(_GroupTool):
    """Drag a note's right end: every selected note's length changes by the same snapped amount."""

    def __init__(self, roll, pos, grabbed):
        super().__init__(roll, pos, grabbed)
        self.ddur = 0

    def move(self, pos, modifiers):
        if not self._past_threshold(pos):
            return
        geom, grid = self.roll.geom, self.roll.grid_ticks
        end = resized_end(self.grabbed.start, self.grabbed.end, geom.ticks(pos.x() - self.origin.x()), grid)
        self.ddur = end - self.grabbed.end
        for n in self.notes:
            item = self.roll.view.note_items.get(n.id)
            if item is not None:
                x, y, w, h = geom.note_rect(n.start, max(self.minimum, n.duration + self.ddur), n.pitch)
                item.setRect(QRectF(x, y, w, h))

    @property
    def minimum(self) -> int:
        return self.roll.grid_ticks or 1

    def release(self, pos, modifiers):
        self.move(pos, modifiers)
        self.roll.view.reset_previews()
        if not self.dragging or self.ddur == 0:
            return
        doc = self.roll.doc
        minimum = min(self.minimum, min(n.duration for n in self.notes))
        doc.edit("Resize notes", edits.resize_notes(doc.score, self.ids, self.ddur, minimum=minimum))


class ClipDragTool(NoteTool):
    """Alt+drag a selected note: once the mouse has moved the platform's drag distance, the
    selection leaves the app as a MIDI clip (a file drag a DAW takes). Nothing is edited."""

    def move(self, pos, modifiers):
        d = pos - self.origin
        if abs(d.x()) + abs(d.y()) >= QApplication.startDragDistance():
            self.roll.view.tool = None  # the drag owns the mouse from here; no release will come
            self.roll.drag_selection_clip()


class PanTool(NoteTool):
    """Middle-button drag scrolls the view (``pos`` in viewport coordinates: the view moves)."""

    def __init__(self, roll, viewport_pos: QPointF):
        super().__init__(roll, viewport_pos)
        self.h0 = roll.view.horizontalScrollBar().value()
        self.v0 = roll.view.verticalScrollBar().value()
        roll.view.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def move(self, pos, modifiers):
        d = pos - self.origin
        self.roll.view.horizontalScrollBar().setValue(int(self.h0 - d.x()))
        self.roll.view.verticalScrollBar().setValue(int(self.v0 - d.y()))

    def cancel(self) -> None:
        pass


class RubberBandTool(NoteTool):
    """Drag a rectangle on the grid: the notes it touches become the selection (Shift adds)."""

    def __init__(self, roll, pos, additive: bool):
        super().__init__(roll, pos)
        self.additive = additive
        self.item = QGraphicsRectItem(QRectF(pos, pos))
        color = palette.RUBBER_BAND
        self.item.setPen(QPen(color, 1, Qt.PenStyle.DashLine))
        fill = QColor(color)
        fill.setAlpha(40)
        self.item.setBrush(fill)
        self.item.setZValue(Z_PREVIEW)
        roll.view.scene().addItem(self.item)
        roll.view.preview_items.append(self.item)

    def move(self, pos, modifiers):
        self.item.setRect(QRectF(self.origin, pos).normalized())

    def release(self, pos, modifiers):
        self.move(pos, modifiers)
        self.roll.view.reset_previews()
        ids = notes_in_rect(self.roll.doc.current_track.notes, self.roll.geom,
                            self.origin.x(), self.origin.y(), pos.x(), pos.y())
        doc = self.roll.doc
        if self.additive:
            doc.select(ids, add=True)
        else:
            doc.select(ids)
