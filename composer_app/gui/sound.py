"""Sound & MIDI in the main window: the player and its outputs, the transport toolbar and menu, a
status-bar read-out of the outputs, note previews, MIDI keyboard input (thru, recording a take as
one undo step, step input) and the Sound & MIDI settings dialog.

``app.py`` calls :func:`install_sound` once; the suggestion panel uses ``sound.player``
(``play_candidate`` / ``switch_candidate`` / ``stop``).
"""

from __future__ import annotations

import collections
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout,
    QLabel, QLineEdit, QPushButton, QSpinBox, QWidget,
)

from .wording import plural, plural_suffix

from ..playback.errors import PlaybackError
from ..playback.events import TempoMap
from ..playback.midi_input import MidiInput, Recorder, StepInput
from ..playback.outputs import (
    FluidSynthOutput, MidiPortOutput, MultiOutput, NullOutput, Output, OutputConfig, audio_drivers_for_platform,
    list_ports, open_outputs,
)
from ..playback.qt_player import PLAYING, QtPlayer
from .transport import TransportBar


def config_from_settings(settings) -> OutputConfig:
    return OutputConfig(
        synth=settings.synth_enabled, soundfont=settings.soundfont or None, gain=settings.synth_gain,
        audio_driver=settings.audio_driver or None, midi_port=settings.midi_output or None,
        virtual_port=settings.midi_virtual_output, api=settings.midi_api or "auto",
    )


def describe_output(output: Output) -> str:
    """Short status-bar text for the current outputs (``Sound: off`` when nothing plays)."""
    parts = output.outputs if isinstance(output, MultiOutput) else [output]
    names = []
    for o in parts:
        if isinstance(o, FluidSynthOutput):
            names.append(f"FluidSynth ({o.driver_name})")
        elif isinstance(o, MidiPortOutput):
            names.append(f"MIDI '{o.name}'" + (" (virtual)" if o.virtual else ""))
        elif isinstance(o, NullOutput):
            names.append("off")
    return "Sound: " + ", ".join(names)


#: MIDI systems offered in the settings, per platform (CoreMIDI exists only on macOS).
def midi_api_choices(platform: str | None = None) -> list[tuple[str, str]]:
    import sys

    platform = platform or sys.platform
    if platform == "darwin":
        return [("Automatic", "auto"), ("CoreMIDI", "coremidi")]
    if platform.startswith("win"):
        return [("Automatic", "auto")]
    return [("Automatic", "auto"), ("ALSA", "alsa"), ("JACK", "jack")]


