"""Helpers for the piano-roll GUI tests: a shown roll and real mouse gestures at computed points."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from composer_app.document import ScoreDocument
from composer_app.gui.pianoroll import PianoRollWidget

LEFT = Qt.MouseButton.LeftButton
NOMOD = Qt.KeyboardModifier.NoModifier


def make_roll(qtbot, score=None, grid="1/16") -> PianoRollWidget:
    doc = ScoreDocument(score)
    roll = PianoRollWidget(doc)
    qtbot.addWidget(roll)
    roll.resize(1000, 620)
    roll.show()
    qtbot.waitExposed(roll)
    roll.windowHandle().requestActivate()  # shortcuts need an active window
    qtbot.waitUntil(roll.isActiveWindow, timeout=3000)
    roll.set_grid(grid)
    roll.view.horizontalScrollBar().setValue(0)
    roll.ensure_visible(pitch=60)
    roll.view.setFocus()
    return roll


def pt(roll, tick: int, pitch: int, dx: float = 0.0) -> QPoint:
    """Grid viewport point at ``tick`` (+ dx pixels) in the middle of ``pitch``'s row."""
    p = roll.viewport_point(tick, pitch)
    return QPoint(int(p.x() + dx), p.y())


def drag(qtbot, widget, a: QPoint, b: QPoint, modifier=NOMOD, steps: int = 4) -> None:
    """Press at ``a``, move in a few steps to ``b``, release: one real mouse gesture."""
    qtbot.mousePress(widget, LEFT, modifier, a)
    for i in range(1, steps + 1):
        p = QPoint(a.x() + (b.x() - a.x()) * i // steps, a.y() + (b.y() - a.y()) * i // steps)
        qtbot.mouseMove(widget, p)
    qtbot.mouseRelease(widget, LEFT, modifier, b)


def click(qtbot, widget, p: QPoint, modifier=NOMOD) -> None:
    qtbot.mouseClick(widget, LEFT, modifier, p)


def wheel(widget, pos: QPoint, delta: int, modifiers=NOMOD) -> None:
    """Send a real wheel event (one notch = 120) to ``widget`` at ``pos``."""
    global_pos = widget.mapToGlobal(pos)
    ev = QWheelEvent(QPointF(pos), QPointF(global_pos), QPoint(0, 0), QPoint(0, delta), Qt.MouseButton.NoButton,
                     modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def notes(roll):
    return sorted(roll.doc.current_track.notes, key=lambda n: (n.start, n.pitch))
