"""The bar/beat ruler above the grid: bar numbers, meter and key changes, loop region and the playhead.

Clicking (or dragging along) the ruler asks to move the playhead there: ``seekRequested(tick)``.
Right-clicking a bar offers a key change from that bar (:meth:`RulerWidget.key_menu`): one undoable
document edit.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QMenu, QSizePolicy, QWidget

from ...score import KeySignature, snap
from ...score.keyfinding import reading_key_at, reading_keys
from ..panels import properties_ops as ops
from . import palette
from .geometry import BAR, BEAT, grid_lines


def key_changes(score) -> list[KeySignature]:
    """The key changes the ruler marks (after the start): those set, and those the assistant reads
    from the notes (where none is set, or where the melody leaves the key set), the latter
    ``assumed``."""
    set_keys = {(k.tick, k.tonic_pc, k.mode) for k in score.key_signatures if not k.assumed}
    return [k if (k.tick, k.tonic_pc, k.mode) in set_keys else replace(k, assumed=True)
            for k in reading_keys(score)[0] if k.tick > 0]


def key_mark(key: KeySignature) -> str:
    """A key change as the ruler writes it: ``D♭``, ``F♯m``, ``D dorian``; a key read from the notes
    (none set there) in brackets, ``(D♭)``."""
    tonic = key.tonic.replace("b", "\u266d").replace("#", "\u266f")
    name = tonic + {"major": "", "minor": "m"}.get(key.mode, f" {key.mode}")
    return f"({name})" if key.assumed else name


class RulerWidget(QWidget):
    seekRequested = Signal(int)

    HEIGHT = 26

    def __init__(self, roll):
        super().__init__(roll)
        self.roll = roll
        self.setFixedHeight(self.HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._font = QFont()
        self._font.setPixelSize(11)
        self._small = QFont()
        self._small.setPixelSize(9)
        self._dragging = False

    def tick_at(self, x: float) -> int:
        tick = self.roll.geom.tick_at(x + self.roll.scroll_x())
        return snap(tick, self.roll.grid_ticks)

    def paintEvent(self, event):
        roll = self.roll
        geom, score = roll.geom, roll.doc.score
        p = QPainter(self)
        p.fillRect(self.rect(), palette.PANEL)
        sx = roll.scroll_x()
        w, h = self.width(), self.height()
        t0, t1 = geom.tick_at(sx), geom.tick_at(sx + w) + 1
        if roll.loop_region:
            a, b = roll.loop_region
            r = QRectF(geom.x(a) - sx, 0, geom.x(b) - geom.x(a), h)
            p.fillRect(r, palette.LOOP)
            p.setPen(QPen(palette.LOOP_EDGE, 2))
            p.drawLine(QPointF(r.left(), 0), QPointF(r.left(), h))
            p.drawLine(QPointF(r.right(), 0), QPointF(r.right(), h))
        meter = score.meter
        changes = {s.tick for s in meter.signatures}
        keys = key_changes(score)
        min_label_px = 28
        last_label_x = -1e9
        for tick, level in grid_lines(meter, t0, t1, None, geom.px_per_tick, min_px=4):
            x = geom.x(tick) - sx
            if level == BAR:
                p.setPen(QPen(palette.TEXT_DIM, 1))
                p.drawLine(QPointF(x, h * 0.35), QPointF(x, h))
                bar = meter.bar_at(tick)
                if x - last_label_x >= min_label_px:
                    p.setFont(self._font)
                    p.setPen(palette.TEXT)
                    label = str(meter.bar_number(bar.index))  # a pickup is bar 0
                    p.drawText(QRectF(x + 3, 0, 60, h * 0.62), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
                    marks = [str(bar.meter)] if bar.start in changes else []
                    marks += [key_mark(k) for k in keys if bar.start <= k.tick < bar.end]
                    if marks:
                        p.setFont(self._small)
                        p.setPen(palette.KEY_PRESSED)
                        p.drawText(QRectF(x + 8 + 8 * len(label), 0, 120, h * 0.62),
                                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, " ".join(marks))
                    last_label_x = x
            elif level == BEAT:
                p.setPen(QPen(palette.LINE_BAR, 1))
                p.drawLine(QPointF(x, h * 0.72), QPointF(x, h))
        p.setPen(QPen(palette.ROW_SEPARATOR, 1))
        p.drawLine(0, h - 1, w, h - 1)
        # playhead: a downward triangle on the ruler
        x = geom.x(roll.playhead) - sx
        if -8 <= x <= w + 8:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(palette.PLAYHEAD)
            p.drawPolygon(QPolygonF([QPointF(x - 6, h - 11), QPointF(x + 6, h - 11), QPointF(x, h - 1)]))
            p.setPen(QPen(palette.PLAYHEAD, 1.5))
            p.drawLine(QPointF(x, h - 11), QPointF(x, h))

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._dragging = True
            self._seek(event.position().x())

    def mouseMoveEvent(self, event):
        if self._dragging:
            self._seek(event.position().x())

    def mouseReleaseEvent(self, event):
        self._dragging = False

    def _seek(self, x: float) -> None:
        tick = self.tick_at(x)
        self.roll.set_playhead(tick)
        self.seekRequested.emit(tick)

    def contextMenuEvent(self, event):  # noqa: N802 (Qt override)
        self.key_menu(self.roll.geom.tick_at(event.pos().x() + self.roll.scroll_x())).exec(event.globalPos())

    def key_menu(self, tick: int) -> QMenu:
        """The key change menu for the bar at ``tick``: the key the notes are in there (when the
        assistant reads one other than the key shown), every major and minor key, and removing a key
        change that starts at this bar."""
        doc = self.roll.doc
        score = doc.score
        meter = score.meter
        bar = meter.bar_at(max(0, tick))
        number = meter.bar_number(bar.index)
        start = bar.start if bar.index else 0
        menu = QMenu(self)
        menu.setObjectName("rulerKeyMenu")
        where = "the start" if start == 0 else f"bar {number}"
        sub = menu.addMenu(f"Key from {where}")

        def set_key(key: KeySignature | None, text: str) -> None:
            doc.edit(text, ops.set_key_from(doc.score, start, key))

        # The key the assistant reads there, first, where it is not a key the composer set.
        read = [k for k in reading_keys(score)[0] if k.tick <= start]
        shown = reading_key_at(score, start)
        if read and (read[-1].assumed or (read[-1].tonic_pc, read[-1].mode) != (shown.tonic_pc, shown.mode)):
            k = KeySignature(read[-1].tonic, read[-1].mode)
            sub.addAction(f"{k} (the key of the notes)", lambda *_a, k=k: set_key(k, f"Key {k} from {where}"))
            sub.addSeparator()
        for mode, tonics in (("major", ops.MAJOR_TONICS), ("minor", ops.MINOR_TONICS)):
            for t in tonics:
                k = KeySignature(t, mode)
                sub.addAction(str(k), lambda *_a, k=k: set_key(k, f"Key {k} from {where}"))
            sub.addSeparator()
        if any(k.tick == start and not k.assumed for k in score.key_signatures):
            label = "No key set (read it from the notes)" if start == 0 else f"Remove the key change at bar {number}"
            menu.addAction(label, lambda *_a: set_key(None, label))
        return menu

    def wheelEvent(self, event):
        self.roll.handle_wheel(event, "lane")
