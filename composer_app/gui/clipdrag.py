"""Dragging a MIDI clip out of the app (into a DAW or a file manager).

:func:`drag_clip` writes the clip as a ``.mid`` file under ``<cache>/clips`` (see
:mod:`composer_app.formats.clips`) and runs a :class:`QDrag` whose mime data carries the file's
URL, the way DAWs and file managers take files. :class:`ClipDragButton` is a grip: pressing it and
moving the mouse emits ``dragRequested`` (the owner then calls :func:`drag_clip`); a plain click
emits ``clicked`` as usual (owners explain the gesture then).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDrag, QFont, QFontMetrics, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QToolButton, QWidget

from ..errors import ComposerError
from ..formats.clips import Clip, write_clip

#: What the grips say on hover.
GRIP_TIP = "Drag me into a DAW track or a folder: the clip arrives as a MIDI file"


def clip_mime_data(path: Path) -> QMimeData:
    """Mime data with the file URL of ``path`` (``text/uri-list``), what file targets accept."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def _drag_pixmap(text: str) -> QPixmap:
    font = QFont()
    font.setPixelSize(12)
    metrics = QFontMetrics(font)
    w, h = metrics.horizontalAdvance(text) + 16, metrics.height() + 8
    pixmap = QPixmap(w, h)
    pixmap.fill(QColor(40, 110, 200, 220))
    painter = QPainter(pixmap)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def drag_clip(source: QWidget, clip: Clip | None, title: str, tag: str = "",
              folder: str | Path | None = None) -> tuple[Qt.DropAction, Path | None, str]:
    """Write ``clip`` and drag it from ``source``. Returns the drop action (``IgnoreAction`` when
    nothing was dropped), the file (``None`` if none was written) and a status-bar message."""
    if clip is None:
        return Qt.DropAction.IgnoreAction, None, "Nothing to drag: select some notes (or chords) first."
    try:
        path = write_clip(clip, title, folder, tag)
    except (ComposerError, OSError) as exc:
        return Qt.DropAction.IgnoreAction, None, f"Could not write the clip: {exc}"
    drag = QDrag(source)
    drag.setMimeData(clip_mime_data(path))
    drag.setPixmap(_drag_pixmap(f"♪ {path.name}"))
    drag.setHotSpot(QPoint(8, 8))
    action = drag.exec(Qt.DropAction.CopyAction, Qt.DropAction.CopyAction)
    what = clip.summary
    if action == Qt.DropAction.IgnoreAction:
        return action, path, f"Clip {path.name} ({what}) not dropped; it stays in {path.parent}"
    return action, path, f"Dragged {path.name} ({what}, {clip.bars_text})"


class ClipDragButton(QToolButton):
    """A grip to drag a clip from: press and move emits ``dragRequested`` once per press."""

    dragRequested = Signal()

    def __init__(self, text: str = "⠿ Drag clip", parent: QWidget | None = None):
        super().__init__(parent)
        self.setText(text)
        self.setToolTip(GRIP_TIP)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self._press: QPoint | None = None
        self._dragged = False

    def mousePressEvent(self, event):  # noqa: N802 (Qt override)
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragged = event.position().toPoint(), False
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):  # noqa: N802
        if (self._press is not None and not self._dragged and event.buttons() & Qt.MouseButton.LeftButton
                and (event.position().toPoint() - self._press).manhattanLength() >= QApplication.startDragDistance()):
            self._dragged = True
            self.setDown(False)
            self.dragRequested.emit()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):  # noqa: N802
        self._press = None
        if self._dragged:  # the drag was the gesture: no click after it (a button that is not
            self._dragged = False  # down does not click on release)
            self.setDown(False)
        super().mouseReleaseEvent(event)
