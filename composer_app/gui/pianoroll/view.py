"""The note grid: a QGraphicsView over a scene of note items, with the grid painted as background.

The view keeps items by id for the notes of the current track (``note_items``) and suggestion
candidates (``candidate_items``); the other tracks' notes are faint blocks painted with the grid
background (``ghost_items`` lists the ones in the window). It dispatches mouse gestures to the
tool classes in :mod:`.note_tools` and never edits the model itself.

Large scores: items exist only for the notes inside a time *window* around what is on screen
(every note while the score has at most ``WINDOW_ABOVE_NOTES`` notes). Each track's notes are
sorted by start (see ``Track``), so :class:`TrackSpan` finds a window's notes by bisection; scrolling
out of the window moves it (:meth:`NoteGridView.sync_items`), zooming re-lays out only the items
that exist, and an edit touches only the window's items. So a 20,000-note piece costs what its
visible part costs.
"""

from __future__ import annotations

from bisect import bisect_left
from operator import add

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QFrame, QGraphicsLineItem, QGraphicsScene, QGraphicsView

from ...document import Selection
from ...score import Note, edits
from ...score.keyfinding import reading_key_at, shown_keys
from ...score.theory import scale_row
from . import palette
from .geometry import BAR, BEAT, grid_lines, hit_note
from .items import Z_PLAYHEAD, GhostNote, NoteItem, paint_ghost_notes
from .note_tools import ClipDragTool, DrawNoteTool, MoveNotesTool, PanTool, ResizeNotesTool, RubberBandTool

#: Scores with more notes than this get items only for the notes near the visible time span.
WINDOW_ABOVE_NOTES = 1500


class TrackSpan:
    """A track's notes (sorted by start, as ``Track`` keeps them) with their starts, for bisection."""

    __slots__ = ("notes", "starts", "max_duration", "end")

    def __init__(self, notes: tuple[Note, ...]):
        self.notes = notes
        self.starts = [n.start for n in notes]
        durations = [n.duration for n in notes]
        self.max_duration = max(durations, default=0)
        self.end = max(map(add, self.starts, durations), default=0)  # = Track.end

    def between(self, t0: float, t1: float, pad: float = 0.0) -> list[Note]:
        """Notes sounding in ``[t0, t1)`` (``pad`` ticks more at the end of each note: the 2 px minimum width)."""
        i0 = bisect_left(self.starts, t0 - self.max_duration - pad)
        i1 = bisect_left(self.starts, t1)
        return [n for n in self.notes[i0:i1] if n.start + n.duration + pad > t0]


