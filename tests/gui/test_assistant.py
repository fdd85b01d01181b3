"""The assistant in the real window, driven with real key and mouse events, with a real model
built in the test: ask, step through, accept with one key, undo; harmonize; reject; partial
accept of clicked ghost notes; a bad model folder keeps the previous model."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from composer_app.generation import decisions
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track

from mw_helpers import close_window, model_window


def sketch() -> Score:
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 64, 62, 64, 67, 69, 67, 67]
    notes = tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))
    chords = tuple(Chord(ChordSymbol.parse(s), i * 1920, 1920) for i, s in enumerate(["G", "C", "Em", "D7"]))
    return Score(title="sketch", tracks=(Track(notes=notes),), chords=chords, key_signatures=(KeySignature("G"),))


@pytest.fixture
def window(qtbot, tiny_model_dir):
    w = model_window(qtbot, tiny_model_dir, sketch())
    yield w
    close_window(w)


def tiny_name(w) -> str:
    return w.assistant.service.model_info["name"]


def ask(qtbot, w, key=Qt.Key.Key_G, modifiers=Qt.KeyboardModifier.ControlModifier):
    ctl = w.assistant
    with qtbot.waitSignal(ctl.service.finished, timeout=60000):
        qtbot.keyClick(w.roll.view.viewport(), key, modifiers)
    qtbot.waitUntil(lambda: bool(ctl.panel.candidates))
    return ctl


def test_continue_step_accept_with_one_key_and_undo(qtbot, window):
    w = window
    before = len(w.doc.score.melody.notes)
    ctl = ask(qtbot, w)
    cands = ctl.panel.candidates
    assert [c.rank for c in cands] == list(range(1, len(cands) + 1))
    assert w.roll.candidate_notes == list(cands[0].notes)  # the ghost shows the first candidate
    assert len(cands) == 4  # the default K; the seeded untrained model gives four distinct ones
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_BracketRight)
    assert ctl.panel.current_row() == 1 and w.roll.candidate_notes == list(cands[1].notes)
    shown = ctl.current()
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Return)
    score = w.doc.score
    assert len(score.melody.notes) == before + len(shown.notes)
    added = [n for n in score.melody.notes if n.provenance]
    assert added and all(n.provenance["model"] == tiny_name(w) and n.provenance["seed"] == 0 for n in added)
    assert w.doc.undo_stack.count() == 1 and w.roll.candidate_notes == []
    assert w.autosaver.session.exists and not w.autosaver.pending  # autosaved at once (issue 6)
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(w.doc.score.melody.notes) == before
    log = decisions.read()
    assert log[-1]["decision"] == "accept" and log[-1]["candidate"]["rank"] == shown.rank


def test_harmonize_selected_bars_replaces_their_chords(qtbot, window):
    w = window
    bar2 = [n.id for n in w.doc.score.melody.notes if 1920 <= n.start < 3840]
    w.doc.select(bar2)
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    assert all(c.notes == () for c in ctl.panel.candidates)
    cand = ctl.current()
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Return)
    in_bar = [c for c in w.doc.score.chords if 1920 <= c.start < 3840]
    assert [str(c.symbol) for c in in_bar] == [str(c.symbol) for c in cand.chords]
    assert [str(c.symbol) for c in w.doc.score.chords if c.start < 1920] == ["G"]


def test_reject_hides_and_is_never_suggested_again(qtbot, window):
    w = window
    ctl = ask(qtbot, w)
    first = ctl.current()
    n = len(ctl.panel.candidates)
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_X)
    assert first.fingerprint() not in {c.fingerprint() for c in ctl.panel.candidates}
    assert len(ctl.panel.candidates) == n - 1
    assert first.fingerprint() in ctl.rejected
    ask(qtbot, w)  # same seed and settings: the rejected one must not come back
    assert first.fingerprint() not in {c.fingerprint() for c in ctl.panel.candidates}
    assert decisions.read()[0]["decision"] == "reject"


def test_partial_accept_of_clicked_ghost_notes(qtbot, window):
    w = window
    ctl = ask(qtbot, w)
    cand = next((c for c in ctl.panel.candidates if len(c.notes) >= 2), None)
    assert cand is not None, [len(c.notes) for c in ctl.panel.candidates]
    ctl.panel.list.setCurrentRow(ctl.panel.candidates.index(cand))
    target = cand.notes[0]
    w.roll.ensure_visible(target.start, target.pitch)
    rect = w.roll.note_viewport_rect(target.id)
    qtbot.mouseClick(w.roll.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center().toPoint())
    assert w.roll.picked_candidates == {target.id}
    before = len(w.doc.score.melody.notes)
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert len(w.doc.score.melody.notes) == before + 1
    assert any(n.pitch == target.pitch and n.start == target.start for n in w.doc.score.melody.notes)
    assert decisions.read()[-1]["decision"] == "accept_partial"


def test_incompatible_model_folder_keeps_the_previous_model(qtbot, window, tmp_path):
    w = window
    bad = tmp_path / "not_a_model"
    bad.mkdir()
    (bad / "config.json").write_text(json.dumps({"vocab_size": 3}))
    messages = []
    w.assistant.messageShown.connect(messages.append)
    w.assistant.load_model(str(bad), "cpu")
    assert any("not_a_model" in m and "previous model" in m for m in messages)
    assert w.assistant.service.model_info["name"] and w.assistant.settings.model_dir != str(bad)
    ask(qtbot, w)  # still works


def test_escape_cancels_a_running_request(qtbot, window):
    w = window
    ctl = w.assistant
    ctl.panel.bars_spin.setValue(16)
    ctl.panel.k_spin.setValue(16)
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert ctl.service.busy
    w.roll.view.setFocus()
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not ctl.service.busy, timeout=10000)
    assert not ctl.panel.stop_button.isEnabled()
    # With nothing to stop or hide, Esc is the roll's "deselect" again.
    assert not ctl.actions_by_name["cancel"].isEnabled()
    w.doc.select_all()
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Escape)
    assert not w.doc.selection


def test_typing_a_chord_in_the_lane_is_not_taken_by_assistant_keys(qtbot, window):
    w = window
    ask(qtbot, w)  # candidates shown: A (audition) and Return (accept) are live
    lane = w.roll.chord_lane
    lane.setFocus()
    qtbot.keyClick(lane, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier, )
    assert lane.editor is not None and lane.editor.isVisible()
    assert not w.assistant.auditioning


def test_audition_loops_the_candidate_in_context_and_follows_the_choice(qtbot, window):
    w = window
    ctl = ask(qtbot, w)
    player = w.sound.player
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_A)
    assert ctl.auditioning
    qtbot.waitUntil(lambda: player.is_playing, timeout=5000)
    assert len(ctl.panel.candidates) == 4
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_BracketRight)
    assert ctl.panel.current_row() == 1
    qtbot.wait(50)
    assert player.is_playing  # switching keeps the loop going
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_A)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=5000)
    assert not ctl.auditioning


def test_ctrl_h_harmonizes_and_ctrl_g_still_continues(qtbot, window):
    """Ctrl+H is a direct action: the panel's task stays, so Ctrl+G goes on continuing (the Start
    card's promise), and Regenerate after Ctrl+H gives new harmonizations."""
    w = window
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    assert ctl.panel.candidates and all(c.task == "harmonize" for c in ctl.panel.candidates)
    assert ctl.panel.settings().task == "continue"
    ask(qtbot, w, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert all(c.task == "harmonize" for c in ctl.panel.candidates)  # Regenerate: what was on screen
    ask(qtbot, w)
    assert all(c.task == "continue" and c.notes for c in ctl.panel.candidates)


def test_the_hint_says_which_key_the_assistant_read_when_none_is_set(qtbot, window):
    """A melody in E major with no key set (a new document, a MIDI file from a DAW): the assistant
    reads it in E major and says so, pointing at where the composer sets a key."""
    w = window
    ctl = ask(qtbot, w, Qt.Key.Key_H)  # the sketch sets G major and fits it: nothing to say
    assert "key" not in ctl.panel.hint.text().lower()
    pitches = [64, 68, 71, 68, 71, 69, 66, 63] * 2 + [64, 68, 71, 76]
    e_major = Score(tracks=(Track(notes=tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))),))
    w.doc.load(e_major)
    assert w.doc.score.key.assumed
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    hint = ctl.panel.hint.text()
    assert "No key is set" in hint and "E major" in hint and "Properties" in hint, hint
    tonic = w.sound.transport.meta.tonic_combo
    tonic.setFocus()
    qtbot.keyClick(tonic, Qt.Key.Key_Down)  # auto -> C: the composer sets C major over it
    assert not w.doc.score.key.assumed
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    hint = ctl.panel.hint.text()
    assert "leaves the key set (C major)" in hint and "reads it in E major" in hint, hint


