"""The chord palette: the chords of the key (and common borrowed ones) as buttons that sound and
write, each with its roman numeral and the assistant's probability for it as the next chord.

The chords come from :mod:`composer_app.score.theory` (no Qt there); the probabilities from the
model worker (``request_next_chord``: the GUI never waits for them). A click writes the chord at
the chord lane's place (where a typed chord would go, or over the one selected chord) as one undo
step, sounds it, and moves the place on, so clicks write a progression bar by bar; Shift+click only
sounds it. A row of the assistant's favourites shows the likeliest next chords that are not in the
key's rows.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (QCheckBox, QGridLayout, QHBoxLayout, QLabel, QSizePolicy, QToolButton, QVBoxLayout,
                               QWidget)

from ...document import Selection
from ...score import ChordSymbol, edits
from ...score.chords import spell
from ...score.keyfinding import reading_key_at, reading_keys
from ...score.theory import PaletteChord, borrowed_chords, diatonic_chords, roman_numeral
from ..pianoroll.geometry import default_chord_span

#: Colours of the numeral's function (theme-neutral mid tones, used only as a thin top stripe).
KIND_COLORS = {"diatonic": QColor(70, 130, 210), "borrowed": QColor(200, 120, 40),
               "secondary": QColor(150, 90, 200), "chromatic": QColor(128, 128, 128)}


class ChordButton(QToolButton):
    """A palette chord: symbol, numeral and probability, with a probability bar along its bottom."""

    def __init__(self, entry: PaletteChord, parent: QWidget | None = None):
        super().__init__(parent)
        self.entry = entry
        self.probability: float | None = None
        self.setObjectName(f"chord_{entry.symbol}")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(QSize(46, 50))
        self._refresh()

    #: The keyboard modifiers of the last press (Shift+click only sounds the chord).
    modifiers = Qt.KeyboardModifier.NoModifier

    def mousePressEvent(self, event):
        self.modifiers = event.modifiers()
        super().mousePressEvent(event)

    def set_probability(self, p: float | None) -> None:
        self.probability = p
        self._refresh()

    def _refresh(self) -> None:
        e = self.entry
        pct = "" if self.probability is None else f"\n{self.probability:.0%}"
        self.setText(f"{e.symbol}\n{e.numeral.text}{pct}")
        chance = ("" if self.probability is None else
                  f"\nThe assistant gives it a {self.probability:.0%} chance as the next chord here.")
        self.setToolTip(f"{e.symbol}: {e.numeral.explanation}.{chance}\n"
                        "Click: write it at the chord lane's place (and hear it). Shift+click: only hear it.")

    def paintEvent(self, event):
        super().paintEvent(event)
        p = QPainter(self)
        r = self.rect()
        p.fillRect(QRectF(2, 1, r.width() - 4, 3), KIND_COLORS.get(self.entry.numeral.kind, QColor(128, 128, 128)))
        if self.probability:
            p.fillRect(QRectF(3, r.height() - 5, (r.width() - 6) * min(1.0, self.probability / 0.5), 3),
                       QColor(46, 160, 67))
        p.end()


class ChordPalettePanel(QWidget):
    """The palette dock's contents. ``messageShown`` carries what a click did."""

    messageShown = Signal(str)

    def __init__(self, roll, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("chordPalette")
        self.roll, self.doc = roll, roll.doc
        #: ``request(score, tick)`` asks the model for the next-chord distribution (wired to the worker).
        self.request: Callable[[object, int], None] | None = None
        #: ``audition(symbol)`` sounds a chord (wired to the player).
        self.audition: Callable[[ChordSymbol], None] | None = None
        self.distribution = None
        self.buttons: list[ChordButton] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        head = QHBoxLayout()
        self.place_label = QLabel()
        self.place_label.setObjectName("paletteTarget")
        self.place_label.setWordWrap(True)
        head.addWidget(self.place_label, 1)
        self.sevenths = QCheckBox("Sevenths")
        self.sevenths.setToolTip("Show the key's seventh chords (Cmaj7, Dm7, G7 …) instead of triads")
        head.addWidget(self.sevenths)
        layout.addLayout(head)
        self.grid = QGridLayout()
        self.grid.setSpacing(3)
        layout.addLayout(self.grid)
        self.status = QLabel()
        self.status.setObjectName("paletteStatus")
        self.status.setWordWrap(True)
        font = self.status.font()
        font.setItalic(True)
        self.status.setFont(font)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self._ask_timer = QTimer(self, singleShot=True, interval=250)  # edits come in bursts
        self._ask_timer.timeout.connect(self._ask)
        self.sevenths.toggled.connect(lambda _on: self.rebuild())
        self.doc.scoreChanged.connect(lambda _d: self.refresh())
        self.doc.scoreReset.connect(self.refresh)
        self.doc.selectionChanged.connect(self.refresh)
        roll.chord_lane.placeChanged.connect(self.refresh)
        self._key = None
        self.rebuild()

    # ---- where a click writes -------------------------------------------------------------------
    def target(self) -> tuple[int, int, int | None]:
        """``(start, duration, chord id or None)``: over the one selected chord, else where a typed
        chord would go in the chord lane."""
        chosen = self.doc.selected_chords()
        if len(chosen) == 1:
            c = chosen[0]
            return c.start, c.duration, c.id
        score = self.doc.score
        start, dur = default_chord_span(score.meter, score.chords, self.roll.chord_lane.cursor_tick,
                                        self.roll.grid_ticks)
        there = next((c for c in score.chords if c.start == start), None)
        if there is not None:  # a chord already starts at the place: a click replaces it
            return there.start, there.duration, there.id
        return start, dur, None

    # ---- contents ---------------------------------------------------------------------------------
    def key(self):
        return reading_key_at(self.doc.score, self.target()[0])  # where none is set, the notes' key

    def rebuild(self) -> None:
        """Buttons for the key at the target: diatonic triads (or sevenths), borrowed chords, favourites."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.buttons = []
        key = self._key = self.key()
        rows = [("In the key", diatonic_chords(key, self.sevenths.isChecked())), ("Borrowed", borrowed_chords(key))]
        for r, (title, entries) in enumerate(rows):
            label = QLabel(title)
            label.setWordWrap(True)
            self.grid.addWidget(label, r, 0)
            for c, entry in enumerate(entries):
                self._add_button(entry, r, c + 1)
        self._fav_row = len(rows)
        fav_label = QLabel("Assistant")
        fav_label.setToolTip("The assistant's likeliest next chords that are not in the rows above")
        self.grid.addWidget(fav_label, self._fav_row, 0)
        self._favourites: list[ChordButton] = []
        self._show_distribution()
        self.refresh()

    def _add_button(self, entry: PaletteChord, row: int, col: int) -> ChordButton:
        b = ChordButton(entry)
        b.clicked.connect(lambda _=False, btn=b: self._on_button_clicked(btn))
        self.grid.addWidget(b, row, col)
        self.buttons.append(b)
        return b

    def refresh(self) -> None:
        """The target moved or the score changed: new key? new place? ask the model again."""
        if self.key() != self._key:
            self.rebuild()
            return
        start, _dur, chord_id = self.target()
        bar, beat = self.doc.score.meter.beat_at(start)
        what = "Replace the chord at" if chord_id is not None else "Write at"
        # no key set: the key of the notes (or C major until there are enough to tell)
        key = str(self._key)
        if self.doc.score.key_at(start).assumed:
            read = any(r.why == "not set" for r in reading_keys(self.doc.score)[1])
            key += " (from the notes)" if read else " (no key set)"
        self.place_label.setText(f"<b>{key}</b> · {what} bar {bar} beat {beat}")
        self._ask_timer.start()

    def _ask(self) -> None:
        if self.request is not None:
            start, _dur, chord_id = self.target()
            score = self.doc.score
            if chord_id is not None:  # what would the model put there instead of the selected chord
                score = score.with_chords(c for c in score.chords if c.id != chord_id)
            self.request(score, start)

    def set_distribution(self, distribution) -> None:
        """The model's answer (:class:`~composer_app.generation.next_chord.NextChord`); stale ones are ignored."""
        if distribution is not None and distribution.tick != self.target()[0]:
            return
        self.distribution = distribution
        self._show_distribution()

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def _show_distribution(self) -> None:
        d = self.distribution
        if d is not None and d.tick != self.target()[0]:
            d = None
        for b in self.buttons:
            if b not in getattr(self, "_favourites", []):
                s = b.entry.symbol
                b.set_probability(d.probability(s.root_pc, s.vocab_quality) if d is not None else None)
        for b in getattr(self, "_favourites", []):
            self.buttons.remove(b)
            self.grid.removeWidget(b)
            b.deleteLater()
        self._favourites = []
        if d is None:
            self.set_status("The assistant's chances for each chord appear here once its model has loaded."
                            if self.request is None else "")
            return
        shown = {(b.entry.symbol.root_pc, b.entry.symbol.vocab_quality) for b in self.buttons}
        key = self._key
        col = 1
        for (root, quality), p in d.top(12):
            if (root, quality) in shown or p < 0.02 or col > 5:
                continue
            sym = ChordSymbol(spell(root, key.prefers_flats), quality)
            b = self._add_button(PaletteChord(sym, roman_numeral(sym, key), "assistant"), self._fav_row, col)
            b.set_probability(p)
            self._favourites.append(b)
            col += 1
        best = d.top(1)[0]
        bsym = ChordSymbol(spell(best[0][0], key.prefers_flats), best[0][1])
        self.set_status(f"Percentages: how likely the assistant finds each chord next, given the music before "
                        f"it. Its favourite: {bsym} ({best[1]:.0%}).")

    # ---- clicks -------------------------------------------------------------------------------------
    def _on_button_clicked(self, button: ChordButton) -> None:
        symbol = button.entry.symbol
        if self.audition is not None:
            self.audition(symbol)
        if button.modifiers & Qt.KeyboardModifier.ShiftModifier:
            button.modifiers = Qt.KeyboardModifier.NoModifier
            return  # only heard
        self.write(symbol)

    def write(self, symbol: ChordSymbol) -> None:
        """Write ``symbol`` at the target as one undo step; the lane's place moves on to after it."""
        doc = self.doc
        start, dur, chord_id = self.target()
        bar, beat = doc.score.meter.beat_at(start)
        if chord_id is not None:
            doc.edit(f"Change chord to {symbol}", edits.change_chord(doc.score, chord_id, symbol=symbol),
                     doc.selection)
            if chord_id not in doc.selection.chords:
                self.roll.chord_lane.set_place(start + dur)
        else:
            new_score, chord = edits.add_chord(doc.score, symbol, start, dur)
            doc.edit(f"Add chord {symbol}", new_score, Selection(frozenset(), frozenset()))
            self.roll.chord_lane.set_place(start + dur)
        self.messageShown.emit(f"Wrote {symbol} at bar {bar} beat {beat} (Ctrl+Z undoes it).")
