"""Sound & MIDI in the real main window: outputs from the settings (with clear messages when parts
are missing), previews, and a MIDI keyboard on a real JACK port recorded as one undo step or
entered step by step."""

from __future__ import annotations

import time
import uuid

import pytest
from playback_helpers import held_notes

from PySide6.QtWidgets import QApplication  # noqa: E402

from composer_app.document import ScoreDocument  # noqa: E402
from composer_app.gui.main_window import MainWindow  # noqa: E402
from composer_app.gui.sound import SoundSettingsDialog, install_sound  # noqa: E402
from composer_app.playback.outputs import MidiPortOutput, NullOutput  # noqa: E402
from output_doubles import RecordingOutput  # noqa: E402
from composer_app.score import Note, Score, Tempo, Track  # noqa: E402
from composer_app.settings import Settings  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def win(qtbot):
    doc = ScoreDocument(Score(tracks=(Track(notes=(Note(60, 0, 480),), program=40, channel=2),),
                              tempos=(Tempo(240.0),)))
    settings = Settings()
    window = MainWindow(doc, settings)
    yield window, doc, settings
    doc.undo_stack.setClean()  # no "save changes?" prompt when the test closes the window
    window.close()
    window.deleteLater()


def test_menu_toolbar_status_and_preview(win, qtbot):
    window, doc, settings = win
    out = RecordingOutput()
    sound = install_sound(window, doc, settings, output=out)
    titles = [a.text() for a in window.menuBar().actions()]
    assert "&Transport" in titles and titles.index("&Transport") < titles.index("&Help")
    texts = [a.text() for a in sound.menu.actions() if a.text()]
    assert "&Record MIDI Take" in texts and "Sound && &MIDI Settings..." in texts
    assert sound.status_label.text() == "Sound: recording" or sound.status_label.text().startswith("Sound:")
    window.roll.keyClicked.emit(67)  # a click on the roll's keyboard is heard with the track's sound
    first = [m for _, m in out.messages][:2]
    assert [(m.type, m.channel) for m in first] == [("program_change", 2), ("note_on", 2)]
    assert first[0].program == 40 and first[1].note == 67
    qtbot.waitUntil(lambda: not held_notes([m for _, m in out.messages]), timeout=3000)
    sound.close()


def test_missing_devices_leave_a_message_and_a_working_editor(win, monkeypatch):
    window, doc, settings = win
    settings.audio_driver = "no-such-driver"
    settings.midi_output = "no port called like this"
    settings.midi_api = "auto"
    sound = install_sound(window, doc, settings)
    try:
        assert isinstance(sound.player.output, NullOutput)
        joined = " | ".join(sound.problems)
        assert "no audio output could be opened" in joined or "FluidSynth not found" in joined
        assert "no port called like this" in joined or "MIDI system" in joined
        assert window.statusBar().currentMessage() == sound.problems[0]
        sound.player.play_score(doc.score)  # playing to nothing still runs the transport
        sound.player.stop()
    finally:
        sound.close()


def test_record_with_nothing_to_record_from_says_what_to_do(win):
    window, doc, settings = win
    messages = []
    sound = install_sound(window, doc, settings, output=RecordingOutput())
    sound.messageShown.connect(messages.append)
    sound.actions_by_name["record"].trigger()
    assert not sound.actions_by_name["record"].isChecked()
    assert messages and "MIDI input" in messages[-1]
    sound.close()


def test_settings_dialog_saves_choices(win, qtbot):
    window, doc, settings = win
    dialog = SoundSettingsDialog(settings, window)
    qtbot.addWidget(dialog)
    dialog.synth.setChecked(False)
    dialog.gain.setValue(1.2)
    dialog.output.setCurrentText("Yoshimi")
    dialog.virtual_in.setChecked(True)
    dialog.count_in.setValue(2)
    dialog.save()
    fresh = Settings()
    assert (fresh.synth_enabled, fresh.synth_gain, fresh.midi_output, fresh.midi_virtual_input, fresh.count_in_bars) == (
        False, pytest.approx(1.2), "Yoshimi", True, 2)


