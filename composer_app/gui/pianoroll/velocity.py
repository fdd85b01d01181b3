"""The velocity lane under the grid: one stem per note of the current track; drag to change it."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import palette
from .geometry import velocity_y
from .lane_tools import VelocityDragTool


class VelocityLaneWidget(QWidget):
    HEIGHT = 84

    def __init__(self, roll):
        super().__init__(roll)
        self.roll = roll
        self.preview: dict[int, int] = {}  # note id -> velocity shown during a drag
        self.tool = None
        self.setFixedHeight(self.HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._font = QFont()
        self._font.setPixelSize(9)

    def note_at(self, x: float, y: float):
        """The note whose stem is nearest to x (selected notes win ties); ``None`` if none is near."""
        roll = self.roll
        geom = roll.geom
        sx = roll.scroll_x()
        sel = roll.doc.selection.notes
        best, best_key = None, None
        for n in roll.view.visible_notes():
            nx = geom.x(n.start) - sx
            inside = nx <= x <= nx + geom.x(n.duration)
            dist = abs(x - nx)
            if dist > 6 and not inside:
                continue
            key = (0 if dist <= 6 else 1, 0 if n.id in sel else 1,
                   abs(y - velocity_y(n.velocity, self.height())), dist)
            if best_key is None or key < best_key:
                best, best_key = n, key
        return best

    def stem_x(self, note_id: int) -> float:
        """Viewport x of a note's stem (for tests and tools)."""
        n = next(n for n in self.roll.doc.current_track.notes if n.id == note_id)
        return self.roll.geom.x(n.start) - self.roll.scroll_x()

    def paintEvent(self, event):
        roll = self.roll
        geom = roll.geom
        p = QPainter(self)
        p.fillRect(self.rect(), palette.PANEL_DARK)
        w, h = self.width(), self.height()
        p.setFont(self._font)
        for v in (32, 64, 96, 127):
            y = velocity_y(v, h)
            p.setPen(QPen(palette.LINE_SUB, 1, Qt.PenStyle.DotLine))
            p.drawLine(QPointF(0, y), QPointF(w, y))
        p.setPen(QPen(palette.ROW_SEPARATOR, 1))
        p.drawLine(0, 0, w, 0)
        sx = roll.scroll_x()
        sel = roll.doc.selection.notes
        # only the notes on screen (bisected from the track's sorted notes), selected on top
        notes = sorted(roll.view.visible_notes(), key=lambda n: n.id in sel)
        if len(notes) * 6 > w:  # far zoom: more than one stem per 6 px, so stems only, one batch per colour
            self._paint_stems(p, notes, sx, h)
            return
        shown = []
        for n in notes:
            x = geom.x(n.start) - sx
            if x < -geom.x(n.duration) - 8 or x > w + 8:
                continue
            vel = self.preview.get(n.id, n.velocity)
            shown.append((n, x, vel, palette.note_fill(vel, n.id in sel), velocity_y(vel, h),
                          max(4.0, geom.x(n.duration) - 2)))
        # the faint areas first, without antialiasing (plain rectangles: much cheaper translucent)
        for _n, x, _vel, color, y, length in shown:
            faint = QColor(color)
            faint.setAlpha(70)
            p.fillRect(QRectF(x, y, length, h - y), faint)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for n, x, vel, color, y, length in shown:
            p.setPen(QPen(color, 2))
            p.drawLine(QPointF(x + 1, h), QPointF(x + 1, y))
            p.drawLine(QPointF(x + 1, y), QPointF(x + length, y))
            p.setBrush(color)
            p.drawEllipse(QPointF(x + 1, y), 3.2, 3.2)
            if n.id in self.preview:
                p.setPen(palette.TEXT)
                p.drawText(QPointF(x + 6, max(10.0, y - 3)), str(vel))

    def _paint_stems(self, p: QPainter, notes, sx: float, h: float) -> None:
        geom, sel = self.roll.geom, self.roll.doc.selection.notes
        batches: dict[tuple[bool, int], list[QLineF]] = {}
        for n in notes:
            vel = self.preview.get(n.id, n.velocity)
            x = geom.x(n.start) - sx + 1
            batches.setdefault((n.id in sel, vel), []).append(QLineF(x, h, x, velocity_y(vel, h)))
        for (chosen, vel), lines in sorted(batches.items()):  # selected last: on top
            p.setPen(QPen(palette.note_fill(vel, chosen), 2))
            p.drawLines(lines)
        p.setPen(palette.TEXT)
        for n in notes:
            if n.id in self.preview:
                vel = self.preview[n.id]
                p.drawText(QPointF(geom.x(n.start) - sx + 6, max(10.0, velocity_y(vel, h) - 3)), str(vel))

    def mousePressEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            return
        x, y = event.position().x(), event.position().y()
        note = self.note_at(x, y)
        if note is not None:
            self.tool = VelocityDragTool(self.roll, self, x, y, note)

    def mouseMoveEvent(self, event):
        x, y = event.position().x(), event.position().y()
        if self.tool is not None:
            self.tool.move(x, y)
            return
        self.setCursor(Qt.CursorShape.SizeVerCursor if self.note_at(x, y) is not None else Qt.CursorShape.ArrowCursor)

    def mouseReleaseEvent(self, event):
        if self.tool is not None:
            tool, self.tool = self.tool, None
            tool.release(event.position().x(), event.position().y())

    def wheelEvent(self, event):
        self.roll.handle_wheel(event, "lane")
