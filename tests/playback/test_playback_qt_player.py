"""The Qt player: signals arrive on the GUI thread; candidates loop and switch; errors become messages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playback_helpers import held_notes

from composer_app.playback.errors import PortGoneError
from output_doubles import RecordingOutput
from composer_app.score import Note, Score, Tempo, Track

from PySide6.QtCore import QThread  # noqa: E402

from composer_app.playback.qt_player import QtPlayer  # noqa: E402


@pytest.fixture
def fast_tune(tune):
    return replace(tune, tempos=(Tempo(480.0),))  # two bars in 1 s


def test_play_score_signals_on_the_gui_thread(qtbot, fast_tune):
    out = RecordingOutput()
    player = QtPlayer(out)
    threads, ticks, states = set(), [], []
    player.positionChanged.connect(lambda t: (ticks.append(t), threads.add(QThread.currentThread())))
    player.stateChanged.connect(states.append)
    try:
        with qtbot.waitSignal(player.stateChanged, timeout=5000, check_params_cb=lambda s: s == "stopped"):
            player.play_score(fast_tune)
        assert states[0] == "playing" and states[-1] == "stopped"
        assert threads == {QThread.currentThread()}  # the test runs on the GUI thread
        assert len(ticks) > 5 and ticks[-1] >= 3800
        assert sum(1 for _, m in out.messages if m.type == "note_on" and m.velocity) == 5 + 8
        assert not held_notes([m for _, m in out.messages])
    finally:
        player.close()


def test_candidate_loops_and_switching_keeps_looping(qtbot, fast_tune):
    out = RecordingOutput()
    player = QtPlayer(out)
    try:
        cand_a = [Note(84, 1920, 960), Note(86, 2880, 960)]
        cand_b = [Note(48, 1920, 960), Note(50, 2880, 960)]
        player.play_candidate(fast_tune, 1920, cand_a, lead_in_bars=1)
        assert player.loop
        qtbot.waitUntil(lambda: sum(1 for _, m in out.messages if m.type == "note_on" and m.note == 69) >= 2, timeout=5000)
        player.switch_candidate(cand_b)
        n = len(out.messages)
        qtbot.waitUntil(lambda: any(m.type == "note_on" and m.note == 48 for _, m in out.messages[n:]), timeout=5000)
        assert player.is_playing
        assert not any(m.type == "note_on" and m.note in (84, 86) for _, m in out.messages[n + 40:])
        player.stop()
        assert player.state == "stopped"
        assert not held_notes([m for _, m in out.messages])
    finally:
        player.close()


def test_metronome_toggle_while_playing_and_seek(qtbot, tune):
    out = PanicMarkingOutput()
    player = QtPlayer(out)
    try:
        player.play_score(tune, loop=True)
        player.set_metronome(True)
        qtbot.waitUntil(lambda: any(m.type == "note_on" and m.channel == 9 for _, m in out.messages), timeout=5000)
        with qtbot.waitSignal(player.positionChanged, timeout=2000):
            player.seek(1920)
        assert abs(player.position_tick() - 1920) < 480
        # The loop keeps playing after the panic, so a note may start right after it: what must
        # hold is that nothing sounds at the moment of the panic (its messages come in one block
        # under the scheduler's lock), and nothing once stopped.
        player.panic()
        at_panic = out.panics[-1]
        assert player.is_playing
        assert not held_notes(out.snapshot()[:at_panic])
        player.stop()
        assert not held_notes(out.snapshot())
    finally:
        player.close()


class PanicMarkingOutput(RecordingOutput):
    """Also notes how many messages it had when each panic ended."""

    def __init__(self):
        super().__init__()
        self.panics: list[int] = []

    def panic(self):
        super().panic()
        self.panics.append(len(self.messages))


class VanishingOutput(RecordingOutput):
    def send(self, msg):
        if msg.type == "note_on" and msg.velocity and msg.note == 76:
            raise PortGoneError("USB Keyboard MIDI 1", "device unplugged")
        super().send(msg)


def test_output_error_becomes_a_message_signal(qtbot, fast_tune):
    player = QtPlayer(VanishingOutput())
    try:
        with qtbot.waitSignal(player.errorOccurred, timeout=5000) as blocker:
            player.play_score(fast_tune)
        assert "USB Keyboard MIDI 1" in blocker.args[0] and "disappeared" in blocker.args[0]
        qtbot.waitUntil(lambda: player.state == "stopped", timeout=2000)
        assert not held_notes([m for _, m in player.output.messages])
    finally:
        player.close()


def test_empty_score_plays_nothing_and_stops(qtbot):
    player = QtPlayer(RecordingOutput())
    try:
        player.play_score(Score(tracks=(Track(notes=()),)))
        qtbot.waitUntil(lambda: player.state == "stopped", timeout=2000)
    finally:
        player.close()


def test_preview_note_ends_by_itself_and_on_panic(qtbot):
    out = RecordingOutput()
    player = QtPlayer(out)
    try:
        player.preview_note(64, 100, channel=2, duration_ms=50, program=11)
        assert (2, 64) in player.scheduler.sounding
        qtbot.waitUntil(lambda: not player.scheduler.sounding, timeout=2000)
        kinds = [(m.type, getattr(m, "note", None)) for _, m in out.messages]
        assert kinds == [("program_change", None), ("note_on", 64), ("note_off", 64)]
        player.preview_note(65, duration_ms=5000)
        player.panic()
        assert not held_notes([m for _, m in out.messages])
    finally:
        player.close()
