"""The chord lane above the grid: the score's timed chord symbols as blocks, each with its roman
numeral in the key under the symbol (View > Roman Numerals), and a second row of *proposed* chords
while the assistant shows a candidate.

The proposal row sits under the score's chords, so both are always visible: a proposed chord that
differs from what is there now is drawn solid (brighter the surer the model is, with a confidence
bar), one that repeats it is drawn hollow with "=", and one that clashes with the melody under it
carries a red mark. Chords the candidate would replace are dimmed in the row above. Only the
score's row is edited; clicks on the proposal row do nothing but explain (tooltips).

Gestures: click selects (Shift toggles), drag moves, drag the right end resizes (snap), double-click
empty lane types a new chord (one bar at the clicked bar's start, see
:func:`~.geometry.default_chord_span`), double-click a chord retypes it, typing a note letter
A-G with the lane focused opens the editor too. Text that is not a chord symbol is refused: the
editor stays open and one red message under it says why and what is accepted (it goes as soon as
the text is edited, and with the editor); the score does not change. Delete removes selected chords (the roll's "delete" action).
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QLabel, QLineEdit, QSizePolicy, QWidget

from ...document import Selection
from ...errors import ChordSymbolError
from ...score import ChordSymbol, edits
from ...score.keyfinding import reading_key_at
from ...score.theory import melody_clashes, roman_numeral
from . import palette
from .geometry import BAR, default_chord_span, grid_lines, hit_chord, pitch_name
from .lane_tools import ChordMoveTool, ChordResizeTool


class ChordLaneWidget(QWidget):
    #: The place where the next typed or palette chord goes moved: its tick.
    placeChanged = Signal(int)
    #: Height of one row (symbol and numeral); the lane is one row, two while a candidate shows.
    ROW = 36
    HEIGHT = ROW

    def __init__(self, roll):
        super().__init__(roll)
        self.roll = roll
        self.preview: dict[int, tuple[int, int]] = {}  # chord id -> (start, duration) during a drag
        self.tool = None
        self._cursor_tick = 0  # where a typed chord goes when no chord is selected
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
        self._small = QFont()
        self._small.setPixelSize(10)
        self._numerals: dict[tuple, object] = {}  # (symbol, key) -> RomanNumeral
        self.error_label = QLabel(roll)
        self.error_label.setObjectName("chordErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setMaximumWidth(460)
        self.error_label.setStyleSheet(
            "QLabel { background: #b83a3a; color: white; padding: 3px 6px; border-radius: 3px; }")
        self.error_label.hide()

    # ---- the place where a typed (or palette) chord goes ----------------------------------------
    @property
    def cursor_tick(self) -> int:
        return self._cursor_tick

    @cursor_tick.setter
    def cursor_tick(self, tick: int) -> None:
        self.set_place(tick)

    def set_place(self, tick: int) -> None:
        """Move the place where the next typed or palette chord goes (``placeChanged`` tells the palette)."""
        tick = max(0, int(tick))
        if tick != self._cursor_tick:
            self._cursor_tick = tick
            self.placeChanged.emit(tick)
            self.update()

    # ---- geometry ---------------------------------------------------------------------------
    def block_rect(self, start: int, duration: int, row: int = 0) -> QRectF:
        """The block of a chord in ``row`` 0 (the score's chords) or 1 (proposed chords)."""
        geom = self.roll.geom
        return QRectF(geom.x(start) - self.roll.scroll_x(), row * self.ROW + 2, geom.x(duration), self.ROW - 4)

    def update_height(self) -> None:
        """Two rows while a candidate's chords are shown, else one."""
        rows = 2 if self.roll.candidate_chords else 1
        if self.height() != rows * self.ROW:
            self.setFixedHeight(rows * self.ROW)
        self.update()

    def numeral(self, symbol: ChordSymbol, tick: int):
        """The roman numeral of ``symbol`` in the key at ``tick`` (cached)."""
        key = reading_key_at(self.roll.doc.score, tick)
        k = (symbol, key.tonic, key.mode)
        found = self._numerals.get(k)
        if found is None:
            if len(self._numerals) > 4096:
                self._numerals.clear()
            found = self._numerals[k] = roman_numeral(symbol, key)
        return found

    def candidate_clashes(self) -> dict[int, list]:
        """Proposed chord index -> melody clashes under it (the melody with the candidate's notes)."""
        roll = self.roll
        chords = list(roll.candidate_chords)
        if not chords:
            return {}
        score = roll.doc.score
        notes = list(score.melody.notes) + list(roll.candidate_notes)
        beat = score.meter.bar_at(chords[0].start).meter.beat_ticks
        out: dict[int, list] = {}
        for clash in melody_clashes(chords, notes, beat):
            i = next(i for i, c in enumerate(chords) if c.start == clash.chord_start)
            out.setdefault(i, []).append(clash)
        return out

    def replaced_ids(self) -> set[int]:
        """Ids of the score's chords the shown candidate would replace (harmonize / regenerate)."""
        roll = self.roll
        region, task = roll.candidate_region, roll.candidate_task
        if region is None or task not in ("harmonize", "infill") or not roll.candidate_chords:
            return set()
        return {c.id for c in roll.doc.score.chords if region[0] <= c.start < region[1]}

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
        ghosts = bool(roll.candidate_chords)
        if ghosts:
            p.fillRect(QRectF(0, self.ROW, w, self.ROW), palette.PROPOSAL_ROW)
        sx = roll.scroll_x()
        t0, t1 = geom.tick_at(sx), geom.tick_at(sx + w) + 1
        p.setPen(QPen(palette.LINE_BEAT, 1))
        for tick, level in grid_lines(score.meter, t0, t1, None, geom.px_per_tick):
            if level == BAR:
                x = geom.x(tick) - sx
                p.drawLine(QPointF(x, 0), QPointF(x, h))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        fm = QFontMetrics(self._font)
        sel = roll.doc.selection.chords
        if self.hasFocus() and self.editor is None and not sel:
            # where a typed chord would go: a dashed slot with a hint
            r = self.block_rect(*default_chord_span(score.meter, score.chords, self.cursor_tick, roll.grid_ticks))
            p.setPen(QPen(palette.TEXT_DIM, 1, Qt.PenStyle.DashLine))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(r.adjusted(1, 0, -1, 0), 4, 4)
            p.setPen(palette.TEXT_DIM)
            p.setFont(self._font)
            p.drawText(r.adjusted(6, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText("type a chord…", Qt.TextElideMode.ElideRight, int(max(0, r.width() - 10))))
        elif not score.chords and not ghosts and self.editor is None:
            p.setPen(palette.TEXT_DIM)
            p.setFont(self._small)
            p.drawText(QRectF(8, 0, w - 16, self.ROW), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       "Double-click here (or click and type a letter) to write a chord: C, Am7, G/B, F#m7b5 …")
        replaced = self.replaced_ids()
        for c in self._chords_between(score.chords, t0, t1):
            if c.id == self._edit_target and self.editor is not None:
                continue
            r = self.block_rect(*self.preview.get(c.id, (c.start, c.duration)))
            if r.right() < 0 or r.left() > w:
                continue
            chosen = c.id in sel
            fill = QColor(palette.CHORD_SELECTED if chosen else palette.CHORD_BLOCK)
            pen = QPen(QColor(255, 255, 255) if chosen else fill.lighter(140), 1.2)
            if c.id in replaced:  # the candidate would replace it: faded, struck through
                fill.setAlpha(70)
                pen = QPen(palette.TEXT_DIM, 1, Qt.PenStyle.DotLine)
            self._draw_block(p, r, str(c.symbol), fill, pen, self.numeral(c.symbol, c.start).text)
            if c.id in replaced:
                p.setPen(QPen(palette.TEXT_DIM, 1))
                p.drawLine(QPointF(r.left() + 4, r.center().y()), QPointF(r.right() - 4, r.center().y()))
        if ghosts:
            self._paint_proposals(p, score, w)
        p.setPen(QPen(palette.ROW_SEPARATOR, 1))
        p.drawLine(0, h - 1, w, h - 1)

    def _paint_proposals(self, p: QPainter, score, w: int) -> None:
        """The candidate's chords in the second row: solid where they change the music, hollow "="
        where they repeat the chord above, a confidence bar, a red mark on a melody clash."""
        roll = self.roll
        clashes = self.candidate_clashes()
        now = {(c.start, c.duration, str(c.symbol)) for c in score.chords}
        for i, c in enumerate(roll.candidate_chords):
            conf = roll.candidate_chord_confidences[i] if i < len(roll.candidate_chord_confidences) else 1.0
            r = self.block_rect(c.start, c.duration, 1)
            if r.right() < 0 or r.left() > w:
                continue
            same = (c.start, c.duration, str(c.symbol)) in now
            fill = QColor(palette.CHORD_CANDIDATE)
            if same:
                fill.setAlpha(35)
                pen = QPen(palette.CHORD_CANDIDATE, 1.2, Qt.PenStyle.DashLine)
            else:
                fill.setAlpha(int(110 + 120 * max(0.0, min(1.0, conf)) ** 0.5))
                pen = QPen(palette.CHORD_CANDIDATE.lighter(140), 1.4)
            label = ("= " if same else "") + str(c.symbol)
            self._draw_block(p, r, label, fill, pen, self.numeral(c.symbol, c.start).text)
            # confidence: a bar along the bottom of the block
            bar = QRectF(r.left() + 3, r.bottom() - 4, max(0.0, (r.width() - 6) * max(0.0, min(1.0, conf))), 2.5)
            p.fillRect(bar, palette.CONFIDENCE)
            if i in clashes:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(palette.CLASH)
                x, y = r.right() - 2, r.top() + 1
                p.drawPolygon(QPolygonF([QPointF(x - 10, y), QPointF(x, y), QPointF(x, y + 10)]))

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

    def _draw_block(self, p: QPainter, r: QRectF, text: str, fill: QColor, pen: QPen, numeral: str = "") -> None:
        """A rounded block with the symbol on top and, with numerals shown, the numeral under it."""
        p.setPen(pen)
        p.setBrush(fill)
        p.drawRoundedRect(r.adjusted(1, 0, -1, 0), 4, 4)
        text_rect = r.adjusted(6, 1, -6, -3)
        if text_rect.width() < 12:  # no room for a letter
            return
        show_numeral = bool(numeral) and self.roll.show_numerals
        top = text_rect.adjusted(0, 0, 0, -text_rect.height() / 2 + 1) if show_numeral else text_rect
        p.setFont(self._font)
        p.setPen(QColor(250, 250, 252))
        p.drawText(top, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   QFontMetrics(self._font).elidedText(text, Qt.TextElideMode.ElideRight, int(text_rect.width())))
        if show_numeral:
            bottom = text_rect.adjusted(0, text_rect.height() / 2, 0, 0)
            p.setFont(self._small)
            p.setPen(palette.NUMERAL)
            p.drawText(bottom, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       QFontMetrics(self._small).elidedText(numeral, Qt.TextElideMode.ElideRight,
                                                            int(text_rect.width())))

    # ---- mouse --------------------------------------------------------------------------------
    def mousePressEvent(self, event):
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton or event.position().y() >= self.ROW:
            return  # the proposal row is not edited
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
        if y >= self.ROW:
            self.setCursor(Qt.CursorShape.ArrowCursor)
            self.setToolTip(self.proposal_tooltip(x))
            return
        hit = self.hit(x)
        self.setCursor(Qt.CursorShape.ArrowCursor if hit is None else
                       Qt.CursorShape.SizeHorCursor if hit.part == "end" else Qt.CursorShape.SizeAllCursor)
        if hit is not None:
            chord = next(c for c in self.roll.doc.score.chords if c.id == hit.id)
            rn = self.numeral(chord.symbol, chord.start)
            self.setToolTip(f"{chord.symbol} ({' '.join(pitch_name(q) for q in chord.symbol.voicing())})\n"
                            f"{rn.explanation}")
        else:
            self.setToolTip("Double-click to type a chord (Am7, G/B, F#m7b5, Bbmaj7, Cmaj13#11, C7alt)")

    def proposal_tooltip(self, x: float) -> str:
        """What the proposed chord under ``x`` is, how sure the model is, what it replaces."""
        roll = self.roll
        tick = self.tick_at(x)
        for i, c in enumerate(roll.candidate_chords):
            if c.start <= tick < c.end:
                conf = roll.candidate_chord_confidences[i] if i < len(roll.candidate_chord_confidences) else 0.0
                lines = [f"Proposed: {c.symbol} — {self.numeral(c.symbol, c.start).explanation}",
                         f"The model is {conf:.0%} sure of this chord."]
                now = roll.doc.score.chord_at(c.start)
                if now is not None:
                    lines.append("Same as now." if str(now.symbol) == str(c.symbol) and now.start == c.start
                                 else f"Now: {now.symbol}.")
                flats = reading_key_at(roll.doc.score, c.start).prefers_flats
                lines += [cl.describe(flats) for cl in self.candidate_clashes().get(i, [])]
                return "\n".join(lines)
        return "Proposed chords: Return accepts them (one undo step), [ and ] show the other candidates."

    def mouseReleaseEvent(self, event):
        if self.tool is not None:
            tool, self.tool = self.tool, None
            tool.release(event.position().x(), event.position().y())

    def mouseDoubleClickEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton or event.position().y() >= self.ROW:
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
        ed.setGeometry(int(max(0, r.left())), 1, int(max(84, r.width())), self.ROW - 2)
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

    def hide_error(self) -> None:
        self.error_label.hide()
        if self.editor is not None:
            self.editor.setStyleSheet(self.editor.styleSheet().replace("#d04040", "#4a90e2"))