def track_span(cache: dict, track) -> TrackSpan:
    """The cached :class:`TrackSpan` of ``track`` (rebuilt when its notes changed)."""
    span = cache.get(track.id)
    if span is None or span.notes is not track.notes:
        span = cache[track.id] = TrackSpan(track.notes)
    return span


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
        self.ghost_items: dict[int, GhostNote] = {}  # other tracks' notes in the window (painted, not items)
        self.candidate_items: dict[int, NoteItem] = {}
        self.preview_items: list = []
        self.tool = None
        self.last_drawn_id: int | None = None
        self.hover_pitch: int | None = None  # row under the mouse (highlighted here and on the keyboard)
        self._spans: dict[int, TrackSpan] = {}
        #: Tick range that has items: ``(start, end)``; ``(0, None)`` for the whole score.
        self.window: tuple[int, int | None] | None = None
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
        self.ghost_items = {}
        for item in self.preview_items + list(self.candidate_items.values()) + [self.playhead_item]:
            scene.addItem(item)
        doc = self.roll.doc
        scene.prefer_flats = reading_key_at(doc.score, 0).prefers_flats  # note labels follow the key's spelling
        self._spans = {}
        self.window = None
        self.sync_items(force=True)
        self.relayout_candidates()
        self.update_scene_rect()
        self.update_playhead()
        self.viewport().update()

    def span(self, track) -> TrackSpan:
        """The notes of ``track`` indexed by start (cached until the track changes)."""
        return track_span(self._spans, track)

    def visible_ticks(self) -> tuple[int, int]:
        """The tick range shown in the viewport."""
        geom = self.roll.geom
        x0 = self.horizontalScrollBar().value()
        return geom.tick_at(x0), geom.tick_at(x0 + self.viewport().width()) + 1

    def visible_notes(self, track=None) -> list[Note]:
        """The notes of ``track`` (default: the current one) that show in the viewport, by start."""
        t0, t1 = self.visible_ticks()
        track = track if track is not None else self.roll.doc.current_track
        return self.span(track).between(t0, t1, 2.0 / self.roll.geom.px_per_tick)

    def sync_items(self, force: bool = False) -> None:
        """Make the items match the document's notes inside the window (the whole score when it is
        small; else the visible time span and half of it on each side). Without ``force`` nothing
        happens while the visible span stays inside the window."""
        doc, geom = self.roll.doc, self.roll.geom
        score = doc.score
        windowed = sum(len(t.notes) for t in score.tracks) > WINDOW_ABOVE_NOTES
        if windowed:
            v0, v1 = self.visible_ticks()
            if not force and self.window is not None and self.window[0] <= v0 and v1 <= self.window[1]:
                return
            half = max(v1 - v0, 1) // 2
            self.window = (max(0, v0 - half), v1 + half)
        else:
            if not force and self.window == (0, None):
                return
            self.window = (0, None)
        w0, w1 = self.window
        pad = 2.0 / geom.px_per_tick
        current = doc.current_track.id
        wanted: dict[int, Note] = {}
        ghosts: dict[int, Note] = {}
        for t in score.tracks:
            notes = t.notes if w1 is None else self.span(t).between(w0, w1, pad)
            if t.id == current:
                wanted.update((n.id, n) for n in notes)
            else:
                ghosts.update((n.id, n) for n in notes)
        # other tracks: records, painted with the background
        if ghosts.keys() != self.ghost_items.keys() or any(g.note is not ghosts[i] for i, g in self.ghost_items.items()):
            self.ghost_items = {i: (g if (g := self.ghost_items.get(i)) is not None and g.note is n else GhostNote(n))
                                for i, n in ghosts.items()}
        # the current track: items
        scene = self.scene()
        # items of notes that left the window are reused for the ones that entered it (cheaper
        # than removing and creating items while scrolling through a long piece)
        spare = [self.note_items.pop(nid) for nid in [nid for nid in self.note_items if nid not in wanted]]
        sel = doc.selection.notes
        for nid, n in wanted.items():
            item = self.note_items.get(nid)
            if item is None:
                if spare:
                    item = spare.pop()
                    item.set_note(n, geom)
                else:
                    item = NoteItem(n, geom)
                    scene.addItem(item)
                self.note_items[nid] = item
                item.set_chosen(nid in sel)
            elif item.note is not n:
                item.set_note(n, geom)
        for item in spare:
            scene.removeItem(item)

    def ghost_notes_in(self, rect: QRectF) -> list[Note]:
        """Other tracks' notes that intersect scene ``rect``."""
        doc, geom = self.roll.doc, self.roll.geom
        t0, t1 = geom.tick_at(rect.left()), geom.tick_at(rect.right()) + 1
        lo, hi = geom.pitch_at(rect.bottom()), geom.pitch_at(rect.top())
        current = doc.current_track.id
        out: list[Note] = []
        for t in doc.score.tracks:
            if t.id != current and t.notes:
                out += [n for n in self.span(t).between(t0, t1, 2.0 / geom.px_per_tick) if lo <= n.pitch <= hi]
        return out

    def relayout(self) -> None:
        """Zoom changed: move the items to their new rectangles (cheaper than a rebuild)."""
        geom = self.roll.geom
        for d in (self.note_items, self.candidate_items):
            for item in d.values():
                item.set_note(item.note, geom)
        self.sync_items()
        self.update_scene_rect()
        self.update_playhead()
        self.viewport().update()

    def relayout_candidates(self) -> None:
        geom = self.roll.geom
        for item in self.candidate_items.values():
            item.set_note(item.note, geom)

    def apply_diff(self, diff) -> None:
        """Incremental update from a ``NoteDiff``: add/remove/move items by note id (inside the window)."""
        if diff.notes_touched:
            current = self.roll.doc.current_track.id
            ghosts_moved = any(t.id != current and (self._spans.get(t.id) is None or self._spans[t.id].notes is not t.notes)
                               for t in self.roll.doc.score.tracks)
            self.sync_items(force=True)
            if ghosts_moved:  # they are painted with the background
                self.viewport().update()
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
        # score.end_of_last_bar, from the cached track ends (no pass over every note per edit)
        content = max([self.span(t).end for t in score.tracks] + [c.end for c in score.chords] + [score.length, 0])
        last_bar_end = meter.bar_at(content - 1).end if content > 0 else 0
        end = max(last_bar_end, roll.playhead, roll.loop_region[1] if roll.loop_region else 0)
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
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)  # straight fills and lines only
        painter.fillRect(rect, palette.BACKGROUND)
        top_pitch = geom.pitch_at(rect.top())
        bottom_pitch = geom.pitch_at(rect.bottom())
        t0, t1 = geom.tick_at(rect.left()), geom.tick_at(rect.right()) + 1
        # rows: black keys darker; pitches of the key (per key segment) lighter; tonic lightest
        # the keys shown: those set, and where none is set the key of the notes (score/keyfinding.py)
        keys = list(shown_keys(score)) or [score.key]
        for i, key in enumerate(keys):
            k0 = 0 if i == 0 else key.tick
            k1 = keys[i + 1].tick if i + 1 < len(keys) else None
            x0 = max(rect.left(), geom.x(k0))
            x1 = rect.right() if k1 is None else min(rect.right(), geom.x(k1))
            if x1 <= x0:
                continue
            for p in range(bottom_pitch, top_pitch + 1):
                black = p % 12 in (1, 3, 6, 8, 10)
                if roll.show_scale:  # the key's scale marked, its tonic most (theory.scale_row)
                    row = scale_row(key, p)
                    color = (palette.ROW_TONIC if row == "tonic" else
                             (palette.ROW_SCALE_BLACK if black else palette.ROW_SCALE) if row == "scale" else
                             palette.ROW_OUTSIDE_BLACK if black else palette.ROW_OUTSIDE)
                else:  # plain piano rows
                    color = palette.ROW_BLACK if black else palette.BACKGROUND
                painter.fillRect(QRectF(x0, geom.y(p), x1 - x0, geom.key_height), color)
        if self.hover_pitch is not None and bottom_pitch <= self.hover_pitch <= top_pitch:
            painter.fillRect(QRectF(rect.left(), geom.y(self.hover_pitch), rect.width(), geom.key_height),
                             palette.ROW_HOVER)
        # row separators (B/C octave line stronger)
        # one-pixel lines as filled rectangles on whole pixels: much faster than stroked lines
        left, width = rect.left(), rect.width()
        for p in range(bottom_pitch, top_pitch + 1):
            y = round(geom.y(p) + geom.key_height) - 1
            painter.fillRect(QRectF(left, y, width, 1), palette.OCTAVE_LINE if p % 12 == 0 else palette.ROW_SEPARATOR)
        # vertical lines following the meter
        colors = {BAR: palette.LINE_BAR, BEAT: palette.LINE_BEAT, 2: palette.LINE_SUB}
        top, height = rect.top(), rect.height()
        for tick, level in grid_lines(score.meter, t0, t1, roll.grid_ticks, geom.px_per_tick):
            painter.fillRect(QRectF(round(geom.x(tick)), top, 1, height), colors[level])
        if roll.loop_region:
            a, b = roll.loop_region
            painter.fillRect(QRectF(geom.x(a), rect.top(), geom.x(b) - geom.x(a), rect.height()), palette.LOOP_GRID)
        painter.restore()
        # other tracks' notes, under every item
        ghosts = self.ghost_notes_in(rect)
        if ghosts:
            painter.save()
            paint_ghost_notes(painter, ghosts, geom)
            painter.restore()

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
            # the band's dashed, antialiased edge repaints cleanly only with whole-viewport updates
            # (partial ones left faint lines of its old edges, most of all while autoscrolling)
            self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
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
        self._end_full_updates()

    def _end_full_updates(self) -> None:
        if self.viewportUpdateMode() != QGraphicsView.ViewportUpdateMode.SmartViewportUpdate:
            self.viewport().update()
            self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)

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
            self._end_full_updates()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event):
        self.roll.handle_wheel(event, "grid")

    def scrollContentsBy(self, dx, dy):
        super().scrollContentsBy(dx, dy)
        if dx:
            self.sync_items()
        self.roll.on_view_scrolled()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self.sync_items()