def _keyboard(server_port_prefix):
    import rtmidi

    kb = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"kbd {uuid.uuid4().hex[:6]}")
    names = kb.get_ports()
    hits = [n for n in names if n.startswith(server_port_prefix)]
    assert hits, names
    kb.open_port(names.index(hits[0]), "out")
    return kb


def _play(kb, plan, t0):
    """plan: (pitch, on, off) seconds after t0; keeps the Qt event loop running meanwhile."""
    events = sorted([(on, [0x90, p, 100]) for p, on, _ in plan] + [(off, [0x80, p, 0]) for p, _, off in plan])
    for at, data in events:
        while time.perf_counter() < t0 + at:
            QApplication.processEvents()
            time.sleep(0.002)
        kb.send_message(data)


@pytest.mark.jack
def test_record_a_take_from_a_jack_keyboard_is_one_undo_step(win, qtbot, jack_server):
    window, doc, settings = win
    settings.synth_enabled = False
    settings.midi_api = "jack"
    settings.midi_virtual_input = True
    settings.midi_virtual_output = True
    settings.count_in_bars = 0
    sound = install_sound(window, doc, settings)
    kb = None
    try:
        assert isinstance(sound.player.output, MidiPortOutput) and sound.player.output.virtual
        assert sound.midi_input is not None and "MIDI in" in sound.status_label.text()
        kb = _keyboard(f"{sound.midi_input.client_name}:")
        time.sleep(0.2)
        window.roll.set_grid("1/8")
        window.roll.set_playhead(1920)  # bar 2
        undo_before = doc.undo_stack.count()
        sound.actions_by_name["record"].trigger()
        assert sound.player.is_playing
        t0 = sound._record_t0
        # 240 bpm: an eighth is 0.125 s. Play E4 G4 on the first two eighths of bar 2.
        _play(kb, [(64, 0.0, 0.1), (67, 0.125, 0.23)], t0)
        qtbot.wait(150)
        sound.actions_by_name["record"].trigger()  # stop recording
        assert doc.undo_stack.count() == undo_before + 1
        got = sorted((n.pitch, n.start, n.duration) for n in doc.score.melody.notes)
        assert got == [(60, 0, 480), (64, 1920, 240), (67, 2160, 240)]
        doc.undo_stack.undo()
        assert [n.pitch for n in doc.score.melody.notes] == [60]
    finally:
        if kb is not None:
            kb.close_port()
            kb.delete()
        sound.close()


@pytest.mark.jack
def test_step_input_from_a_jack_keyboard(win, qtbot, jack_server):
    window, doc, settings = win
    settings.synth_enabled = False
    settings.midi_api = "jack"
    settings.midi_virtual_input = True
    sound = install_sound(window, doc, settings)
    kb = None
    try:
        kb = _keyboard(f"{sound.midi_input.client_name}:")
        time.sleep(0.2)
        window.roll.set_grid("1/4")
        window.roll.set_playhead(480)
        sound.actions_by_name["step_input"].trigger()
        t0 = time.perf_counter()
        _play(kb, [(62, 0.0, 0.05), (65, 0.1, 0.2), (69, 0.1, 0.2)], t0)  # D, then an F-A chord
        qtbot.waitUntil(lambda: len(doc.score.melody.notes) == 4, timeout=3000)
        qtbot.waitUntil(lambda: window.roll.playhead == 1440, timeout=3000)
        got = sorted((n.pitch, n.start, n.duration) for n in doc.score.melody.notes)
        assert got == [(60, 0, 480), (62, 480, 480), (65, 960, 480), (69, 960, 480)]
    finally:
        if kb is not None:
            kb.close_port()
            kb.delete()
        sound.close()


@pytest.mark.jack
def test_midi_thru_follows_the_track_of_a_newly_opened_score(win, qtbot, jack_server):
    window, doc, settings = win
    settings.synth_enabled = False
    settings.midi_api = "jack"
    settings.midi_virtual_input = True
    settings.midi_virtual_output = True
    sound = install_sound(window, doc, settings)
    try:
        assert sound.midi_input is not None and sound.midi_input.thru_channel == 2
        doc.load(Score(tracks=(Track(name="Cello", channel=5, program=42),)))  # File > Open of another piece
        assert sound.midi_input.thru_channel == 5
    finally:
        sound.close()
