"""The main window: title and modified marker, menus and shortcuts, properties panel (every change
one undo step, driven by real key and mouse events), undo history, closing, excepthook."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QLabel, QMenu, QMessageBox

from composer_app.gui.dialogs import ExceptionDialogHook
from composer_app.score import Note, TimeSignature
from composer_app.settings import Settings

from mw_helpers import dialogs, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _add_note(w, pitch=60, start=0):
    s = w.doc.score
    return w.doc.edit("Add note", s.with_notes(s.melody.notes + (Note(pitch, start, 480),)))


def test_title_shows_name_and_modified_marker(window):
    assert window.windowTitle().startswith("Untitled[*]")
    assert not window.isWindowModified()
    _add_note(window)
    assert window.isWindowModified()
    window.actions_by_name["undo"].trigger()
    assert not window.isWindowModified()


def test_menus_hold_the_file_edit_and_view_actions(window):
    bar = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert bar[:3] == ["File", "Edit", "View"] and bar[-1] == "Help"
    file_items = [a.text().replace("&", "") for a in window.menus["file"].actions() if a.text()]
    for item in ("New", "Open...", "Open Recent", "Save", "Save As...", "Import...", "Export MIDI...",
                 "Export MusicXML...", "Quit"):
        assert item in file_items
    edit_actions = window.menus["edit"].actions()
    view_actions = window.menus["view"].actions()
    for name, action in window.roll.actions_by_name.items():
        assert action in (view_actions if name.startswith("zoom") else edit_actions), name
    redo = window.actions_by_name["redo"]
    assert {s.toString() for s in redo.shortcuts()} == {"Ctrl+Shift+Z", "Ctrl+Y"}


def test_add_menu_goes_before_help_and_status_widgets_stay(window):
    menu = window.add_menu("E&xtras")
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("E&xtras") == titles.index("&Help") - 1
    assert menu.menuAction() in window.menuBar().actions() and window.menus["extras"] is menu
    label = QLabel("model: none")
    window.add_status_widget(label)
    assert label.isVisible() and window.position_label.isVisible()
    window.status_message("hello", 0)
    assert window.statusBar().currentMessage() == "hello"


def test_ctrl_z_and_ctrl_shift_z_undo_and_redo(window, qtbot):
    _add_note(window)
    assert len(window.doc.score.melody.notes) == 1
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert len(window.doc.score.melody.notes) == 0
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL | SHIFT)
    assert len(window.doc.score.melody.notes) == 1
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window, Qt.Key.Key_Y, CTRL)
    assert len(window.doc.score.melody.notes) == 1


def _type_into(qtbot, line_edit, text):
    line_edit.setFocus()
    qtbot.keyClick(line_edit, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)


def test_score_properties_edits_are_one_undo_step_each(window, qtbot):
    panel, doc = window.properties_panel, window.doc
    stack = doc.undo_stack
    _type_into(qtbot, panel.title_edit, "Evening Song")
    assert doc.score.title == "Evening Song" and stack.count() == 1
    _type_into(qtbot, panel.tempo_spin.lineEdit(), "96")
    assert doc.score.tempo == 96.0 and stack.count() == 2
    _type_into(qtbot, panel.meter_combo.lineEdit(), "6/8")
    assert str(doc.score.time_signature) == "6/8" and stack.count() == 3
    # A new document sets no key ("auto": the assistant reads it from the notes), so its mode waits
    assert panel.tonic_combo.currentText() == "auto" and not panel.mode_combo.isEnabled()
    panel.tonic_combo.setFocus()
    qtbot.keyClick(panel.tonic_combo, Qt.Key.Key_End)  # auto -> B (major)
    assert doc.score.key.tonic == "B" and not doc.score.key.assumed and stack.count() == 4
    panel.mode_combo.setFocus()
    qtbot.keyClick(panel.mode_combo, Qt.Key.Key_Down)  # major -> minor
    assert doc.score.key.mode == "minor" and stack.count() == 5
    assert window.undo_view.model().rowCount() == 6  # "<opened>" + 5 edits

    for _ in ("minor", "B", "4/4", 120.0, ""):
        window.actions_by_name["undo"].trigger()
    s = doc.score
    assert (s.title, s.tempo, str(s.time_signature), s.key.assumed) == ("", 120.0, "4/4", True)
    assert panel.title_edit.text() == "" and panel.meter_combo.currentText() == "4/4"
    assert panel.tempo_spin.value() == 120.0 and panel.tonic_combo.currentText() == "auto"
    for _ in range(5):
        window.actions_by_name["redo"].trigger()
    assert panel.title_edit.text() == "Evening Song" and panel.meter_combo.currentText() == "6/8"
    assert doc.score.key.tonic == "B" and doc.score.key.mode == "minor"


def test_invalid_time_signature_is_refused_with_a_message(window, qtbot):
    panel = window.properties_panel
    _type_into(qtbot, panel.meter_combo.lineEdit(), "7/5")
    assert str(window.doc.score.time_signature) == "4/4"
    assert window.doc.undo_stack.count() == 0
    assert "7/5" in window.statusBar().currentMessage()
    assert panel.meter_combo.currentText() == "4/4"


def test_track_add_rename_channel_instrument_remove_are_undoable(window, qtbot):
    panel, doc = window.properties_panel, window.doc
    stack = doc.undo_stack
    assert not panel.remove_track_button.isEnabled()
    qtbot.mouseClick(panel.add_track_button, Qt.MouseButton.LeftButton)
    assert len(doc.score.tracks) == 2 and stack.count() == 1
    new = doc.score.tracks[1]
    assert doc.current_track.id == new.id
    assert new.channel not in (0, doc.score.chord_channel, 9)
    assert window.track_combo.count() == 2 and window.track_combo.currentText() == new.name

    _type_into(qtbot, panel.track_name_edit, "Bass")
    assert doc.score.tracks[1].name == "Bass" and stack.count() == 2
    assert panel.track_list.item(1).text() == "Bass"

    channel_before = doc.current_track.channel
    panel.channel_spin.setFocus()
    qtbot.keyClick(panel.channel_spin, Qt.Key.Key_Up)
    assert doc.current_track.channel == channel_before + 1 and stack.count() == 3

    panel.program_combo.setFocus()
    for _ in range(32):
        qtbot.keyClick(panel.program_combo, Qt.Key.Key_Down)
    assert doc.current_track.program == 32  # Acoustic Bass
    assert stack.count() == 3 + 32  # one step per change

    qtbot.mouseClick(panel.mute_check, Qt.MouseButton.LeftButton)
    assert doc.current_track.muted and stack.count() == 3 + 32 + 1
    window.actions_by_name["undo"].trigger()
    assert not doc.current_track.muted and not panel.mute_check.isChecked()
    window.actions_by_name["redo"].trigger()
    assert panel.mute_check.isChecked()

    panel.chord_program_combo.setFocus()
    qtbot.keyClick(panel.chord_program_combo, Qt.Key.Key_Down)
    assert doc.score.chord_program == 1

    qtbot.mouseClick(panel.remove_track_button, Qt.MouseButton.LeftButton)
    assert [t.name for t in doc.score.tracks] == ["Melody"]
    window.actions_by_name["undo"].trigger()
    assert [t.name for t in doc.score.tracks] == ["Melody", "Bass"]
    assert doc.score.tracks[1].program == 32
    while stack.canUndo():
        stack.undo()
    assert [t.name for t in doc.score.tracks] == ["Melody"] and doc.score.chord_program == 0


def test_rename_in_the_track_list_and_empty_name_refused(window, qtbot):
    panel, doc = window.properties_panel, window.doc
    _type_into(qtbot, panel.track_name_edit, "   ")
    assert doc.score.tracks[0].name == "Melody" and doc.undo_stack.count() == 0
    item = panel.track_list.item(0)
    item.setText("Lead")  # what the list's inline editor does on commit
    assert doc.score.tracks[0].name == "Lead" and doc.undo_stack.count() == 1


def test_track_combo_chooses_the_current_track(window, qtbot):
    qtbot.mouseClick(window.properties_panel.add_track_button, Qt.MouseButton.LeftButton)
    first = window.doc.score.tracks[0].id
    window.track_combo.setFocus()
    qtbot.keyClick(window.track_combo, Qt.Key.Key_Up)
    assert window.doc.current_track.id == first
    assert window.properties_panel.track_list.currentRow() == 0


def test_view_grid_choice_reaches_the_roll_and_is_remembered(window, qtbot):
    window.grid_combo.setFocus()
    index = window.grid_combo.findText("1/8")
    window.grid_combo.setCurrentIndex(index - 1)
    qtbot.keyClick(window.grid_combo, Qt.Key.Key_Down)
    assert window.grid_combo.currentText() == "1/8"
    assert window.roll.grid_ticks == 240
    assert Settings().grid == "1/8"
    checked = [a.data() for a in window.grid_group.actions() if a.isChecked()]
    assert checked == ["1/8"]


def test_undo_history_view_is_a_dock_toggled_from_view_panels(window):
    toggle = window.undo_dock.toggleViewAction()
    assert toggle in window._panels_menu.actions()
    was = window.undo_dock.isVisible()
    toggle.trigger()
    assert window.undo_dock.isVisible() != was
    _add_note(window)
    _add_note(window, 62, 480)
    assert window.undo_view.stack() is window.doc.undo_stack
    window.undo_view.setCurrentIndex(window.undo_view.model().index(1, 0))  # a click on row 1
    assert len(window.doc.score.melody.notes) == 1


def test_close_asks_about_unsaved_changes(window, dialogs, qtbot):
    _add_note(window)
    dialogs.answer_question(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible() and "unsaved changes" in dialogs.asked[-1]
    dialogs.answer_question(QMessageBox.StandardButton.Discard)
    assert window.close()


def test_window_geometry_and_panels_are_kept(qtbot, dialogs):
    from composer_app.app import create_main_window

    w = create_main_window(Settings(), load_model=False, open_devices=False)
    qtbot.addWidget(w)
    w.show()
    w.resize(640, 480)
    w.undo_dock.show()
    w.toolbar.hide()
    wired = [d for d in w.findChildren(QDockWidget) if d not in (w.undo_dock, w.properties_dock)]
    assert wired, "app.py adds docks (the assistant) after the window is built"
    last = wired[-1].objectName()
    wired[-1].hide()
    qtbot.waitUntil(lambda: w.width() == 640)
    assert w.close()
    w2 = create_main_window(Settings(), load_model=False, open_devices=False)
    w2.show()
    assert w2.width() == 640  # (heights are clamped to the small offscreen screen)
    assert w2.undo_dock.isVisible() and not w2.toolbar.isVisible()
    assert not w2.findChild(QDockWidget, last).isVisible()
    w2.close()


def test_excepthook_shows_a_dialog_and_keeps_the_document(window, qtbot, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.detailedText())) or 0)
    _add_note(window)
    before = window.doc.score

    def boom():
        raise RuntimeError("kaboom in a slot")

    action = window.menus["help"].addAction("Boom")
    action.setShortcut(QKeySequence("Ctrl+Alt+B"))
    action.triggered.connect(boom)
    hook = ExceptionDialogHook(lambda: window).install()
    try:
        qtbot.keyClick(window, Qt.Key.Key_B, CTRL | Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(lambda: bool(shown))
    finally:
        hook.uninstall()
    assert "kaboom in a slot" in shown[0][0] and "RuntimeError" in shown[0][1]
    assert window.isVisible() and window.doc.score is before and window.doc.is_modified


def test_score_properties_dialog_result(window):
    from composer_app.gui.dialogs import ScorePropertiesDialog

    d = ScorePropertiesDialog(window.doc.score, window)
    d.title_edit.setText("T")
    d.meter_combo.setCurrentText("9/8")
    d.tempo_spin.setValue(80)
    s = d.result_score()
    assert (s.title, str(s.time_signature), s.tempo) == ("T", "9/8", 80.0)
    d.meter_combo.setCurrentText("nine")
    with pytest.raises(ValueError):
        d.result_score()


def test_position_readout(window):
    window.doc.edit("Set 6/8", replace(window.doc.score, time_signatures=(TimeSignature(6, 8),)))
    window.show_position(1440 + 720)  # bar 2, second dotted-quarter beat
    assert window.position_label.text() == "Bar 2  Beat 2"


def _readme_shortcut_keys() -> set[str]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Keyboard shortcuts", 1)[1].split("\n\n| Mouse", 1)[0]
    keys = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1] not in ("Keys", "---"):
            for token in re.split(r"\s+/\s+|\s+or\s+|\(or\s+|\)", cells[1]):
                if token.strip():
                    keys.add(token.strip())
    return keys


def test_readme_shortcuts_table_lists_every_menu_shortcut(window):
    documented = _readme_shortcut_keys()
    missing = []
    for menu in window.findChildren(QMenu):
        for action in menu.actions():
            for seq in action.shortcuts():
                key = seq.toString(QKeySequence.SequenceFormat.PortableText)
                if key not in documented:
                    missing.append(f"{action.text().replace('&', '')}: {key}")
    assert not missing, "README shortcuts table lacks: " + ", ".join(missing)


def test_score_properties_action_is_one_undo_step(window, qtbot, monkeypatch):
    from composer_app.gui.dialogs import ScorePropertiesDialog

    def fill_in(dialog):
        dialog.show()
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        _type_into(qtbot, dialog.title_edit, "Waltz")
        _type_into(qtbot, dialog.meter_combo.lineEdit(), "3/4")
        dialog.hide()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ScorePropertiesDialog, "exec", fill_in)
    window.actions_by_name["score_properties"].trigger()
    s = window.doc.score
    assert (s.title, str(s.time_signature)) == ("Waltz", "3/4")
    assert window.doc.undo_stack.count() == 1
    assert window.properties_panel.meter_combo.currentText() == "3/4"
    monkeypatch.setattr(ScorePropertiesDialog, "exec", lambda d: QDialog.DialogCode.Rejected)
    window.actions_by_name["score_properties"].trigger()
    assert window.doc.undo_stack.count() == 1


def test_excepthook_shows_errors_from_other_threads_in_the_gui_thread(window, qtbot, monkeypatch):
    import threading

    from PySide6.QtCore import QThread

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), QThread.currentThread())) or 0)
    hook = ExceptionDialogHook(lambda: window).install()
    try:
        worker = threading.Thread(target=lambda: 1 / 0, name="worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: bool(shown))
    finally:
        hook.uninstall()
    assert "ZeroDivisionError" in shown[0][0]
    assert shown[0][1] is window.thread()  # the dialog was made by the GUI thread
    assert window.isVisible()


def test_app_wires_transport_assistant_and_audition(window, qtbot):
    from composer_app.generation.types import Candidate

    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Transport", "Assistant", "Help"]
    assert window.sound.transport.isVisible()
    _add_note(window, 60, 0)
    cand = Candidate(rank=1, score=-1.0, notes=(Note(67, 1920, 480),), chords=(), note_confidence=(0.9,),
                     chord_confidence=(), region=(1920, 3840), task="continue")
    player = window.sound.player
    window.assistant.audition(window.doc.score, cand)
    qtbot.waitUntil(lambda: player.is_playing, timeout=3000)
    window.assistant.switch_audition(cand)
    window.assistant.stop_audition()
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    window.show_position(1920)
    assert window.position_label.text() == "Bar 2  Beat 1"
