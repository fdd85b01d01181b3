"""The chord lane above the grid: the score's timed chord symbols as blocks.

Gestures: click selects (Shift toggles), drag moves, drag the right end resizes (snap), double-click
empty lane types a new chord (one bar at the clicked bar's start, see
:func:`~.geometry.default_chord_span`), double-click a chord retypes it, typing a note letter
A-G with the lane focused opens the editor too. Text that is not a chord symbol is refused: the
editor stays open, a red message appears under it and ``messageShown`` is emitted; the score does
not change. Delete removes selected chords (the roll's "delete" action).
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QToolTip, QWidget

from ...document import Selection
from ...errors import ChordSymbolError
from ...score import ChordSymbol, edits
from . import palette
from .geometry import BAR, default_chord_span, grid_lines, hit_chord, pitch_name
from .lane_tools import ChordMoveTool, ChordResizeTool


class ChordLaneWidget(QWidget):
    HEIGHT = 30

    def __init__(self, roll):
        super().__init__(roll)
        self.roll = roll
        self.preview: dict[int, tuple[int, int]] = {}  # chord id -> (start, duration) during a drag
        self.tool = None
        self.cursor_tick = 0  # where a typed chord goes when no chord is selected
        self.editor: QLineEdit | None = None
        self._edit_target: int | None = None  # chord id being retyped, or None for a new chord
        self._edit_span: tuple[int, int] = (0, 0)
        self.setFixedHeight(self.HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._font = QFont()
        self._font.setPixelSize(12)
        self._font.setBold(True)
        self.error_label = QLabel(roll)
        self.error_label.setStyleSheet(
            "QLabel { background: #b83a3a; color: white; padding: 3px 6px; border-radius: 3px; }")
        self.error_label.hide()

    # ---- geometry ---------------------------------------------------------------------------
    def block_rect(self, start: int, duration: int) -> QRectF:
        geom = self.roll.geom
        return QRectF(geom.x(start) - self.roll.scroll_x(), 2, geom.x(duration), self.height() - 4)

    def chord_rect(self, chord_id: int) -> QRectF:
        c = next(c for c in self.roll.doc.score.chords if c.id == chord_id)
        return self.block_rect(*self.preview.get(c.id, (c.start, c.duration)))

    def tick_at(self, x: float) -> int:
        return self.roll.geom.tick_at(x + self.roll.scroll_x())

    def hit(self, x: float):
        return hit_chord(self.roll.doc.score.chords, self.roll.geom.px_per_tick, x + self.roll.scroll_x())

    # ---- painting ---------------------------------------------------------------------------
    def paintEvent(self, event):
        roll = self.roll
        geom, score = roll.geom, roll.doc.score
        p = QPainter(self)
        p.fillRect(self.rect(), palette.PANEL_DARK)
        w, h = self.width(), self.height()
        sx = roll.scroll_x()
        t0, t1 = geom.tick_at(sx), geom.tick_at(sx + w) + 1
        p.setPen(QPen(palette.LINE_BEAT, 1))
        for tick, level in grid_lines(score.meter, t0, t1, None, geom.px_per_tick):
            if level == BAR:
                x = geom.x(tick) - sx
                p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setFont(self._font)
        fm = QFontMetrics(self._font)
        sel = roll.doc.selection.chords
        if self.hasFocus() and self.editor is None and not sel:
            # where a typed chord would go: a dashed slot with a hint
            r = self.block_rect(*default_chord_span(score.meter, score.chords, self.cursor_tick, roll.grid_ticks))
            p.setPen(QPen(palette.TEXT_DIM, 1, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1, 0, -1, 0), 4, 4)
            p.setPen(palette.TEXT_DIM)
            p.drawText(r.adjusted(6, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText("type a chord…", Qt.TextElideMode.ElideRight, int(max(0, r.width() - 10))))
        for i, c in enumerate(roll.candidate_chords):
            conf = roll.candidate_chord_confidences[i] if i < len(roll.candidate_chord_confidences) else 1.0
            r = self.block_rect(c.start, c.duration)
            fill = QColor(palette.CHORD_CANDIDATE)
            fill.setAlpha(int(40 + 120 * conf))
            self._draw_block(p, fm, r, str(c.symbol), fill, QPen(palette.CHORD_CANDIDATE.lighter(130), 1.2,
                                                                  Qt.PenStyle.DashLine))
        for c in self._chords_between(score.chords, t0, t1):
            if c.id == self._edit_target and self.editor is not None:
                continue
            r = self.block_rect(*self.preview.get(c.id, (c.start, c.duration)))
            if r.right() < 0 or r.left() > w:
                continue
            chosen = c.id in sel
            fill = palette.CHORD_SELECTED if chosen else palette.CHORD_BLOCK
            pen = QPen(QColor(255, 255, 255) if chosen else fill.lighter(140), 1.2)
            self._draw_block(p, fm, r, str(c.symbol), fill, pen)
        p.setPen(QPen(palette.ROW_SEPARATOR, 1))
        p.drawLine(0, h - 1, w, h - 1)

    def _chords_between(self, chords, t0: int, t1: int) -> list:
        """The chords overlapping ``[t0, t1)`` (bisected: the score keeps chords sorted by start) and
        the ones being dragged."""
        if getattr(self, "_starts_of", None) is not chords:
            self._starts_of = chords
            self._starts = [c.start for c in chords]
            self._longest = max((c.duration for c in chords), default=0)
        i0 = bisect_left(self._starts, t0 - self._longest)
        i1 = bisect_left(self._starts, t1)
        out = [c for c in chords[i0:i1] if c.end > t0]
        if self.preview:
            shown = {c.id for c in out}
            out += [c for c in chords if c.id in self.preview and c.id not in shown]
        return out

    @staticmethod
    def _draw_block(p: QPainter, fm: QFontMetrics, r: QRectF, text: str, fill: QColor, pen: QPen) -> None:
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRoundedRect(r.adjusted(1, 0, -1, 0), 4, 4)
        text_rect = r.adjusted(6, 0, -6, 0)
        if text_rect.width() >= 12:  # room for at least one letter
            p.setPen(QColor(250, 250, 252))
            p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText(text, Qt.TextElideMode.ElideRight, int(text_rect.width())))

    # ---- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, event):
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        x, y = event.position().x(), event.position().y()
        doc = self.roll.doc
        hit = self.hit(x)
        if hit is None:
            self.cursor_tick = self.tick_at(x)
            doc.set_selection(Selection(doc.selection.notes, frozenset()))
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            doc.select(chords=[hit.id], toggle=True)
        elif hit.id not in doc.selection.chords:
            doc.set_selection(Selection(frozenset(), frozenset({hit.id})))
        if hit.id in doc.selection.chords:
            chord = next(c for c in doc.score.chords if c.id == hit.id)
            self.cursor_tick = chord.start
            tool = ChordResizeTool if hit.part == "end" else ChordMoveTool
            self.tool = tool(self.roll, self, x, y, chord)

    def mouseMoveEvent(self, event):
        x, y = event.position().x(), event.position().y()
        if self.tool is not None:
            self.tool.move(x, y)
            return
        hit = self.hit(x)
        self.setCursor(Qt.CursorShape.ArrowCursor if hit is None else
                       Qt.CursorShape.SizeHorCursor if hit.part == "end" else Qt.CursorShape.SizeAllCursor)
        if hit is not None:
            chord = next(c for c in self.roll.doc.score.chords if c.id == hit.id)
            self.setToolTip(f"{chord.symbol}: {' '.join(pitch_name(q) for q in chord.symbol.voicing())}")
        else:
            self.setToolTip("Double-click to type a chord (Am7, G/B, F#m7b5, Bbmaj7, Esus4, C6)")

    def mouseReleaseEvent(self, event):
        if self.tool is not None:
            tool, self.tool = self.tool, None
            tool.release(event.position().x(), event.position().y())

    def mouseDoubleClickEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            return
        x = event.position().x()
        hit = self.hit(x)
        if hit is not None:
            self.open_editor(chord_id=hit.id)
        else:
            self.open_editor(tick=self.tick_at(x))

    def event(self, event):
        # Letters A-G, Return and Escape belong to the lane while it has the focus (typing a chord),
        # not to window-wide shortcuts such as the assistant's A (audition) or Return (accept).
        if event.type() == QEvent.Type.ShortcutOverride:
            text = event.text()
            plain = not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier
            if plain and ((text and text.upper() in "ABCDEFG") or event.key() in (
                    Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.roll.doc.selected_chords()):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event):
        text = event.text()
        if text and text.upper() in "ABCDEFG" and not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier:
            chosen = self.roll.doc.selected_chords()
            if len(chosen) == 1:
                self.open_editor(chord_id=chosen[0].id, text=text.upper())
            else:
                self.open_editor(tick=self.cursor_tick, text=text.upper())
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2):
            chosen = self.roll.doc.selected_chords()
            if len(chosen) == 1:
                self.open_editor(chord_id=chosen[0].id)
                return
        if event.key() == Qt.Key.Key_Escape and self.tool is not None:
            self.tool.cancel()
            self.tool = None
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event):
        self.roll.handle_wheel(event, "lane")

    def focusInEvent(self, event):
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event):
        super().focusOutEvent(event)
        self.update()

    # ---- inline editor ------------------------------------------------------------------------
    def open_editor(self, *, chord_id: int | None = None, tick: int | None = None, text: str | None = None) -> QLineEdit:
        """Open the inline chord editor on a chord (retype) or at ``tick`` (new chord)."""
        self.close_editor()
        roll = self.roll
        score = roll.doc.score
        if chord_id is not None:
            chord = next(c for c in score.chords if c.id == chord_id)
            span = (chord.start, chord.duration)
            initial = str(chord.symbol) if text is None else text
        else:
            span = default_chord_span(score.meter, score.chords, tick or 0, roll.grid_ticks)
            initial = text or ""
        self._edit_target, self._edit_span = chord_id, span
        r = self.block_rect(*span)
        ed = QLineEdit(self)
        ed.setObjectName("chordEditor")
        ed.setPlaceholderText("e.g. Am7")
        ed.setText(initial)
        ed.setStyleSheet("QLineEdit { background: #f4f4f6; color: #111; border: 2px solid #4a90e2;"
                         " border-radius: 3px; font-weight: bold; padding: 0 3px; }")
        ed.setGeometry(int(max(0, r.left())), 1, int(max(84, r.width())), self.height() - 2)
        ed.installEventFilter(self)
        ed.textEdited.connect(lambda _t: self.hide_error())
        self.editor = ed
        ed.show()
        ed.setFocus(Qt.FocusReason.OtherFocusReason)
        if text is None:
            ed.selectAll()
        self.update()
        return ed

    def close_editor(self) -> None:
        ed, self.editor = self.editor, None
        self._edit_target = None
        self.hide_error()
        if ed is not None:
            ed.removeEventFilter(self)
            ed.hide()
            ed.deleteLater()
            self.setFocus(Qt.FocusReason.OtherFocusReason)
        self.update()

    def commit_text(self, text: str) -> bool:
        """Apply typed text: one undo step on success; a refusal message and no change otherwise."""
        try:
            symbol = ChordSymbol.parse(text)
        except ChordSymbolError as err:
            self.show_error(str(err))
            return False
        doc = self.roll.doc
        target, (start, duration) = self._edit_target, self._edit_span
        if target is not None:
            doc.edit(f"Change chord to {symbol}", edits.change_chord(doc.score, target, symbol=symbol),
                     Selection(frozenset(), frozenset({target})))
        else:
            new_score, chord = edits.add_chord(doc.score, symbol, start, duration)
            doc.edit(f"Add chord {symbol}", new_score, Selection(frozenset(), frozenset({chord.id})))
            self.cursor_tick = start + duration
        self.close_editor()
        return True

    def eventFilter(self, obj, event):
        if obj is self.editor:
            if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Escape:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
                self.close_editor()
                return True
            if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                # Consumed here: QLineEdit would pass Return on to the lane, which opens an editor.
                self.commit_text(self.editor.text())
                return True
            if event.type() == QEvent.Type.FocusOut and self.editor is not None:
                # Clicking elsewhere keeps a valid chord and drops anything else silently.
                ed = self.editor
                QTimer.singleShot(0, lambda: self._on_editor_focusLost(ed))
        return super().eventFilter(obj, event)

    def _on_editor_focusLost(self, ed) -> None:
        if ed is not self.editor or ed.hasFocus():
            return
        text = ed.text().strip()
        try:
            ChordSymbol.parse(text)
        except ChordSymbolError:
            self.close_editor()
            return
        self.commit_text(text)

    def show_error(self, message: str) -> None:
        label = self.error_label
        label.setText(message)
        label.adjustSize()
        anchor = self.editor.geometry().bottomLeft() if self.editor is not None else self.rect().bottomLeft()
        pos = self.mapTo(self.roll, anchor)
        label.move(min(pos.x(), max(0, self.roll.width() - label.width())), pos.y() + 2)
        label.show()
        label.raise_()
        if self.editor is not None:
            self.editor.setStyleSheet(self.editor.styleSheet().replace("#4a90e2", "#d04040"))
            self.editor.selectAll()
            QToolTip.showText(self.editor.mapToGlobal(self.editor.rect().bottomLeft()), message, self.editor)
        self.roll.messageShown.emit(message)

    def hide_error(self) -> None:
        self.error_label.hide()
        if self.editor is not None:
            self.editor.setStyleSheet(self.editor.styleSheet().replace("#d04040", "#4a90e2"))
