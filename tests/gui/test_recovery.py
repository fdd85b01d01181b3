"""Autosave and crash recovery in the wired window: the recovery file follows the unsaved work
(written after the interval and at once after an accepted suggestion, deleted on save, on undo to
the saved state and on close), and the next start offers work that a dead editor left behind.

A "dead editor" here is a recovery session whose OS lock was released without closing it, which is
what the kernel does when a process is killed; tests/gui/test_crash_recovery_xvfb.py kills a real
app process with SIGKILL.
"""

from __future__ import annotations

import json
import os
import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from composer_app import formats
from composer_app.document.autosave import autosave_interval
from composer_app.gui import recovery as gui_recovery
from composer_app.recovery import RecoveryStore, recovery_dir
from composer_app.score import Chord, ChordSymbol, Note, Score, Track, edits

from mw_helpers import dialogs, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def tune() -> Score:
    notes = tuple(Note(60 + i, i * 480, 480) for i in range(8))
    return Score(title="tune", tracks=(Track("Melody", notes=notes),),
                 chords=(Chord(ChordSymbol.parse("C"), 0, 1920),))


def plus(score: Score, *notes: Note) -> Score:
    return edits.add_notes(score, score.tracks[0].id, list(notes))


def add_note(w, pitch=72, start=0):
    track = w.doc.current_track.id
    w.doc.edit("Add note", edits.add_notes(w.doc.score, track, [Note(pitch, start, 240)]))


def crashed_session(score: Score, name="Untitled", source=None):
    """The files an editor leaves when it is killed: its recovery copy and a lock nobody holds."""
    session = RecoveryStore().start_session()
    session.write(score, name=name, source=source)
    session._lock.release(force=True)  # what the kernel does to a killed process's locks
    return session.path


def recovery_files():
    return sorted(p.name for p in recovery_dir().glob("*.composer"))


def test_interval_comes_from_settings_and_environment(monkeypatch):
    monkeypatch.delenv("COMPOSER_APP_AUTOSAVE_SECONDS", raising=False)
    assert autosave_interval(None) == 30.0
    assert autosave_interval(12) == 12
    assert autosave_interval(0) == 30.0 and autosave_interval(1e9) == 600.0
    monkeypatch.setenv("COMPOSER_APP_AUTOSAVE_SECONDS", "0.5")
    assert autosave_interval(30) == 0.5


def test_unsaved_work_is_autosaved_after_the_interval_and_removed_on_save(qtbot, window, dialogs, tmp_path):
    w = window
    saver = w.autosaver
    assert saver.interval_s == 30.0
    saver._timer.setInterval(200)
    assert recovery_files() == []  # nothing unsaved, nothing written
    add_note(w)
    assert saver.pending and not saver.session.exists
    with qtbot.waitSignal(saver.saved, timeout=5000):
        pass
    copy = formats.read(saver.session.path)
    assert [n.pitch for n in copy.all_notes()] == [n.pitch for n in w.doc.score.all_notes()]
    meta = json.loads(saver.session.path.read_text())["recovery"]
    assert meta["name"] == "Untitled" and meta["source"] is None and meta["pid"] == os.getpid()

    # Saving the project deletes the recovery copy: the work is safe in the real file.
    dialogs.answer_file(tmp_path / "song.composer")
    assert w.files.save()
    assert not saver.session.exists and recovery_files() == []
    # A new change after the save is autosaved with the file it belongs to.
    add_note(w, 74, 480)
    with qtbot.waitSignal(saver.saved, timeout=5000):
        pass
    meta = json.loads(saver.session.path.read_text())["recovery"]
    assert meta["source"] == str(tmp_path / "song.composer") and meta["name"] == "song.composer"
    # Undoing back to the saved state leaves nothing to recover.
    qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not w.doc.is_modified and not saver.session.exists


