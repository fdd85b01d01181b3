"""The assistant panel: task, controls and constraints, the ranked candidate list and "why this
candidate".

It only shows state and emits requests; :class:`~composer_app.gui.assistant.AssistantController`
does the work (talks to the model worker, draws ghosts, applies accepted candidates through the
document's undo path).

Each candidate reads as a confidence a musician understands (:func:`confidence_label`: the
model's typical probability per note or chord as a percentage and a word, with a bar) and its
whole chord progression, bar by bar, wrapped. Colours come from the theme (light or dark).
:func:`candidate_insight` says what the model was sure and unsure of and where a chord clashes
with the melody.
"""

from __future__ import annotations

import html
import math

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListView, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from ...generation.types import TASKS, Candidate, SuggestionSettings
from ...score import TPQ, Score
from ...score.chords import spell
from ...score.keyfinding import reading_key_at
from ...score.theory import melody_clashes, roman_numeral
from ..clipdrag import ClipDragButton
from ..wording import plural_suffix

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


# ---- how sure the model is, for a musician -----------------------------------------------------------
#: The confidence that counts as "sure" per task: a melody note (pitch, length and place) is one of
#: many good choices, a chord for a given melody one of few, so the same percentage means more for notes.
SURE = {"continue": 0.15, "infill": 0.15, "harmonize": 0.4, "chords": 0.4}
#: Words, from the top: (share of "sure", word).
CONFIDENCE_WORDS = ((1.0, "sure"), (0.4, "likely"), (0.12, "plausible"), (0.0, "a long shot"))


def candidate_confidence(cand: Candidate) -> float:
    """0..1: the model's typical probability per note or chord of the candidate (the geometric mean,
    ``exp`` of its score, the mean log-probability per note or chord). The one place the list's
    numbers come from: if ranking scores change, change this (and :data:`SURE`)."""
    try:
        return max(0.0, min(1.0, math.exp(cand.score)))
    except OverflowError:
        return 1.0


def confidence_level(cand: Candidate) -> float:
    """0..1: the confidence against what counts as sure for the task (the bar's length)."""
    return min(1.0, candidate_confidence(cand) / SURE.get(cand.task, 0.4))


def confidence_label(cand: Candidate) -> str:
    """``"82% · sure"`` for chords (the typical probability of a chord on its beats reads as a
    chance), a word alone for melodies: a note is one of many good choices, so its typical
    probability (7 % for a line the model likes) reads as doubt to a musician; the bar and the
    tooltip carry the number."""
    level = confidence_level(cand)
    word = next(w for lo, w in CONFIDENCE_WORDS if level >= lo)
    if cand.task in ("continue", "infill"):
        return word
    return f"{candidate_confidence(cand):.0%} · {word}"


