"""Tempo, time signature and key editors shared by the Properties panel and the transport bar.

:class:`ScoreMetaEditor` owns the widgets (``tempo_spin``, ``meter_combo``, ``tonic_combo``,
``mode_combo``) and their wiring; the owner only lays them out. Every change is one undoable
``ScoreDocument.edit``; the widgets follow the document (undo, redo, opening a file), so two
editors on one document (panel and transport) always agree.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

from ...document import ScoreDocument
from ...score import MODES, Score
from ...score.keyfinding import reading_key_at, reading_keys
from . import properties_ops as ops


class ScoreMetaEditor(QObject):
    """The widgets for the tempo, meter and key at the start of the score. ``messageShown`` carries
    refusals (a time signature that cannot be read) in the composer's words."""

    messageShown = Signal(str)

    def __init__(self, document: ScoreDocument, parent: QObject | None = None, compact: bool = False):
        super().__init__(parent)
        self.doc = document
        self.tempo_spin = QDoubleSpinBox(decimals=1, minimum=10.0, maximum=400.0, suffix=" bpm")
        self.tempo_spin.setKeyboardTracking(False)  # one edit on Enter/focus-out, not per keystroke
        self.tempo_spin.setToolTip("Tempo in quarter notes per minute")
        self.meter_combo = QComboBox(editable=True)
        self.meter_combo.addItems(ops.COMMON_METERS)
        self.meter_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.meter_combo.setToolTip("Time signature: choose one or type any n/d such as 7/8")
        self.tonic_combo = QComboBox()
        self.tonic_combo.addItems((ops.AUTO_KEY,) + ops.TONICS)
        self.tonic_combo.setToolTip(ops.AUTO_KEY_TIP)
        # Wide enough for "auto (F#)" from the start: the box does not grow when a key is read.
        self.tonic_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.tonic_combo.setMinimumContentsLength(len(f"{ops.AUTO_KEY} (F#)"))
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(list(MODES))
        self.mode_combo.setToolTip("Key: mode (scale)")
        if compact:
            self.meter_combo.setMinimumContentsLength(4)
            self.mode_combo.setMinimumContentsLength(6)
        self.tempo_spin.valueChanged.connect(self._on_tempo_spin_valueChanged)
        self.meter_combo.activated.connect(lambda _i: self._apply_meter())
        self.meter_combo.lineEdit().editingFinished.connect(self._apply_meter)
        self.tonic_combo.activated.connect(lambda _i: self._apply_key())
        self.mode_combo.activated.connect(lambda _i: self._apply_key())
        document.scoreChanged.connect(self._on_doc_scoreChanged)
        document.scoreReset.connect(self.refresh)
        self.refresh()

    def widgets(self):
        return self.tempo_spin, self.meter_combo, self.tonic_combo, self.mode_combo

    def refresh(self) -> None:
        s = self.doc.score
        blockers = [QSignalBlocker(w) for w in self.widgets()]
        try:
            self.tempo_spin.setValue(s.tempo)
            self.meter_combo.setCurrentText(str(s.time_signature))
            tonic, mode = ops.key_choice(s.key)
            if tonic == ops.AUTO_KEY:
                self.tonic_combo.setCurrentIndex(0)
            else:
                if self.tonic_combo.findText(tonic) < 0:
                    self.tonic_combo.addItem(tonic)
                self.tonic_combo.setCurrentText(tonic)
            self.mode_combo.setCurrentText(mode)
            self.mode_combo.setEnabled(tonic != ops.AUTO_KEY)
        finally:
            del blockers
        self._show_reading()

    def _show_reading(self) -> None:
        """With no key set, the first item says which key the assistant reads from the notes
        (``auto (E)``, the greyed mode box ``major``), so the transport bar tells it at a glance."""
        s = self.doc.score
        found = s.key.assumed and any(r.why == "not set" for r in reading_keys(s)[1])
        read = reading_key_at(s, 0) if found else None
        self.tonic_combo.setItemText(0, f"{ops.AUTO_KEY} ({read.tonic})" if read else ops.AUTO_KEY)
        if s.key.assumed:
            with QSignalBlocker(self.mode_combo):
                self.mode_combo.setCurrentText(read.mode if read else "major")

    def _on_doc_scoreChanged(self, diff) -> None:
        if diff.meta_changed:
            self.refresh()
        elif self.doc.score.key.assumed and (diff.notes_touched or diff.chords_touched):
            self._show_reading()  # the notes say which key: it may have changed

    def _edit(self, text: str, new_score: Score) -> None:
        if not self.doc.edit(text, new_score):
            self.refresh()  # nothing changed: show the document's values again

    def _on_tempo_spin_valueChanged(self, bpm: float) -> None:
        if abs(bpm - self.doc.score.tempo) > 1e-6:
            self._edit(f"Set tempo {bpm:g} bpm", ops.set_tempo(self.doc.score, bpm))

    def _apply_meter(self) -> None:
        text = self.meter_combo.currentText()
        try:
            sig = ops.parse_time_signature(text)
        except ValueError as exc:
            self.messageShown.emit(str(exc))
            self.refresh()
            return
        if sig != self.doc.score.time_signature:
            self._edit(f"Set time signature {sig}", ops.set_time_signature(self.doc.score, sig.numerator, sig.denominator))

    def _apply_key(self) -> None:
        tonic, mode = self.tonic_combo.currentText(), self.mode_combo.currentText()
        if self.tonic_combo.currentIndex() == 0:  # "auto", or "auto (E)" with the key read
            tonic, mode = ops.AUTO_KEY, "major"
        if (tonic, mode) != ops.key_choice(self.doc.score.key):
            text = "Key from the melody" if tonic == ops.AUTO_KEY else f"Set key {tonic} {mode}"
            self._edit(text, ops.set_key(self.doc.score, tonic, mode))
        self.mode_combo.setEnabled(tonic != ops.AUTO_KEY)