def test_accepting_a_suggestion_autosaves_at_once(qtbot, window):
    w = window
    add_note(w)
    assert not w.autosaver.session.exists  # the 30 s timer is still running
    w.assistant.suggestionAccepted.emit()  # (test_assistant drives the real accept path)
    assert w.autosaver.session.exists and not w.autosaver.pending


def test_closing_the_window_removes_the_copy(qtbot, window, dialogs):
    w = window
    add_note(w)
    assert w.autosaver.save_now() and w.autosaver.session.exists
    from PySide6.QtWidgets import QMessageBox

    dialogs.answer_question(QMessageBox.StandardButton.Discard)  # the composer drops the changes
    assert w.close()
    assert recovery_files() == [] and not w.autosaver.session.path.with_suffix(".lock").exists()


def test_a_running_editors_copy_is_never_offered(qtbot, window):
    add_note(window)
    window.autosaver.save_now()
    assert RecoveryStore().orphans() == []


def test_work_of_a_killed_editor_is_recovered_on_top_of_its_file(qtbot, window, tmp_path, monkeypatch):
    w = window
    song = tmp_path / "song.composer"
    formats.write(tune(), song)
    edited = plus(tune(), Note(79, 3840, 960))
    orphan = crashed_session(edited, name="song.composer", source=song)
    offered = []

    def answer(parent, entries):
        offered.append(entries)
        return gui_recovery.RECOVER, entries[0]

    monkeypatch.setattr(gui_recovery, "ask_recover", answer)
    assert gui_recovery.offer_recovery(w, w.autosaver)
    entry = offered[0][0]
    assert entry.name == "song.composer" and entry.notes == 9 and entry.chords == 1
    assert "song.composer: 9 notes, 1 chord, autosaved just now" in entry.describe()
    # The recovered work is an unsaved change of song.composer: one undo step away from the file.
    assert w.doc.path == song and w.doc.is_modified
    assert sorted(n.pitch for n in w.doc.score.all_notes()) == sorted(n.pitch for n in edited.all_notes())
    assert w.doc.undo_stack.count() == 1 and w.doc.undo_stack.text(0) == "Recover unsaved work"
    # This session holds its own copy now and keeps the orphan (locked: nothing is offered twice)
    # until the work is saved.
    assert orphan.exists() and w.autosaver.session.exists
    assert w.autosaver.session.adopted == [orphan]
    assert RecoveryStore().orphans() == []
    # Undo shows the file's version, but the recovered work is still unsaved and still on disk.
    w.doc.undo_stack.undo()
    assert len(w.doc.score.all_notes()) == 8 and w.doc.is_modified
    assert orphan.exists()
    w.doc.undo_stack.redo()
    assert w.files.save()
    assert not w.doc.is_modified and not orphan.exists() and not w.autosaver.session.exists
    assert recovery_files() == []
    assert len(formats.read(song).all_notes()) == 9


def test_undo_past_an_untitled_recovery_is_never_clean(qtbot, window, dialogs, monkeypatch):
    """Issue 11: Ctrl+Z after recovering an untitled piece emptied it, cleared the ``*`` and let
    Quit close without asking, with the recovery file already deleted."""
    w = window
    orphan = crashed_session(tune(), name="Untitled")
    monkeypatch.setattr(gui_recovery, "ask_recover", lambda parent, entries: (gui_recovery.RECOVER, entries[0]))
    assert gui_recovery.offer_recovery(w, w.autosaver)
    w.doc.undo_stack.undo()
    assert w.doc.score.all_notes() == [] and w.doc.is_modified and "*" in w.windowTitle()
    assert orphan.exists()
    w.autosaver.save_now()  # this session's copy now holds the empty score; the orphan the work
    assert orphan.exists() and len(RecoveryStore(orphan.parent).orphans()) == 0
    dialogs.answer_question(QMessageBox.StandardButton.Cancel)
    assert not w.close()  # Quit asks, and Cancel keeps the window and the work
    assert len(dialogs.asked) == 1 and w.isVisible()
    w.doc.undo_stack.redo()
    assert len(w.doc.score.all_notes()) == 8