def confidence_icon(conf: float, size: QSize = QSize(40, 12)) -> QIcon:  # noqa: B008 - a value, never mutated
    """A small bar filled by ``conf`` (:func:`confidence_level`): a dark outline and a light track, so
    it reads on light and dark themes."""
    pm = QPixmap(size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setPen(QColor(40, 40, 40))
    p.setBrush(QColor(235, 235, 235))
    p.drawRect(0, 1, size.width() - 1, size.height() - 3)
    fill = QColor(46, 160, 67) if conf >= 0.4 else QColor(214, 140, 0) if conf >= 0.12 else QColor(190, 60, 60)
    p.fillRect(1, 2, int((size.width() - 2) * max(0.0, min(1.0, conf))), size.height() - 4, fill)
    p.end()
    return QIcon(pm)


def progression_text(cand: Candidate, score: Score | None = None) -> str:
    """The whole chord progression, bars separated by ``|`` (``G C | D7 | G``)."""
    if not cand.chords:
        return ""
    if score is None:
        return "  ".join(cand.chord_symbols)
    meter = score.meter
    out, last_bar = [], None
    for c in cand.chords:
        bar = meter.bar_at(c.start).index
        if last_bar is not None and bar != last_bar:
            out.append("|")
        out.append(str(c.symbol))
        last_bar = bar
    return " ".join(out)


def _where(score: Score, tick: int) -> str:
    bar, beat = score.meter.beat_at(tick)
    return f"bar {bar} beat {beat}"


def candidate_insight(cand: Candidate, score: Score, others=()) -> str:
    """Rich text: how sure the model was of each chord and of its surest and least sure notes, and
    where a proposed chord clashes with the melody under it; with the other candidates shown
    (``others``), why this one ranks above one whose chords the model finds likelier."""
    lines = [f"<b>Candidate {cand.rank}: {html.escape(confidence_label(cand))}</b>"]
    why = _why_first(cand, others)
    if why:
        lines.append(f"<i>{html.escape(why)}</i>")
    if cand.chords:
        parts = []
        confs = list(cand.chord_confidence) + [0.0] * (len(cand.chords) - len(cand.chord_confidence))
        weakest = min(range(len(cand.chords)), key=lambda i: confs[i])
        for i, c in enumerate(cand.chords):
            rn = roman_numeral(c.symbol, reading_key_at(score, c.start)).text
            text = f"{html.escape(str(c.symbol))} <i>{html.escape(rn)}</i> {confs[i]:.0%}"
            parts.append(f"<u>{text}</u>" if i == weakest and len(cand.chords) > 1 else text)
        lines.append("Chords: " + " · ".join(parts))
        if len(cand.chords) > 1:
            lines.append(f"Least sure: the {html.escape(str(cand.chords[weakest].symbol))} at "
                         f"{_where(score, cand.chords[weakest].start)} (underlined).")
    if cand.notes and cand.note_confidence:
        pairs = list(zip(cand.notes, cand.note_confidence))
        best = max(pairs, key=lambda p: p[1])
        worst = min(pairs, key=lambda p: p[1])
        flats = reading_key_at(score, 0).prefers_flats
        name = lambda n: spell(n.pitch % 12, flats) + str(n.pitch // 12 - 1)  # noqa: E731
        lines.append(f"Notes: surest {name(best[0])} at {_where(score, best[0].start)} ({best[1]:.0%}); "
                     f"least sure {name(worst[0])} at {_where(score, worst[0].start)} ({worst[1]:.0%}). "
                     "Fainter ghost notes are the ones the model was less sure of.")
    if cand.chords:
        notes = list(score.melody.notes) + list(cand.notes)
        beat = score.meter.bar_at(cand.region[0]).meter.beat_ticks
        clashes = melody_clashes(cand.chords, notes, beat)
        flats = reading_key_at(score, 0).prefers_flats
        for clash in clashes[:3]:
            lines.append(f"<span style='color:#d03030'>&#9650;</span> Clash at {_where(score, clash.start)}: "
                         f"{html.escape(clash.describe(flats))}.")
        if not clashes:
            lines.append("No clashes with the melody.")
    return "<br>".join(lines)


def _why_first(cand: Candidate, others) -> str:
    """A word when a candidate ranked below ``cand`` shows a higher percentage (the list would
    otherwise seem out of order): harmonizations are ranked by the whole progression, not by the
    mean chance of their chords; a taste that reordered them says so."""
    if cand.task != "harmonize":
        return ""
    below = [o for o in others if o.rank > cand.rank and candidate_confidence(o) > candidate_confidence(cand) + 0.005]
    if not below:
        return ""
    first = min(below, key=lambda o: o.rank)
    base = cand.provenance.get("base_rank") if isinstance(cand.provenance, dict) else None
    if base is not None and base > cand.rank:
        return f"First although candidate {first.rank}'s chords are likelier: your taste puts it first (Learn My Taste)."
    return (f"First although candidate {first.rank}'s chords are likelier one by one: whole progressions "
            "are ranked, the commonest chords' head start discounted, which matches composers' chords more often.")


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
    tasteToggled = Signal(bool)  # learn from decisions and re-rank by them, or not
    tasteResetRequested = Signal()  # forget what was learned
    setReadKeysRequested = Signal()  # set the key(s) the assistant read from the notes

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
        plural_suffix(self.bars_spin, "bar")
        form.addRow("Length", self.bars_spin)
        layout.addLayout(form)
        # Sampling settings and constraints fold away, so the candidates stay in view on a small screen.
        self.more_button = QToolButton()
        self.more_button.setObjectName("moreSettings")
        self.more_button.setText("Sampling and constraints")
        self.more_button.setCheckable(True)
        self.more_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more_button.setArrowType(Qt.ArrowType.RightArrow)
        self.more_button.setAutoRaise(True)
        self.more_button.setToolTip("Temperature, top-p, seed, and constraints on the notes and chords")
        layout.addWidget(self.more_button)
        self.more = QWidget()
        more_layout = QVBoxLayout(self.more)
        more_layout.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
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
        more_layout.addLayout(form)

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
        more_layout.addWidget(box)
        layout.addWidget(self.more)
        self.more.hide()
        self.more_button.toggled.connect(self._on_more_toggled)

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
        self.progress.hide()
        layout.addWidget(self.progress)

        # The candidate's actions sit above the list, next to Suggest: on a 1280 x 720 screen they are
        # in view without scrolling the panel (below a list they were under the fold).
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
        plural_suffix(self.keep_bars, "bar", prefix="first ")
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
        self.list = QListWidget()
        self.list.setObjectName("candidateList")
        self.list.setAlternatingRowColors(True)
        self.list.setMinimumHeight(120)
        self.list.setWordWrap(True)  # the whole progression, wrapped
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setUniformItemSizes(False)
        self.list.setIconSize(QSize(40, 12))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.list, 1)
        self.insight = QLabel()
        self.insight.setObjectName("candidateInsight")
        self.insight.setWordWrap(True)
        self.insight.setTextFormat(Qt.TextFormat.RichText)
        self.insight.setToolTip("Why this candidate: what the model was sure and unsure of, and clashes "
                                "between its chords and the melody")
        self.insight.hide()
        layout.addWidget(self.insight)

        self.hint = QLabel("Select bars (or nothing: the end of the piece) and press Suggest. "
                           "[ and ] step through the candidates.")
        self.hint.setObjectName("assistantHint")
        self.hint.setWordWrap(True)
        font = self.hint.font()
        font.setItalic(True)  # set apart by its style, in the theme's own text colour (legible light and dark)
        self.hint.setFont(font)
        layout.addWidget(self.hint)
        # Offered under the hint when the assistant read a key nobody set (or the melody leaves the
        # key set): one click sets it, one undo step (the controller fills in the key).
        self.key_button = QPushButton()
        self.key_button.setObjectName("setReadKeyButton")
        self.key_button.setToolTip("Set the key the assistant read from the notes, so the scale rows, "
                                   "spelling, files and suggestions keep to it (Ctrl+Z undoes)")
        self.key_button.clicked.connect(self.setReadKeysRequested)
        self.key_button.hide()
        layout.addWidget(self.key_button)

        # What the assistant learned from the composer's decisions (generation/taste.py).
        taste = QGroupBox("Your taste")
        taste.setObjectName("tasteBox")
        tlayout = QVBoxLayout(taste)
        self.taste_check = QCheckBox("Learn from my decisions and rank by them")
        self.taste_check.setObjectName("tasteCheck")
        self.taste_check.setToolTip("Which candidate you accept, reject or audition teaches the assistant "
                                    "what you like; the next candidates are ordered by it. Stays on this "
                                    "computer.")
        self.taste_label = QLabel()
        self.taste_label.setObjectName("tasteLabel")
        self.taste_label.setWordWrap(True)
        self.taste_reset = QPushButton("Forget What You Learned…")
        self.taste_reset.setObjectName("tasteReset")
        self.taste_reset.setToolTip("Delete the record of your decisions and the taste learned from them")
        tlayout.addWidget(self.taste_check)
        tlayout.addWidget(self.taste_label)
        tlayout.addWidget(self.taste_reset)
        layout.addWidget(taste)

        self.taste_check.toggled.connect(self.tasteToggled)
        self.taste_reset.clicked.connect(self.tasteResetRequested)
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

    def set_taste(self, on: bool, text: str) -> None:
        """Show whether the taste re-ranker is on and what it learned (in words)."""
        self.taste_check.blockSignals(True)
        self.taste_check.setChecked(on)
        self.taste_check.blockSignals(False)
        self.taste_label.setText(("On. " if on else "Off: candidates keep the assistant's own order. ") + text)

    def set_model_status(self, text: str) -> None:
        self.model_label.setText(text)

    def set_busy(self, busy: bool, text: str = "") -> None:
        self.stop_button.setEnabled(busy)
        self.progress.setRange(0, 0 if busy else 1)
        self.progress.setFormat(text)
        self.progress.setVisible(busy)  # an empty bar while idle only takes room
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

    def set_candidates(self, candidates: list[Candidate], keep_row: bool = False,
                       score: Score | None = None) -> None:
        row = self.list.currentRow() if keep_row else 0
        self._candidates = list(candidates)
        if score is not None:
            self._score = score
        self.list.blockSignals(True)
        self.list.clear()
        for i, c in enumerate(self._candidates):
            item = QListWidgetItem(self._describe(i, c, self._score))
            item.setToolTip(self._tooltip(c, self._score))
            item.setIcon(confidence_icon(confidence_level(c)))  # text keeps the theme's colours
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self._candidates:
            self.list.setCurrentRow(min(max(row, 0), len(self._candidates) - 1))
        # Always announce it: the row number may be unchanged while the candidate behind it changed.
        self.candidateChosen.emit(self.list.currentRow() if self._candidates else -1)
        if not self._candidates:
            self.show_insight("")
        self._update_buttons()

    def show_insight(self, text: str) -> None:
        """The "why this candidate" text (rich text), or hide it with ``""``."""
        self.insight.setText(text)
        self.insight.setVisible(bool(text))

    def step(self, delta: int) -> None:
        n = self.list.count()
        if n:
            self.list.setCurrentRow((max(self.list.currentRow(), 0) + delta) % n)

    # ---- helpers ---------------------------------------------------------------------------------
    _score: Score | None = None

    @staticmethod
    def _describe(i: int, c: Candidate, score: Score | None = None) -> str:
        """``"1.  likely · 8 notes  —  C7 Bb | C7"`` (``"1.  82% · sure  —  C | G7"`` for chords): one
        line per candidate where it fits, so a small screen shows all K; a long progression wraps."""
        head = f"{i + 1}.  {confidence_label(c)}"
        if c.notes:
            head += f" · {len(c.notes)} note{'s' if len(c.notes) != 1 else ''}"
        chords = progression_text(c, score)
        return f"{head}  —  {chords}" if chords else head

    @staticmethod
    def _tooltip(c: Candidate, score: Score | None = None) -> str:
        p = c.provenance
        return (f"{confidence_label(c)}: on average the model gave each of its notes and chords a "
                f"{candidate_confidence(c):.0%} chance (mean log-probability {c.score:.2f}); "
                f"rank {c.rank} is the assistant's order\n"
                f"Chords: {progression_text(c, score) or '-'}\n"
                f"Model {p.get('model')}, seed {p.get('seed')}")

    def _update_buttons(self) -> None:
        has = bool(self._candidates)
        for w in (self.accept_button, self.partial_button, self.reject_button, self.audition_button,
                  self.drag_button):
            w.setEnabled(has)

    def _on_more_toggled(self, on: bool) -> None:
        self.more.setVisible(on)
        self.more_button.setArrowType(Qt.ArrowType.DownArrow if on else Qt.ArrowType.RightArrow)

    def _on_task_combo_changed(self, _index: int) -> None:
        task = self.task_combo.currentData()
        self.bars_spin.setEnabled(task in ("continue", "chords"))

