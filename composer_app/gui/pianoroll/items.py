"""Graphics items of the note grid: editable notes, other tracks' ghost notes, suggestion candidates.

Items only draw. They hold the :class:`~composer_app.score.Note` value they show; the view keeps
them in dicts by note id and updates them from the document's ``scoreChanged`` diffs.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem

from ...score import Note
from . import palette
from .geometry import RollGeometry, pitch_name

Z_GHOST_TRACK, Z_CANDIDATE, Z_NOTE, Z_PREVIEW, Z_PLAYHEAD = -2.0, -1.0, 0.0, 5.0, 10.0


class GhostNote:
    """A note of another track inside the view's window. Ghost notes are not scene items: the
    view paints them with the background (one loop over the visible ones, see
    :func:`paint_ghost_notes`), which keeps large multi-track scores cheap."""

    __slots__ = ("note",)
    kind = "ghost"

    def __init__(self, note: Note):
        self.note = note


def paint_ghost_notes(painter, notes, geom: RollGeometry) -> None:
    """Draw other tracks' notes as faint blocks (rounded when they are big enough to show it)."""
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(palette.GHOST_TRACK)
    kh, ppt = geom.key_height, geom.px_per_tick
    radius = min(3.0, (kh - 1) / 4)
    small = []
    for n in notes:
        r = QRectF(n.start * ppt + 0.5, (127 - n.pitch) * kh + 0.5, max(2.0, n.duration * ppt) - 1, kh - 1)
        if r.width() >= 8 and kh >= 8:
            painter.drawRoundedRect(r, radius, radius)
        else:
            small.append(r)
    if small:
        painter.drawRects(small)


class NoteItem(QGraphicsRectItem):
    """One note. ``kind`` is ``"note"`` (editable), ``"ghost"`` (another track) or ``"candidate"``."""

    _font: QFont | None = None

    def __init__(self, note: Note, geom: RollGeometry, kind: str = "note", confidence: float = 1.0):
        super().__init__()
        self.kind = kind
        self.confidence = confidence
        self.chosen = False  # selected in the document (or picked, for candidates)
        self.setZValue({"note": Z_NOTE, "ghost": Z_GHOST_TRACK, "candidate": Z_CANDIDATE}.get(kind, Z_NOTE))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.set_note(note, geom)

    def set_note(self, note: Note, geom: RollGeometry) -> None:
        old = getattr(self, "note", None)
        self.note = note
        if not self.pos().isNull():
            self.setPos(0, 0)
        self.setRect(QRectF(*geom.note_rect(note.start, note.duration, note.pitch)))
        if self.kind == "note" and (old is None or old.start != note.start):
            # Later notes on top where notes overlap (matches the hit test).
            self.setZValue(Z_NOTE + note.start * 1e-9)
        if old is not None and (old.velocity != note.velocity or old.pitch != note.pitch):
            self.update()  # colour or label changed (a new rect repaints by itself)

    def set_chosen(self, chosen: bool) -> None:
        if chosen != self.chosen:
            self.chosen = chosen
            self.update()

    def paint(self, painter, option, widget=None):  # noqa: D401 - Qt override
        r = self.rect().adjusted(0.5, 0.5, -0.5, -0.5)
        if r.width() < 4 or r.height() < 5:  # far zoom: a plain block is all that shows
            if self.kind == "note":
                painter.fillRect(r, _note_style(self.note.velocity, self.chosen)[0])
            else:
                painter.fillRect(r, palette.GHOST_TRACK if self.kind == "ghost" else palette.candidate_fill(self.confidence))
            return
        radius = min(3.0, r.height() / 4)
        if self.kind == "ghost":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(palette.GHOST_TRACK)
            painter.drawRoundedRect(r, radius, radius)
            return
        if self.kind == "candidate":
            fill = palette.candidate_fill(self.confidence)
            pen = QPen(palette.CANDIDATE.lighter(130) if not self.chosen else palette.KEY_PRESSED, 1.2,
                       Qt.PenStyle.DashLine if not self.chosen else Qt.PenStyle.SolidLine)
            painter.setPen(pen)
            painter.setBrush(fill)
            painter.drawRoundedRect(r, radius, radius)
            return
        fill, border, strip = _note_style(self.note.velocity, self.chosen)
        painter.setPen(border)
        painter.setBrush(fill)
        painter.drawRoundedRect(r, radius, radius)
        # velocity strip along the bottom edge: longer = louder
        if r.height() >= 9 and r.width() > 6:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(strip)
            vw = (r.width() - 2) * self.note.velocity / 127.0
            painter.drawRect(QRectF(r.left() + 1, r.bottom() - 2.5, vw, 2))
        if r.height() >= 10 and r.width() >= 26:
            text, height = _label(pitch_name(self.note.pitch, getattr(self.scene(), "prefer_flats", False)))
            painter.setFont(NoteItem._font)
            painter.setPen(LABEL_COLOR)
            painter.drawStaticText(QPointF(r.left() + 3, r.top() + (r.height() - 2 - height) / 2), text)


LABEL_COLOR = QColor(20, 20, 24)
_STYLES: dict[tuple[int, bool], tuple[QColor, QPen, QColor]] = {}
_LABELS: dict[str, tuple[QStaticText, float]] = {}


def _note_style(velocity: int, chosen: bool) -> tuple[QColor, QPen, QColor]:
    """(fill, border pen, velocity strip colour) of a note, made once per velocity and state."""
    style = _STYLES.get((velocity, chosen))
    if style is None:
        fill = palette.note_fill(velocity, chosen)
        border = QPen(QColor(255, 255, 255) if chosen else palette.note_border(fill), 1.0)
        style = _STYLES[(velocity, chosen)] = (fill, border, fill.darker(150))
    return style


def _label(name: str) -> tuple[QStaticText, float]:
    """A note name laid out once (static text draws much faster than ``drawText``) and its height."""
    if NoteItem._font is None:
        NoteItem._font = QFont()
        NoteItem._font.setPixelSize(9)
    found = _LABELS.get(name)
    if found is None:
        text = QStaticText(name)
        text.prepare(font=NoteItem._font)
        found = _LABELS[name] = (text, QFontMetricsF(NoteItem._font).height())
    return found
