"""Score and track properties panel: every change is one undoable ``ScoreDocument.edit``.

Score: title, tempo, time signature, key and mode. Tracks: list (select = current track; double
click or the name field renames), add, remove, MIDI channel, General MIDI instrument, mute. Chord lane:
instrument and channel. The panel only reads the document and pushes edits; it redraws from the
document's signals, so undo/redo show up here too.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from ...document import ScoreDocument
from ...score import Score
from ...score.gm import GM_PROGRAMS, program_label
from . import properties_ops as ops
from .score_meta import ScoreMetaEditor


def _gm_combo() -> QComboBox:
    combo = QComboBox()
    for program in range(len(GM_PROGRAMS)):
        combo.addItem(program_label(program), program)
    combo.setMaxVisibleItems(20)
    return combo


class PropertiesPanel(QWidget):
    """The dock contents. ``messageShown`` carries refusals (bad meter text, last track)."""

    messageShown = Signal(str)

    def __init__(self, document: ScoreDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self.setObjectName("propertiesPanel")
        layout = QVBoxLayout(self)

        # ---- score ----------------------------------------------------------------------
        score_box = QGroupBox("Score")
        form = QFormLayout(score_box)
        self.title_edit = QLineEdit(placeholderText="Untitled")
        self.meta = ScoreMetaEditor(document, self)
        self.meta.messageShown.connect(self.messageShown)
        self.tempo_spin, self.meter_combo = self.meta.tempo_spin, self.meta.meter_combo
        self.tonic_combo, self.mode_combo = self.meta.tonic_combo, self.meta.mode_combo
        key_row = QHBoxLayout()
        key_row.addWidget(self.tonic_combo)
        key_row.addWidget(self.mode_combo, 1)
        form.addRow("Title", self.title_edit)
        form.addRow("Tempo", self.tempo_spin)
        form.addRow("Time signature", self.meter_combo)
        form.addRow("Key", key_row)
        layout.addWidget(score_box)

        # ---- tracks ---------------------------------------------------------------------
        tracks_box = QGroupBox("Tracks")
        tv = QVBoxLayout(tracks_box)
        self.track_list = QListWidget()
        self.track_list.setEditTriggers(QListWidget.EditTrigger.DoubleClicked | QListWidget.EditTrigger.EditKeyPressed)
        self.track_list.setMaximumHeight(130)
        tv.addWidget(self.track_list)
        buttons = QHBoxLayout()
        self.add_track_button = QPushButton("Add track")
        self.remove_track_button = QPushButton("Remove track")
        buttons.addWidget(self.add_track_button)
        buttons.addWidget(self.remove_track_button)
        tv.addLayout(buttons)
        tform = QFormLayout()
        self.track_name_edit = QLineEdit()
        self.channel_spin = QSpinBox(minimum=1, maximum=16)
        self.channel_spin.setKeyboardTracking(False)
        self.program_combo = _gm_combo()
        self.mute_check = QCheckBox("Muted (silent in playback)")
        tform.addRow("Name", self.track_name_edit)
        tform.addRow("MIDI channel", self.channel_spin)
        tform.addRow("Instrument", self.program_combo)
        tform.addRow("", self.mute_check)
        tv.addLayout(tform)
        layout.addWidget(tracks_box)

        # ---- chord lane -----------------------------------------------------------------
        chord_box = QGroupBox("Chord lane")
        cform = QFormLayout(chord_box)
        self.chord_program_combo = _gm_combo()
        self.chord_channel_spin = QSpinBox(minimum=1, maximum=16)
        self.chord_channel_spin.setKeyboardTracking(False)
        cform.addRow("Instrument", self.chord_program_combo)
        cform.addRow("MIDI channel", self.chord_channel_spin)
        layout.addWidget(chord_box)
        layout.addStretch(1)

        # ---- wiring ---------------------------------------------------------------------
        self.title_edit.editingFinished.connect(self._on_title_edit_editingFinished)
        self.track_list.currentRowChanged.connect(self._on_track_list_currentRowChanged)
        self.track_list.itemChanged.connect(self._on_track_list_itemChanged)
        self.add_track_button.clicked.connect(self._on_add_track_clicked)
        self.remove_track_button.clicked.connect(self._on_remove_track_clicked)
        self.track_name_edit.editingFinished.connect(self._on_track_name_edit_editingFinished)
        self.channel_spin.valueChanged.connect(self._on_channel_spin_valueChanged)
        self.program_combo.activated.connect(self._on_program_combo_activated)
        self.mute_check.toggled.connect(self._on_mute_check_toggled)
        self.chord_program_combo.activated.connect(self._on_chord_program_combo_activated)
        self.chord_channel_spin.valueChanged.connect(self._on_chord_channel_spin_valueChanged)
        document.scoreChanged.connect(self._on_doc_scoreChanged)
        document.scoreReset.connect(self.refresh)
        document.currentTrackChanged.connect(lambda _id: self.refresh())
        self.refresh()

    # ---- document -> widgets -------------------------------------------------------------
    def refresh(self) -> None:
        s = self.doc.score
        self.meta.refresh()
        widgets = (self.title_edit, self.track_list, self.track_name_edit, self.channel_spin, self.program_combo,
                   self.mute_check, self.chord_program_combo, self.chord_channel_spin)
        blockers = [QSignalBlocker(w) for w in widgets]
        try:
            self.title_edit.setText(s.title)
            current = self.doc.current_track
            self.track_list.clear()
            for t in s.tracks:
                item = QListWidgetItem(t.name)
                item.setData(Qt.ItemDataRole.UserRole, t.id)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                self.track_list.addItem(item)
            self.track_list.setCurrentRow(s.track_index(current.id))
            self.track_name_edit.setText(current.name)
            self.channel_spin.setValue(current.channel + 1)
            self.program_combo.setCurrentIndex(current.program)
            self.mute_check.setChecked(current.muted)
            self.chord_program_combo.setCurrentIndex(s.chord_program)
            self.chord_channel_spin.setValue(s.chord_channel + 1)
            self.remove_track_button.setEnabled(len(s.tracks) > 1)
        finally:
            del blockers

    def _on_doc_scoreChanged(self, diff) -> None:
        if diff.meta_changed or diff.tracks_changed:
            self.refresh()

    # ---- widgets -> one edit each ----------------------------------------------------------
    def _edit(self, text: str, new_score: Score) -> None:
        if not self.doc.edit(text, new_score):
            self.refresh()  # nothing changed: show the document's values again

    def _refuse(self, message: str) -> None:
        self.messageShown.emit(message)
        self.refresh()

    def _on_title_edit_editingFinished(self) -> None:
        if self.title_edit.text().strip() != self.doc.score.title:
            self._edit("Change title", ops.set_title(self.doc.score, self.title_edit.text()))

    def _current_track_id(self) -> int:
        return self.doc.current_track.id

    def _on_track_list_currentRowChanged(self, row: int) -> None:
        if 0 <= row < len(self.doc.score.tracks):
            self.doc.set_current_track(self.doc.score.tracks[row].id)

    def _on_track_list_itemChanged(self, item: QListWidgetItem) -> None:
        self._rename(item.data(Qt.ItemDataRole.UserRole), item.text())

    def _on_track_name_edit_editingFinished(self) -> None:
        self._rename(self._current_track_id(), self.track_name_edit.text())

    def _rename(self, track_id: int, name: str) -> None:
        if name.strip() == self.doc.score.track_by_id(track_id).name:
            return
        try:
            new = ops.update_track(self.doc.score, track_id, name=name)
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self._edit(f"Rename track to “{name.strip()}”", new)

    def _on_add_track_clicked(self) -> None:
        new, track = ops.add_track(self.doc.score)
        self.doc.edit(f"Add track “{track.name}”", new)
        self.doc.set_current_track(track.id)

    def _on_remove_track_clicked(self) -> None:
        track = self.doc.current_track
        try:
            new = ops.remove_track(self.doc.score, track.id)
        except ValueError as exc:
            self._refuse(str(exc))
            return
        self.doc.edit(f"Remove track “{track.name}”", new)

    def _on_channel_spin_valueChanged(self, value: int) -> None:
        track = self.doc.current_track
        if value - 1 != track.channel:
            self._edit(f"Set {track.name} channel {value}", ops.update_track(self.doc.score, track.id, channel=value - 1))

    def _on_program_combo_activated(self, index: int) -> None:
        track = self.doc.current_track
        if index != track.program:
            self._edit(f"Set {track.name} instrument {GM_PROGRAMS[index]}",
                       ops.update_track(self.doc.score, track.id, program=index))

    def _on_mute_check_toggled(self, on: bool) -> None:
        track = self.doc.current_track
        if on != track.muted:
            self._edit(f"{'Mute' if on else 'Unmute'} {track.name}", ops.update_track(self.doc.score, track.id, muted=on))

    def _on_chord_program_combo_activated(self, index: int) -> None:
        if index != self.doc.score.chord_program:
            self._edit(f"Set chord instrument {GM_PROGRAMS[index]}", ops.set_chord_instrument(self.doc.score, program=index))

    def _on_chord_channel_spin_valueChanged(self, value: int) -> None:
        if value - 1 != self.doc.score.chord_channel:
            self._edit(f"Set chord channel {value}", ops.set_chord_instrument(self.doc.score, channel=value - 1))
