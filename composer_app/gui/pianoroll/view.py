"""The note grid: a QGraphicsView over a scene of note items, with the grid painted as background.

The view keeps one item per note of the current track (``note_items``), faint items for the other
tracks (``ghost_items``) and suggestion candidates (``candidate_items``), all by id, and dispatches
mouse gestures to the tool classes in :mod:`.note_tools`. It never edits the model itself.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QFrame, QGraphicsLineItem, QGraphicsScene, QGraphicsView

from ...document import Selection
from ...score import edits
from . import palette
from .geometry import BAR, BEAT, grid_lines, hit_note
from .items import Z_PLAYHEAD, NoteItem
from .note_tools import ClipDragTool, DrawNoteTool, MoveNotesTool, PanTool, ResizeNotesTool, RubberBandTool


class NoteGridView(QGraphicsView):
    def __init__(self, roll):
        super().__init__(roll)
        self.roll = roll
        self.setScene(QGraphicsScene(self))
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.note_items: dict[int, NoteItem] = {}
        self.ghost_items: dict[int, NoteItem] = {}
        self.candidate_items: dict[int, NoteItem] = {}
        self.preview_items: list = []
        self.tool = None
        self.last_drawn_id: int | None = None
        self.hover_pitch: int | None = None  # row under the mouse (highlighted here and on the keyboard)
        self.playhead_item = QGraphicsLineItem()
        self.playhead_item.setPen(QPen(palette.PLAYHEAD, 1.5))
        self.playhead_item.setZValue(Z_PLAYHEAD)
        self.scene().addItem(self.playhead_item)

    # ---- items -----------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Recreate every item from the document (new score, other current track)."""
        scene = self.scene()
        for item in self.preview_items + list(self.candidate_items.values()) + [self.playhead_item]:
            scene.removeItem(item)  # these survive the clear
        scene.clear()  # much faster than removing thousands of indexed items one by one
        self.note_items.clear()
        self.ghost_items.clear()
        for item in self.preview_items + list(self.candidate_items.values()) + [self.playhead_item]:
            scene.addItem(item)
        doc, geom = self.roll.doc, self.roll.geom
        scene.prefer_flats = doc.score.key.prefers_flats  # note labels follow the key's spelling
        current = doc.current_track
        sel = doc.selection.notes
        for t in doc.score.tracks:
            for n in t.notes:
                if t.id == current.id:
                    item = NoteItem(n, geom)
                    item.set_chosen(n.id in sel)
                    self.note_items[n.id] = item
                else:
                    item = NoteItem(n, geom, "ghost")
                    self.ghost_items[n.id] = item
                self.scene().addItem(item)
        self.relayout_candidates()
        self.update_scene_rect()
        self.update_playhead()

    def relayout(self) -> None:
        """Zoom changed: move every item to its new rectangle (cheaper than a rebuild)."""
        geom = self.roll.geom
        for d in (self.note_items, self.ghost_items, self.candidate_items):
            for item in d.values():
                item.set_note(item.note, geom)
        self.update_scene_rect()
        self.update_playhead()
        self.viewport().update()

    def relayout_candidates(self) -> None:
        geom = self.roll.geom
        for item in self.candidate_items.values():
            item.set_note(item.note, geom)

    def apply_diff(self, diff) -> None:
        """Incremental update from a ``NoteDiff``: add/remove/move items by note id."""
        doc, geom = self.roll.doc, self.roll.geom
        current_ids = {n.id for n in doc.current_track.notes}
        sel = doc.selection.notes
        for n in diff.removed:
            for d in (self.note_items, self.ghost_items):
                item = d.pop(n.id, None)
                if item is not None:
                    self.scene().removeItem(item)
        for n in diff.added:
            item = NoteItem(n, geom, "note" if n.id in current_ids else "ghost")
            item.set_chosen(n.id in sel and item.kind == "note")
            (self.note_items if item.kind == "note" else self.ghost_items)[n.id] = item
            self.scene().addItem(item)
        for _old, new in diff.changed:
            item = self.note_items.get(new.id) or self.ghost_items.get(new.id)
            if item is not None:
                item.set_note(new, geom)
        self.update_scene_rect()

    def update_selection(self) -> None:
        sel = self.roll.doc.selection.notes
        for nid, item in self.note_items.items():
            item.set_chosen(nid in sel)

    def reset_previews(self) -> None:
        """Drop every preview: temporary items go, moved/resized items return to their note."""
        for item in self.preview_items:
            self.scene().removeItem(item)
        self.preview_items.clear()
        geom = self.roll.geom
        for item in self.note_items.values():
            if item.pos() != QPointF(0, 0) or item.rect().width() != max(2.0, item.note.duration * geom.px_per_tick):
                item.set_note(item.note, geom)

    def update_scene_rect(self) -> None:
        roll = self.roll
        score = roll.doc.score
        meter = score.meter
        end = max(score.end_of_last_bar, roll.playhead, roll.loop_region[1] if roll.loop_region else 0)
        last = meter.bar_count(end) + 16
        width = max(roll.geom.x(meter.bar(max(last, 32)).start), 400.0)
        rect = QRectF(0, 0, width, roll.geom.height)
        if rect != self.sceneRect():
            self.setSceneRect(rect)
            self.playhead_item.setLine(QLineF(self.playhead_item.line().p1(), QPointF(self.playhead_item.line().p1().x(), rect.height())))

    def update_playhead(self) -> None:
        x = self.roll.geom.x(self.roll.playhead)
        self.playhead_item.setLine(QLineF(x, 0, x, self.roll.geom.height))

    # ---- background grid ---------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        roll = self.roll
        geom, score = roll.geom, roll.doc.score
        painter.fillRect(rect, palette.BACKGROUND)
        top_pitch = geom.pitch_at(rect.top())
        bottom_pitch = geom.pitch_at(rect.bottom())
        t0, t1 = geom.tick_at(rect.left()), geom.tick_at(rect.right()) + 1
        # rows: black keys darker; pitches of the key (per key segment) lighter; tonic lightest
        keys = list(score.key_signatures) or [score.key]
        for i, key in enumerate(keys):
            k0 = 0 if i == 0 else key.tick
            k1 = keys[i + 1].tick if i + 1 < len(keys) else None
            x0 = max(rect.left(), geom.x(k0))
            x1 = rect.right() if k1 is None else min(rect.right(), geom.x(k1))
            if x1 <= x0:
                continue
            scale, tonic = key.scale_pcs, key.tonic_pc
            for p in range(bottom_pitch, top_pitch + 1):
                pc = p % 12
                black = pc in (1, 3, 6, 8, 10)
                if pc == tonic:
                    color = palette.ROW_TONIC
                elif pc in scale:
                    color = palette.ROW_SCALE_BLACK if black else palette.ROW_SCALE
                else:
                    color = palette.ROW_BLACK if black else palette.BACKGROUND
                painter.fillRect(QRectF(x0, geom.y(p), x1 - x0, geom.key_height), color)
        if self.hover_pitch is not None and bottom_pitch <= self.hover_pitch <= top_pitch:
            painter.fillRect(QRectF(rect.left(), geom.y(self.hover_pitch), rect.width(), geom.key_height),
                             palette.ROW_HOVER)
        # row separators (B/C octave line stronger)
        for p in range(bottom_pitch, top_pitch + 1):
            y = geom.y(p) + geom.key_height
            painter.setPen(QPen(palette.OCTAVE_LINE if p % 12 == 0 else palette.ROW_SEPARATOR, 1))
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
        # vertical lines following the meter
        pens = {BAR: QPen(palette.LINE_BAR, 1.2), BEAT: QPen(palette.LINE_BEAT, 1), 2: QPen(palette.LINE_SUB, 1)}
        for tick, level in grid_lines(score.meter, t0, t1, roll.grid_ticks, geom.px_per_tick):
            painter.setPen(pens[level])
            x = geom.x(tick)
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
        if roll.loop_region:
            a, b = roll.loop_region
            painter.fillRect(QRectF(geom.x(a), rect.top(), geom.x(b) - geom.x(a), rect.height()), palette.LOOP_GRID)

    # ---- mouse -------------------------------------------------------------------------------
    def _scene_pos(self, event) -> QPointF:
        return self.mapToScene(event.position().toPoint())

    def hit(self, pos: QPointF):
        """The current track's note under scene ``pos`` (the scene index narrows the candidates,
        :func:`~.geometry.hit_note` decides)."""
        near = [it.note for it in self.scene().items(QRectF(pos.x() - 1, pos.y() - 1, 2, 2))
                if isinstance(it, NoteItem) and it.kind == "note" and self.note_items.get(it.note.id) is it]
        return hit_note(near, self.roll.geom, pos.x(), pos.y())

    def hit_candidate(self, pos: QPointF):
        for nid, item in self.candidate_items.items():
            if item.rect().contains(pos):
                return nid
        return None

    def mousePressEvent(self, event):
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.last_drawn_id = None
        if event.button() == Qt.MouseButton.MiddleButton and self.tool is None:
            self.tool = PanTool(self.roll, event.position())
            return
        if event.button() != Qt.MouseButton.LeftButton or self.tool is not None:
            return super().mousePressEvent(event)
        roll, doc = self.roll, self.roll.doc
        pos = self._scene_pos(event)
        mods = event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        hit = self.hit(pos)
        if hit is not None:
            note = next(n for n in doc.current_track.notes if n.id == hit.id)
            if shift:
                doc.select([hit.id], toggle=True)
            elif hit.id not in doc.selection.notes:
                doc.select([hit.id])
            roll.notePreviewed.emit(note.pitch, note.velocity)
            roll.default_velocity = note.velocity  # new notes take the velocity of the last one touched
            if mods & Qt.KeyboardModifier.AltModifier and not shift and hit.id in doc.selection.notes:
                self.tool = ClipDragTool(roll, pos)  # Alt+drag: the selection as a MIDI clip
            elif hit.id in doc.selection.notes:
                tool = ResizeNotesTool if hit.part == "end" else MoveNotesTool
                self.tool = tool(roll, pos, note)
            return
        cand = self.hit_candidate(pos)
        if cand is not None:
            roll.toggle_candidate_pick(cand, additive=shift or ctrl)
            return
        if roll.tool == "select" or shift or ctrl:
            self.tool = RubberBandTool(roll, pos, additive=shift)
        else:
            self.tool = DrawNoteTool(roll, pos)

    def set_hover_pitch(self, pitch: int | None) -> None:
        if pitch == self.hover_pitch:
            return
        geom = self.roll.geom
        for p in (self.hover_pitch, pitch):
            if p is not None:
                r = self.mapFromScene(QRectF(0, geom.y(p), 1, geom.key_height)).boundingRect()
                self.viewport().update(0, r.top() - 1, self.viewport().width(), r.height() + 2)
        self.hover_pitch = pitch
        self.roll.keyboard.update()

    def leaveEvent(self, event):
        self.set_hover_pitch(None)
        super().leaveEvent(event)

    def mouseMoveEvent(self, event):
        pos = self._scene_pos(event)
        self.set_hover_pitch(self.roll.geom.pitch_at(pos.y()))
        if isinstance(self.tool, PanTool):
            self.tool.move(event.position(), event.modifiers())
            return
        if self.tool is not None:
            if self._autoscroll(event.position()):
                pos = self._scene_pos(event)
            self.tool.move(pos, event.modifiers())
            return
        hit = self.hit(pos)
        if hit is None:
            shape = Qt.CursorShape.ArrowCursor if self.roll.tool == "select" else Qt.CursorShape.CrossCursor
        else:
            shape = Qt.CursorShape.SizeHorCursor if hit.part == "end" else Qt.CursorShape.SizeAllCursor
        self.viewport().setCursor(shape)
        super().mouseMoveEvent(event)

    def _autoscroll(self, p: QPointF, margin: int = 12, step: int = 16) -> bool:
        """Dragging near an edge of the grid scrolls it that way (one step per mouse move)."""
        vp = self.viewport()
        dx = -step if p.x() < margin else step if p.x() > vp.width() - margin else 0
        dy = -step if p.y() < margin else step if p.y() > vp.height() - margin else 0
        if not dx and not dy:
            return False
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        before = (h.value(), v.value())
        h.setValue(h.value() + dx)
        v.setValue(v.value() + dy)
        return (h.value(), v.value()) != before

    def mouseReleaseEvent(self, event):
        if isinstance(self.tool, PanTool) and event.button() == Qt.MouseButton.MiddleButton:
            self.tool = None
            return
        if self.tool is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        tool, self.tool = self.tool, None
        tool.release(self._scene_pos(event), event.modifiers())

    def mouseDoubleClickEvent(self, event):
        """Double-click on a note deletes it (one undo step). The note a first click has just
        drawn is kept, so a double-click on empty grid draws exactly one note."""
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseDoubleClickEvent(event)
        hit = self.hit(self._scene_pos(event))
        if hit is None or hit.id == self.last_drawn_id:
            self.last_drawn_id = None
            return
        doc = self.roll.doc
        doc.edit("Delete note", edits.remove_notes(doc.score, [hit.id]),
                 Selection(doc.selection.notes - {hit.id}, doc.selection.chords))

    def event(self, e):
        # While a drag is in progress, Escape cancels it instead of triggering "deselect".
        if e.type() == QEvent.Type.ShortcutOverride and self.tool is not None and e.key() == Qt.Key.Key_Escape:
            e.accept()
            return True
        return super().event(e)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape and self.tool is not None:
            self.tool.cancel()
            self.tool = None
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event):
        self.roll.handle_wheel(event, "grid")

    def scrollContentsBy(self, dx, dy):
        super().scrollContentsBy(dx, dy)
        self.roll.on_view_scrolled()
