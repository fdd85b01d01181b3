"""Run in a real X window (see test_rubber_band_xvfb.py): drag a rubber band with the Select tool
at a fractional zoom, autoscrolling at the grid's left edge, release, and print how many pixels
on screen differ from a fresh paint of the grid (faint lines left behind). Prints one integer.
Before the fix this left a 30-pixel line of the band's old edge."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from composer_app.document import ScoreDocument
from composer_app.gui.pianoroll import PianoRollWidget
from composer_app.score import Note, Score, Track


def pump(app, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    app = QApplication(sys.argv[:1])
    roll = PianoRollWidget(ScoreDocument(Score(tracks=(Track(notes=(Note(60, 0, 480),)),))))
    roll.resize(1000, 620)
    roll.show()
    pump(app, 0.5)
    roll.set_grid("1/16")
    roll.view.horizontalScrollBar().setValue(0)
    roll.ensure_visible(pitch=60)
    roll.zoom_horizontal(1.37)  # a fractional zoom: lines fall between pixels
    roll.zoom_vertical(1.37)
    roll.set_tool("select")
    pump(app, 0.2)
    vp = roll.view.viewport()
    # The band starts left of what is shown (where bar 1 beat 3 is, scrolled out of view), so the
    # first moves autoscroll left while its edge crosses the grid's left side.
    a, b = roll.viewport_point(960, 66), roll.viewport_point(2400, 60)
    assert a.x() < 0 < roll.view.horizontalScrollBar().value()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, 30):
        p = QPoint(a.x() + (b.x() - a.x()) * i // 29 + (7 if i % 2 else -5), a.y() + (b.y() - a.y()) * i // 29 + i % 3)
        QTest.mouseMove(vp, p)
        pump(app, 0.005)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    roll.view.set_hover_pitch(None)
    pump(app, 0.3)
    shown = vp.screen().grabWindow(vp.winId()).toImage()
    fresh = vp.grab().toImage()
    print(sum(1 for y in range(fresh.height()) for x in range(fresh.width()) if shown.pixel(x, y) != fresh.pixel(x, y)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