class SoundController(QObject):
    #: A message for the status bar.
    messageShown = Signal(str)

    def __init__(self, window, document, settings, *, output: Output | None = None, open_devices: bool = True):
        super().__init__(window)
        self.window, self.doc, self.settings = window, document, settings
        self.player = QtPlayer(output or NullOutput(), parent=self)
        self.transport = TransportBar(self.player, document, roll=window.roll, parent=window)
        window.addToolBarBreak()  # the transport gets a row of its own: everything fits at 1280 pixels
        window.addToolBar(self.transport)
        self.problems: list[str] = []
        self.midi_input: MidiInput | None = None
        # MIDI input arrives on rtmidi's thread: it is only appended here and handled by a GUI-thread
        # timer (no Qt calls from foreign threads; see playback/qt_player.py).
        self._input_inbox: collections.deque = collections.deque()
        self._input_timer = QTimer(self)
        self._input_timer.setInterval(10)
        self._input_timer.timeout.connect(self._on_input_timer_timeout)
        self._recorder: Recorder | None = None
        self._record_t0 = 0.0
        self._step: StepInput | None = None

        self.status_label = QPushButton("Sound: off", window)
        self.status_label.setObjectName("soundStatus")
        self.status_label.setFlat(True)
        self.status_label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.status_label.clicked.connect(self._on_status_clicked)
        window.add_status_widget(self.status_label)
        self._warned_silent = False

        self.actions_by_name: dict[str, QAction] = dict(self.transport.actions_by_name)
        self._add_action("record", "&Record MIDI Take", "Ctrl+R", self._on_record_toggled, checkable=True)
        self._add_action("step_input", "S&tep Input", "Ctrl+Shift+R", self._on_step_toggled, checkable=True)
        self._add_action("sound_settings", "Sound && &MIDI Settings...", None, self._on_settings_triggered)
        menu = window.add_menu("&Transport")
        menu.addActions(self.transport.menu_actions())
        menu.addSeparator()
        menu.addActions([self.actions_by_name[n] for n in ("record", "step_input")])
        menu.addSeparator()
        menu.addAction(self.actions_by_name["sound_settings"])
        self.menu = menu

        self.transport.messageShown.connect(window.status_message)
        self.transport.positionChanged.connect(window.show_position)
        self.messageShown.connect(window.status_message)
        self.player.stateChanged.connect(self._on_player_stateChanged)
        window.roll.keyClicked.connect(self._on_roll_keyClicked)
        window.roll.notePreviewed.connect(self._on_roll_notePreviewed)
        window.closed.connect(self.close)
        document.currentTrackChanged.connect(self._on_document_currentTrackChanged)
        document.scoreReset.connect(self._on_document_currentTrackChanged)  # a new file: its first track
        self.transport.actions_by_name["metronome"].setChecked(settings.metronome)
        self.transport.actions_by_name["metronome"].toggled.connect(self._on_metronome_toggled)
        if output is not None:
            self._show_output()
        elif open_devices:
            self.apply_settings()

    # ---- outputs and input ---------------------------------------------------------------------
    def apply_settings(self) -> None:
        """(Re)open the outputs and the MIDI input from the settings; problems go to the status bar."""
        output, problems = open_outputs(config_from_settings(self.settings))
        self.player.set_output(output)
        self.problems = problems
        self._open_input()
        self._show_output()

    def _open_input(self) -> None:
        if self.midi_input is not None:
            self.midi_input.close()
            self.midi_input = None
        self._input_timer.stop()
        port, virtual = self.settings.midi_input or None, self.settings.midi_virtual_input
        if not port and not virtual:
            return
        try:
            self.midi_input = MidiInput(port, virtual=virtual, api=self.settings.midi_api or "auto",
                                        on_message=lambda m, t: self._input_inbox.append((m, t)), thru=self.player.output,
                                        thru_channel=self.doc.current_track.channel)
        except PlaybackError as exc:
            self.problems.append(str(exc))
            return
        self._input_timer.start()
        self._on_document_currentTrackChanged()

    def _on_document_currentTrackChanged(self, _track_id: int | None = None) -> None:
        """MIDI thru plays with the current track's channel and instrument."""
        if self.midi_input is None:
            return
        import mido

        track = self.doc.current_track
        self.midi_input.thru_channel = track.channel
        try:
            self.player.output.send(mido.Message("program_change", channel=track.channel, program=track.program))
        except PlaybackError as exc:
            self.messageShown.emit(str(exc))

    def has_output(self) -> bool:
        """Whether anything sounds: a synth or a MIDI port is open."""
        return not isinstance(self.player.output, NullOutput)

    def no_output_reason(self) -> str:
        """Why nothing sounds, and what to do, in one complete sentence or two."""
        if self.problems:
            return "; ".join(p.rstrip(". ") for p in self.problems) + \
                ". Choose another output in Transport > Sound & MIDI Settings."
        return ("FluidSynth is turned off and no MIDI port is chosen: turn one on in "
                "Transport > Sound & MIDI Settings.")

    def _show_output(self) -> None:
        text = describe_output(self.player.output)
        if self.midi_input is not None:
            text += f"; MIDI in '{self.midi_input.name}'"
        silent = not self.has_output()
        if silent:
            text += " (why?)"
        self.status_label.setText(text)
        self.status_label.setToolTip((self.no_output_reason() if silent else "\n".join(self.problems) or text)
                                     + "\nClick for Sound & MIDI settings.")
        if self.problems:
            self.window.status_message(self.problems[0])
            self._notice()

    def _notice(self) -> None:
        """Every problem in full above the roll, with a button to the settings."""
        show = getattr(self.window, "show_notice", None)
        if show is None:
            return
        head = "No sound: " if not self.has_output() else "Some sound outputs could not be opened: "
        show(head + self.no_output_reason(), ("Sound && MIDI Settings…", self._on_settings_triggered))

    def _on_status_clicked(self) -> None:
        if not self.has_output() or self.problems:
            self._notice()
        else:
            self._on_settings_triggered()

    def close(self) -> None:
        if self.midi_input is not None:
            self.midi_input.close()
            self.midi_input = None
        self._input_timer.stop()
        self.player.close()

    # ---- previews --------------------------------------------------------------------------------
    def _preview(self, pitch: int, velocity: int = 90) -> None:
        if self.player.state == PLAYING:
            return  # playback is heard already
        track = self.doc.current_track
        self.player.preview_note(pitch, velocity, channel=track.channel, program=track.program)

    def preview_chord(self, symbol, velocity: int = 80) -> None:
        """Sound a chord symbol now (a palette button), voiced as playback voices it, on the chord lane's
        channel and instrument."""
        if self.player.state == PLAYING:
            return
        score = self.doc.score
        for i, pitch in enumerate(symbol.voicing()):
            if 0 <= pitch <= 127:
                self.player.preview_note(pitch, velocity, channel=score.chord_channel, duration_ms=700,
                                         program=score.chord_program if i == 0 else None)

    def _on_roll_keyClicked(self, pitch: int) -> None:
        self._preview(pitch)

    def _on_roll_notePreviewed(self, pitch: int, velocity: int) -> None:
        self._preview(pitch, velocity)

    def _on_metronome_toggled(self, on: bool) -> None:
        self.settings.metronome = on

    # ---- MIDI input: recording and step input ----------------------------------------------------
    def _on_input_timer_timeout(self) -> None:
        while self._input_inbox:
            self._on_input_received(*self._input_inbox.popleft())

    def _on_input_received(self, msg, t: float) -> None:
        if self._recorder is not None:
            self._recorder.feed(msg, t)
        if self._step is not None:
            note = self._step.feed(msg)
            if note is not None:
                track = self.doc.score.track_index(self.doc.current_track.id)
                notes = list(self.doc.score.tracks[track].notes) + [note]
                self.doc.edit("Step input", self.doc.score.with_notes(notes, track))
            if msg.type in ("note_on", "note_off"):
                self.window.roll.set_playhead(self._step.cursor)

    def _require_input(self, action: str) -> bool:
        if self.midi_input is None:
            self.actions_by_name[action].setChecked(False)
            self.messageShown.emit("Choose a MIDI input (or the virtual input) in Transport > Sound & MIDI Settings")
            return False
        return True

    def _on_record_toggled(self, on: bool) -> None:
        if on:
            if not self._require_input("record"):
                return
            self.actions_by_name["step_input"].setChecked(False)
            score = self.doc.score
            start = self.window.roll.playhead
            bars = max(0, self.settings.count_in_bars)
            meter = score.meter
            pre = meter.bar(max(0, meter.bar_at(start).index - bars)).start if bars else start
            tm = TempoMap.of(score)
            self._recorder = Recorder(tm, start_tick=start, grid=self.window.roll.grid_ticks,
                                      count_in=tm.seconds(start) - tm.seconds(pre))
            self._record_t0 = time.perf_counter()
            self._recorder.start(self._record_t0)
            self.player.play_score(score, from_tick=pre)
            self.messageShown.emit("Recording: play your MIDI keyboard; stop with Space or Ctrl+R")
        elif self._recorder is not None:
            self._finish_take()

    def _finish_take(self) -> None:
        rec, self._recorder = self._recorder, None
        self.player.stop()
        notes = rec.finish(time.perf_counter() - self._record_t0)
        if not notes:
            self.messageShown.emit("Nothing was recorded: no notes came from the MIDI input while recording.")
            return
        track = self.doc.score.track_index(self.doc.current_track.id)
        existing = list(self.doc.score.tracks[track].notes)
        self.doc.edit(f"Record {plural(len(notes), 'note')}", self.doc.score.with_notes(existing + notes, track))
        self.messageShown.emit(f"Recorded {plural(len(notes), 'note')} (Ctrl+Z undoes the take)")

    def _on_player_stateChanged(self, state: str) -> None:
        if state != PLAYING and self._recorder is not None:
            self.actions_by_name["record"].setChecked(False)  # runs _finish_take
        if state == PLAYING and not self.has_output() and not self._warned_silent:
            self._warned_silent = True  # once per session: the playhead moves, but say why it is silent
            self.messageShown.emit("Playing silently: " + self.no_output_reason())

    def _on_step_toggled(self, on: bool) -> None:
        if on:
            if not self._require_input("step_input"):
                return
            grid = self.window.roll.grid_ticks or 480
            self._step = StepInput(cursor=self.window.roll.playhead, grid=grid)
            self.messageShown.emit("Step input: each key adds a note of the grid length at the playhead")
        else:
            self._step = None

    # ---- settings dialog -------------------------------------------------------------------------
    def _on_settings_triggered(self) -> None:
        dialog = SoundSettingsDialog(self.settings, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            dialog.save()
            self.apply_settings()

    def _add_action(self, name, text, shortcut, slot, checkable=False) -> QAction:
        act = QAction(text, self.window)
        act.setObjectName(f"sound_{name}")
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        act.setCheckable(checkable)
        (act.toggled if checkable else act.triggered).connect(slot)
        self.window.addAction(act)
        self.actions_by_name[name] = act
        return act


class SoundSettingsDialog(QDialog):
    """Outputs (FluidSynth, soundfont, gain, audio driver, MIDI port, virtual port), the MIDI API,
    the MIDI input and the count-in."""

    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Sound & MIDI Settings")
        form = QFormLayout(self)
        self.synth = QCheckBox("Play through FluidSynth")
        self.synth.setChecked(settings.synth_enabled)
        form.addRow(self.synth)
        self.soundfont = QLineEdit(settings.soundfont)
        self.soundfont.setPlaceholderText("found automatically")
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.soundfont, 1)
        row.addWidget(browse)
        form.addRow("Soundfont:", row)
        self.gain = QDoubleSpinBox()
        self.gain.setRange(0.0, 5.0)
        self.gain.setSingleStep(0.1)
        self.gain.setValue(settings.synth_gain)
        form.addRow("Output gain:", self.gain)
        self.driver = QComboBox()
        self.driver.addItem("Automatic", "")
        for d in audio_drivers_for_platform():
            self.driver.addItem(d, d)
        self.driver.setCurrentIndex(max(0, self.driver.findData(settings.audio_driver)))
        form.addRow("Audio driver:", self.driver)
        self.api = QComboBox()
        for label, value in midi_api_choices():
            self.api.addItem(label, value)
        self.api.setCurrentIndex(max(0, self.api.findData(settings.midi_api)))
        form.addRow("MIDI system:", self.api)
        try:
            ports = list_ports(settings.midi_api or "auto")
        except PlaybackError as exc:
            ports = {"outputs": [], "inputs": []}
            form.addRow(QLabel(str(exc)))
        self.output = self._port_combo(ports["outputs"], settings.midi_output)
        form.addRow("MIDI output port:", self.output)
        self.virtual_out = QCheckBox('Open the virtual output "Composer Assistant" (for a DAW)')
        self.virtual_out.setChecked(settings.midi_virtual_output)
        form.addRow(self.virtual_out)
        self.input = self._port_combo(ports["inputs"], settings.midi_input)
        form.addRow("MIDI input port:", self.input)
        self.virtual_in = QCheckBox('Open the virtual input "Composer Assistant In"')
        self.virtual_in.setChecked(settings.midi_virtual_input)
        form.addRow(self.virtual_in)
        self.count_in = QSpinBox()
        self.count_in.setRange(0, 4)
        self.count_in.setValue(settings.count_in_bars)
        plural_suffix(self.count_in, "bar")
        form.addRow("Count-in when recording:", self.count_in)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    @staticmethod
    def _port_combo(names, current: str) -> QComboBox:
        combo = QComboBox()
        combo.setEditable(True)  # a unique part of a name is enough, and ports may come later
        combo.addItem("")
        combo.addItems(list(names))
        combo.setCurrentText(current)
        return combo

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a soundfont", self.soundfont.text(),
                                              "SoundFonts (*.sf2 *.sf3)")
        if path:
            self.soundfont.setText(path)

    def save(self) -> None:
        s = self.settings
        s.synth_enabled = self.synth.isChecked()
        s.soundfont = self.soundfont.text().strip()
        s.synth_gain = float(self.gain.value())
        s.audio_driver = self.driver.currentData() or ""
        s.midi_api = self.api.currentData() or "auto"
        s.midi_output = self.output.currentText().strip()
        s.midi_virtual_output = self.virtual_out.isChecked()
        s.midi_input = self.input.currentText().strip()
        s.midi_virtual_input = self.virtual_in.isChecked()
        s.count_in_bars = int(self.count_in.value())


def install_sound(window, document, settings, **kwargs) -> SoundController:
    """Attach sound & MIDI to a main window (the composition root calls this once)."""
    return SoundController(window, document, settings, **kwargs)