def test_untitled_work_is_recovered_as_a_new_piece(qtbot, window, monkeypatch):
    w = window
    crashed_session(tune(), name="Untitled")
    monkeypatch.setattr(gui_recovery, "ask_recover", lambda parent, entries: (gui_recovery.RECOVER, entries[0]))
    assert gui_recovery.offer_recovery(w, w.autosaver)
    assert w.doc.path is None and w.doc.is_modified
    assert "Untitled (recovered)" in w.windowTitle()
    assert len(w.doc.score.all_notes()) == 8 and str(w.doc.score.chords[0].symbol) == "C"


def test_decide_later_keeps_and_discard_deletes(qtbot, window, monkeypatch):
    w = window
    older = crashed_session(tune(), name="older")
    time.sleep(0.01)
    newer = crashed_session(plus(tune(), Note(50, 0, 480)), name="newer")
    answers = [(gui_recovery.LATER, None)]
    monkeypatch.setattr(gui_recovery, "ask_recover", lambda parent, entries: answers.pop(0))
    assert not gui_recovery.offer_recovery(w, w.autosaver)
    assert older.exists() and newer.exists()
    assert [e.name for e in RecoveryStore().orphans()] == ["newer", "older"]  # newest first

    seen = []

    def discard_each(parent, entries):
        seen.append([e.name for e in entries])
        return gui_recovery.DISCARD, entries[0]

    monkeypatch.setattr(gui_recovery, "ask_recover", discard_each)
    assert not gui_recovery.offer_recovery(w, w.autosaver)
    assert seen == [["newer", "older"], ["older"]]
    assert not older.exists() and not newer.exists() and not w.doc.is_modified


def test_a_damaged_copy_is_named_and_kept_until_discarded(qtbot, window, dialogs, monkeypatch):
    w = window
    path = crashed_session(tune())
    path.write_bytes(path.read_bytes()[:40])  # e.g. a disk that failed
    entries = RecoveryStore().orphans()
    assert entries[0].name.endswith("(damaged)")
    monkeypatch.setattr(gui_recovery, "ask_recover", lambda parent, e: (gui_recovery.RECOVER, e[0]))
    assert not gui_recovery.offer_recovery(w, w.autosaver)
    assert dialogs.errors and "Could not recover" in dialogs.errors[0][0] and path.name in dialogs.errors[0][1]
    assert path.exists() and not w.doc.is_modified


def test_the_dialog_lists_the_work_and_its_buttons_answer(qtbot):
    crashed_session(tune(), name="Evening Song")
    entries = RecoveryStore().orphans()
    dialog = gui_recovery.RecoveryDialog(entries)
    qtbot.addWidget(dialog)
    dialog.show()
    assert "Evening Song: 8 notes, 1 chord" in dialog.list.item(0).text()
    assert dialog.button("recover").isDefault()
    qtbot.mouseClick(dialog.button("discard"), Qt.MouseButton.LeftButton)
    assert dialog.choice == gui_recovery.DISCARD and dialog.selected() is entries[0]


def test_autosave_failure_is_one_message_and_the_work_stays(qtbot, window, monkeypatch, tmp_path):
    w = window
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")  # the recovery folder's place is taken by a file: every write fails
    monkeypatch.setattr(w.autosaver.session, "folder", blocker)
    monkeypatch.setattr(w.autosaver.session, "path", blocker / "copy.composer")
    messages = []
    w.autosaver.failed.connect(messages.append)
    add_note(w)
    assert not w.autosaver.save_now()
    add_note(w, 76, 960)
    assert not w.autosaver.save_now()
    assert len(messages) == 1 and "Autosave failed" in messages[0]
    assert "Autosave failed" in w.statusBar().currentMessage()
    assert w.doc.is_modified and len(w.doc.score.all_notes()) == 2