def test_one_click_sets_the_key_the_assistant_read(qtbot, window):
    """Under the hint, a button sets the key read from the notes: a click on it sets E major (one
    undo step, the transport's box follows); a set key the melody leaves is offered the same way,
    and the button goes when the key fits."""
    w = window
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    button = ctl.panel.key_button
    assert button.isHidden()  # the sketch's G major fits it: nothing to offer
    pitches = [64, 68, 71, 68, 71, 69, 66, 63] * 2 + [64, 68, 71, 76]
    e_major = Score(tracks=(Track(notes=tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))),))
    w.doc.load(e_major)
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    assert not button.isHidden() and button.text() == "Set the key to E major"
    depth = w.doc.undo_stack.count()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    key = w.doc.score.key
    assert (key.tonic, key.mode, key.assumed) == ("E", "major", False)
    assert w.sound.transport.meta.tonic_combo.currentText() == "E"
    assert button.isHidden() and "Key set: E major" in ctl.panel.hint.text()
    assert w.doc.undo_stack.count() == depth + 1
    w.doc.undo_stack.undo()
    assert w.doc.score.key.assumed and not button.isHidden()  # undone: offered again
    w.doc.undo_stack.redo()
    assert button.isHidden()
    w.doc.undo_stack.undo()
    # A set C major the melody leaves: offered E major; setting the key by hand takes the offer away.
    tonic = w.sound.transport.meta.tonic_combo
    tonic.setFocus()
    qtbot.keyClick(tonic, Qt.Key.Key_Down)  # auto -> C
    ctl = ask(qtbot, w, Qt.Key.Key_H)
    assert not button.isHidden() and button.text() == "Set the key to E major"
    for _ in range(5):  # C -> C# -> Db -> D -> Eb -> E, as a composer steps through the box
        qtbot.keyClick(tonic, Qt.Key.Key_Down)
    assert w.doc.score.key.tonic == "E" and button.isHidden()
