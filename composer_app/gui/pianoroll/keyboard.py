"""The piano keyboard left of the grid: scrolls with it vertically; a click emits the key's pitch."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...score.keyfinding import reading_key_at
from . import palette
from .geometry import is_black_key, pitch_name


class KeyboardWidget(QWidget):
    keyPressed = Signal(int)

    WIDTH = 64

    def __init__(self, roll):
        super().__init__(roll)
        self.roll = roll
        self.pressed: int | None = None
        self.setFixedWidth(self.WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self._font = QFont()
        self._font.setPixelSize(9)

    def pitch_at(self, y: float) -> int:
        return self.roll.geom.pitch_at(y + self.roll.scroll_y())

    def paintEvent(self, event):
        roll = self.roll
        geom = roll.geom
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(self.rect(), palette.PANEL_DARK)
        sy = roll.scroll_y()
        top = geom.pitch_at(sy)
        bottom = geom.pitch_at(sy + self.height())
        key = reading_key_at(roll.doc.score, roll.playhead)
        scale = key.scale_pcs if roll.show_scale else frozenset()
        w = self.width()
        black_w = int(w * 0.62)
        p.setFont(self._font)
        hover = roll.view.hover_pitch
        for pitch in range(bottom, top + 1):
            y = geom.y(pitch) - sy
            r = QRectF(0, y, w - 1, geom.key_height)
            if is_black_key(pitch):
                p.fillRect(r, palette.KEY_WHITE)  # the white key continues under the black one
                color = (palette.KEY_PRESSED if pitch == self.pressed else
                         palette.KEY_HOVER.darker(160) if pitch == hover else palette.KEY_BLACK)
                p.fillRect(QRectF(0, y + 1, black_w, geom.key_height - 2), color)
            else:
                color = palette.KEY_PRESSED if pitch == self.pressed else (
                    palette.KEY_HOVER if pitch == hover else
                    palette.KEY_WHITE_SCALE if pitch % 12 in scale else palette.KEY_WHITE)
                p.fillRect(r, color)
            if pitch % 12 in scale and geom.key_height >= 6:  # the scale's keys carry a dot (the tonic orange)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(palette.KEY_TONIC_MARK if pitch % 12 == key.tonic_pc else palette.KEY_SCALE_MARK)
                d = min(6.0, geom.key_height - 4)
                cx = black_w - d - 3 if is_black_key(pitch) else black_w + 4
                p.drawEllipse(QRectF(cx, y + (geom.key_height - d) / 2, d, d))
            # separator lines between white keys (E/F and B/C have a full line)
            if pitch % 12 in (0, 5):
                p.setPen(QPen(palette.TEXT_DIM, 1))
                p.drawLine(0, int(y + geom.key_height), w, int(y + geom.key_height))
            if pitch % 12 == 0 and geom.key_height >= 7:
                p.setPen(QPen(palette.PANEL_DARK))
                p.drawText(r.adjusted(0, 0, -4, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           pitch_name(pitch))
        p.setPen(QPen(palette.ROW_SEPARATOR, 1))
        p.drawLine(w - 1, 0, w - 1, self.height())

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self.pressed = self.pitch_at(event.position().y())
            self.update()
            self.keyPressed.emit(self.pressed)

    def mouseMoveEvent(self, event):
        if self.pressed is not None:
            pitch = self.pitch_at(event.position().y())
            if pitch != self.pressed:  # glissando along the keys
                self.pressed = pitch
                self.update()
                self.keyPressed.emit(pitch)

    def mouseReleaseEvent(self, event):
        self.pressed = None
        self.update()

    def wheelEvent(self, event):
        self.roll.handle_wheel(event, "keyboard")
