"""The assistant panel: task, controls and constraints, and the ranked candidate list.

It only shows state and emits requests; :class:`~composer_app.gui.assistant.AssistantController`
does the work (talks to the model worker, draws ghosts, applies accepted candidates through the
document's undo path).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QSpinBox,
                               QToolButton, QVBoxLayout, QWidget)

from ...generation.types import TASKS, Candidate, SuggestionSettings
from ...score import TPQ
from ..clipdrag import ClipDragButton

#: Finest rhythmic value choices: label -> grid in ticks (onsets and lengths are multiples of it).
RHYTHM_CHOICES = {
    "1/4": TPQ,
    "1/8": TPQ // 2,
    "1/16": TPQ // 4,
    "1/8 + triplets": TPQ // 6,
    "1/16 + triplets": TPQ // 12,
}
CHORD_VOCAB_LABELS = {"all": "All chords", "sevenths": "Triads and sevenths", "triads": "Triads only"}
NOTE_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def pitch_name(p: int) -> str:
    return f"{NOTE_NAMES[p % 12]}{p // 12 - 1}"


class _PitchSpin(QSpinBox):
    def textFromValue(self, v: int) -> str:  # noqa: N802 (Qt override)
        return pitch_name(v)

    def valueFromText(self, text: str) -> int:  # noqa: N802
        for p in range(128):
            if pitch_name(p).lower() == text.strip().lower():
                return p
        return self.value()


class AssistantPanel(QWidget):
    suggestRequested = Signal()
    cancelRequested = Signal()
    regenerateRequested = Signal()
    acceptRequested = Signal(bool)  # partial: picked notes / first bars only
    rejectRequested = Signal()
    auditionRequested = Signal()
    candidateChosen = Signal(int)  # row in the ranked list, -1 for none

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("assistantPanel")
        self._candidates: list[Candidate] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.model_label = QLabel("Model: loading…")
        self.model_label.setWordWrap(True)
        layout.addWidget(self.model_label)

        form = QFormLayout()
        self.task_combo = QComboBox()
        for key, text in TASKS.items():
            self.task_combo.addItem(text, key)
        self.task_combo.setToolTip("Continue: new bars after the selection or the end of the piece.\n"
                                   "Harmonize: chord progressions for the selected bars' melody.\n"
                                   "Chords: continue the progression without melody.\n"
                                   "Regenerate: new melody and chords for the selected bars, "
                                   "given what comes before and after.")
        form.addRow("Task", self.task_combo)
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, 16)
        self.k_spin.setValue(4)
        form.addRow("Candidates", self.k_spin)
        self.bars_spin = QSpinBox()
        self.bars_spin.setRange(1, 16)
        self.bars_spin.setValue(2)
        self.bars_spin.setSuffix(" bars")
        form.addRow("Length", self.bars_spin)
        self.temp_spin = QDoubleSpinBox()
        self.temp_spin.setRange(0.1, 2.0)
        self.temp_spin.setSingleStep(0.1)
        self.temp_spin.setValue(1.0)
        self.temp_spin.setToolTip("Lower: safer, more predictable ideas. Higher: more adventurous.")
        form.addRow("Temperature", self.temp_spin)
        self.top_p_spin = QDoubleSpinBox()
        self.top_p_spin.setRange(0.5, 1.0)
        self.top_p_spin.setSingleStep(0.05)
        self.top_p_spin.setValue(0.95)
        form.addRow("Top-p", self.top_p_spin)
        seed_row = QHBoxLayout()
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("The same seed and settings give the same candidates; "
                                  "Regenerate moves to the next seed.")
        seed_row.addWidget(self.seed_spin, 1)
        form.addRow("Seed", seed_row)
        layout.addLayout(form)

        box = QGroupBox("Constraints")
        cform = QFormLayout(box)
        self.key_lock = QCheckBox("Notes from the key's scale")
        cform.addRow("Key lock", self.key_lock)
        rng = QHBoxLayout()
        self.low_spin, self.high_spin = _PitchSpin(), _PitchSpin()
        for s, v in ((self.low_spin, 48), (self.high_spin, 88)):
            s.setRange(0, 127)
            s.setValue(v)
            rng.addWidget(s)
        cform.addRow("Range", rng)
        self.rhythm_combo = QComboBox()
        for label, ticks in RHYTHM_CHOICES.items():
            self.rhythm_combo.addItem(label, ticks)
        self.rhythm_combo.setCurrentText("1/16")
        cform.addRow("Finest rhythm", self.rhythm_combo)
        self.mono_check = QCheckBox("One note at a time")
        self.mono_check.setChecked(True)
        cform.addRow("Melody", self.mono_check)
        self.vocab_combo = QComboBox()
        for key, text in CHORD_VOCAB_LABELS.items():
            self.vocab_combo.addItem(text, key)
        cform.addRow("Chords", self.vocab_combo)
        layout.addWidget(box)

        buttons = QHBoxLayout()
        self.suggest_button = QPushButton("Suggest")
        self.suggest_button.setToolTip("Ask for ideas (Ctrl+G)")
        self.suggest_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop generating (Esc)")
        self.stop_button.setEnabled(False)
        self.regen_button = QPushButton("Regenerate")
        self.regen_button.setToolTip("New ideas with the next seed (Ctrl+Shift+G)")
        buttons.addWidget(self.suggest_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.regen_button)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)

        self.list = QListWidget()
        self.list.setObjectName("candidateList")
        self.list.setAlternatingRowColors(True)
        self.list.setMinimumHeight(160)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.list.setFont(mono)
        layout.addWidget(self.list, 1)

        row = QHBoxLayout()
        self.audition_button = QToolButton()
        self.audition_button.setText("Audition")
        self.audition_button.setToolTip("Play the candidate in context, looping (A)")
        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Insert the candidate (Return); one undo step")
        self.partial_button = QPushButton("Accept part")
        self.partial_button.setToolTip("Insert only the ghost notes you clicked, or only the first bars "
                                       "(Shift+Return)")
        self.keep_bars = QSpinBox()
        self.keep_bars.setRange(1, 16)
        self.keep_bars.setValue(1)
        self.keep_bars.setPrefix("first ")
        self.keep_bars.setSuffix(" bar(s)")
        self.keep_bars.setToolTip("With no ghost notes clicked, 'Accept part' keeps this many bars")
        self.reject_button = QPushButton("Reject")
        self.reject_button.setToolTip("Hide it and never suggest it again this session (X)")
        self.drag_button = ClipDragButton("Drag")
        self.drag_button.setObjectName("candidateDragGrip")
        self.drag_button.setToolTip("Drag the candidate into a DAW track or a folder as a MIDI clip")
        for w in (self.audition_button, self.accept_button, self.partial_button, self.reject_button,
                  self.drag_button):
            row.addWidget(w)
        layout.addLayout(row)
        layout.addWidget(self.keep_bars)
        self.hint = QLabel("Select bars (or nothing: the end of the piece) and press Suggest. "
                           "[ and ] step through the candidates.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: gray;")
        layout.addWidget(self.hint)

        self.suggest_button.clicked.connect(self.suggestRequested)
        self.stop_button.clicked.connect(self.cancelRequested)
        self.regen_button.clicked.connect(self.regenerateRequested)
        self.accept_button.clicked.connect(lambda: self.acceptRequested.emit(False))
        self.partial_button.clicked.connect(lambda: self.acceptRequested.emit(True))
        self.reject_button.clicked.connect(self.rejectRequested)
        self.audition_button.clicked.connect(self.auditionRequested)
        self.list.currentRowChanged.connect(self.candidateChosen)
        self.task_combo.currentIndexChanged.connect(self._on_task_combo_changed)
        self._update_buttons()

    # ---- state -------------------------------------------------------------------------------
    def settings(self) -> SuggestionSettings:
        low, high = sorted((self.low_spin.value(), self.high_spin.value()))
        return SuggestionSettings(
            task=self.task_combo.currentData(), candidates=self.k_spin.value(), bars=self.bars_spin.value(),
            temperature=round(self.temp_spin.value(), 3), top_p=round(self.top_p_spin.value(), 3),
            seed=self.seed_spin.value(), key_lock=self.key_lock.isChecked(), pitch_low=low, pitch_high=high,
            finest_grid=self.rhythm_combo.currentData(), monophonic=self.mono_check.isChecked(),
            chord_vocab=self.vocab_combo.currentData())

    def set_task(self, task: str) -> None:
        i = self.task_combo.findData(task)
        if i >= 0:
            self.task_combo.setCurrentIndex(i)

    def set_model_status(self, text: str) -> None:
        self.model_label.setText(text)

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.stop_button.setEnabled(busy)
        self.progress.setRange(0, 0 if busy else 1)
        self.progress.setFormat(text)
        if not busy:
            self.progress.setValue(0)

    def set_progress(self, step: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(step, total))
            self.progress.setFormat(f"bar {min(step, total)} of {total}")

    @property
    def candidates(self) -> list[Candidate]:
        return list(self._candidates)

    def current_row(self) -> int:
        return self.list.currentRow()

    def set_candidates(self, candidates: list[Candidate], keep_row: bool = False) -> None:
        row = self.list.currentRow() if keep_row else 0
        self._candidates = list(candidates)
        self.list.blockSignals(True)
        self.list.clear()
        for i, c in enumerate(self._candidates):
            item = QListWidgetItem(self._describe(i, c))
            item.setToolTip(self._tooltip(c))
            conf = _mean(list(c.note_confidence) + list(c.chord_confidence))
            item.setForeground(QColor.fromHsvF(0.33 * conf, 0.6, 0.95) if conf > 0 else QColor("gray"))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self._candidates:
            self.list.setCurrentRow(min(max(row, 0), len(self._candidates) - 1))
        # Always announce it: the row number may be unchanged while the candidate behind it changed.
        self.candidateChosen.emit(self.list.currentRow() if self._candidates else -1)
        self._update_buttons()

    def step(self, delta: int) -> None:
        n = self.list.count()
        if n:
            self.list.setCurrentRow((max(self.list.currentRow(), 0) + delta) % n)

    # ---- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _describe(i: int, c: Candidate) -> str:
        chords = " ".join(c.chord_symbols[:8]) + (" …" if len(c.chords) > 8 else "")
        head = f"{i + 1:>2}. {c.score:6.2f}"
        if c.notes:
            head += f"  {len(c.notes):>2} notes"
        return f"{head}  {chords}" if chords else head

    @staticmethod
    def _tooltip(c: Candidate) -> str:
        conf = _mean(list(c.note_confidence) + list(c.chord_confidence))
        p = c.provenance
        return (f"Score {c.score:.3f} (mean log-probability per note or chord)\n"
                f"Mean confidence {conf:.0%}\nChords: {' '.join(c.chord_symbols) or '-'}\n"
                f"Model {p.get('model')}, seed {p.get('seed')}")

    def _update_buttons(self) -> None:
        has = bool(self._candidates)
        for w in (self.accept_button, self.partial_button, self.reject_button, self.audition_button,
                  self.drag_button):
            w.setEnabled(has)

    def _on_task_combo_changed(self, _index: int) -> None:
        task = self.task_combo.currentData()
        self.bars_spin.setEnabled(task in ("continue", "chords"))


def _mean(xs) -> float:
    return sum(xs) / len(xs) if xs else 0.0
