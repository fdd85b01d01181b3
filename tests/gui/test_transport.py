"""The transport toolbar with real key presses: Space plays and stops, Home returns to start,
L loops the roll's loop region, M adds clicks, panic silences; the roll's playhead follows."""

from __future__ import annotations

import pytest

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMainWindow  # noqa: E402

from composer_app.document import ScoreDocument  # noqa: E402
from composer_app.gui.pianoroll import PianoRollWidget  # noqa: E402
from composer_app.gui.transport import TransportBar  # noqa: E402
from output_doubles import RecordingOutput  # noqa: E402
from composer_app.playback.qt_player import QtPlayer  # noqa: E402
from composer_app.score import Chord, ChordSymbol, Note, Score, Tempo, Track  # noqa: E402

pytestmark = pytest.mark.gui


def held(messages):
    h = set()
    for m in messages:
        if m.type == "note_on" and m.velocity:
            h.add((m.channel, m.note))
        elif m.type in ("note_on", "note_off"):
            h.discard((m.channel, m.note))
        elif m.type == "control_change" and m.control in (120, 123):
            h = {k for k in h if k[0] != m.channel}
    return h


@pytest.fixture
def setup(qtbot):
    notes = tuple(Note(60 + i, i * 480, 480) for i in range(8))
    score = Score(tracks=(Track(notes=notes),), chords=(Chord(ChordSymbol.parse("C"), 0, 3840),),
                  tempos=(Tempo(240.0),))  # two bars = 2 s
    doc = ScoreDocument(score)
    window = QMainWindow()
    roll = PianoRollWidget(doc, window)
    window.setCentralWidget(roll)
    out = RecordingOutput()
    player = QtPlayer(out)
    bar = TransportBar(player, doc, roll=roll, parent=window)
    window.addToolBar(bar)
    messages = []
    bar.messageShown.connect(messages.append)
    qtbot.addWidget(window)
    window.resize(900, 500)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    roll.view.setFocus()
    yield doc, window, roll, out, player, bar, messages
    player.close()


def msgs(out):
    return [m for _, m in out.messages]


def test_space_plays_and_stops_and_the_playhead_follows(qtbot, setup):
    doc, window, roll, out, player, bar, _ = setup
    qtbot.keyClick(roll.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.is_playing, timeout=3000)
    assert bar.actions_by_name["play"].text() == "&Stop" or player.is_playing
    qtbot.waitUntil(lambda: roll.playhead > 480, timeout=5000)
    qtbot.keyClick(roll.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: player.state == "stopped", timeout=3000)
    stopped_at = roll.playhead
    assert stopped_at > 480
    assert not held(msgs(out))
    # Home returns to start; Space plays from there again.
    qtbot.keyClick(roll.view, Qt.Key.Key_Home)
    assert roll.playhead == 0 and bar.position_label.text() == "1.1"
    n = len(out.messages)
    qtbot.keyClick(roll.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: any(m.type == "note_on" and m.note == 60 for m in msgs(out)[n:]), timeout=3000)
    player.stop()


def test_loop_key_loops_the_roll_region_and_metronome_key_clicks(qtbot, setup):
    doc, window, roll, out, player, bar, _ = setup
    roll.set_loop_region(960, 1920)  # notes 62 and 63
    qtbot.keyClick(roll.view, Qt.Key.Key_L)
    assert bar.actions_by_name["loop"].isChecked()
    qtbot.keyClick(roll.view, Qt.Key.Key_M)
    assert player.metronome
    roll.set_playhead(960)
    qtbot.keyClick(roll.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: [m.note for m in msgs(out) if m.type == "note_on" and m.channel == 0].count(62) >= 3,
                    timeout=6000)
    melody = [m.note for m in msgs(out) if m.type == "note_on" and m.velocity and m.channel == 0]
    assert set(melody) == {62, 63}
    assert any(m.channel == 9 and m.type == "note_on" for m in msgs(out))
    bar.actions_by_name["panic"].trigger()
    assert "All notes off" in setup[6]
    player.stop()
    assert not held(msgs(out))


def test_ruler_seek_while_playing_and_edits_are_heard(qtbot, setup):
    doc, window, roll, out, player, bar, _ = setup
    bar.actions_by_name["loop"].setChecked(True)
    bar.actions_by_name["play"].trigger()
    qtbot.waitUntil(lambda: player.is_playing, timeout=3000)
    roll.seekRequested.emit(1440)
    qtbot.waitUntil(lambda: roll.playhead >= 1440, timeout=3000)
    # An edit while playing is heard on the next pass (the loop keeps going).
    from dataclasses import replace

    n = len(out.messages)
    new_notes = [replace(n_, pitch=n_.pitch + 12) for n_ in doc.score.melody.notes]
    doc.edit("Octave up", doc.score.with_notes(new_notes))
    qtbot.waitUntil(lambda: any(m.type == "note_on" and m.note == 72 for m in msgs(out)[n:]), timeout=6000)
    assert player.is_playing
    # Opening another score stops playback and returns to the start.
    doc.load(Score())
    assert player.state == "stopped" and roll.playhead == 0
    assert not held(msgs(out))


def test_play_selection_needs_a_selection(qtbot, setup):
    doc, window, roll, out, player, bar, messages = setup
    qtbot.keyClick(roll.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    assert messages and "Select" in messages[-1]
    doc.select(notes=[doc.score.melody.notes[3].id])
    qtbot.keyClick(roll.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: player.state == "stopped" and any(m.type == "note_on" for m in msgs(out)), timeout=5000)
    assert [m.note for m in msgs(out) if m.type == "note_on" and m.velocity and m.channel == 0] == [63]
