"""Files through the window's actions: New/Open/Save/Save As round trip, recent files, the
unsaved-changes prompt, ABC tune choice, and bad input that must leave the document untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from composer_app import formats
from composer_app.gui.dialogs import TuneChooserDialog
from composer_app.score import ChordSymbol, Chord, Note, Score, Track
from composer_app.settings import Settings

from mw_helpers import dialogs, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
Btn = QMessageBox.StandardButton

ABC_TWO_TUNES = """X:1
T:First Reel
M:4/4
L:1/8
K:G
"G"GABc dedB|"D"A2 F2 D4|]

X:2
T:Second Waltz
M:3/4
L:1/4
K:D
"D"d2 A|"A7"c2 e|"D"d3|]
"""


def _sketch() -> Score:
    notes = [Note(p, i * 480, 480) for i, p in enumerate([60, 62, 64, 65, 67, 65, 64, 62])]
    chords = [Chord(ChordSymbol.parse("C"), 0, 1920), Chord(ChordSymbol.parse("G7"), 1920, 1920)]
    return Score(title="Sketch", tracks=(Track(notes=tuple(notes)),), chords=tuple(chords))


def _draw(window, score: Score) -> None:
    window.doc.edit("Draw", score)


def test_save_new_open_round_trip_with_keyboard_shortcuts(window, dialogs, qtbot, tmp_path):
    _draw(window, _sketch())
    dialogs.answer_file(tmp_path / "song")  # no suffix: the app adds .composer
    qtbot.keyClick(window, Qt.Key.Key_S, CTRL)
    saved = tmp_path / "song.composer"
    assert saved.is_file()
    assert window.doc.path == saved and not window.doc.is_modified
    assert window.windowTitle().startswith("song.composer[*]") and not window.isWindowModified()
    assert formats.read(saved).content_equal(_sketch())

    qtbot.keyClick(window, Qt.Key.Key_N, CTRL)  # clean document: no prompt
    assert window.doc.score.all_notes() == [] and window.doc.path is None
    assert dialogs.asked == []

    dialogs.answer_file(saved)
    qtbot.keyClick(window, Qt.Key.Key_O, CTRL)
    assert window.doc.score.content_equal(_sketch())
    assert window.doc.score.title == "Sketch"
    assert window.doc.path == saved and not window.doc.is_modified
    assert window.doc.undo_stack.count() == 0
    assert dialogs.errors == []


def test_save_to_the_known_path_does_not_ask_and_save_as_does(window, dialogs, tmp_path):
    _draw(window, _sketch())
    dialogs.answer_file(tmp_path / "a.composer")
    window.actions_by_name["save"].trigger()
    window.doc.edit("More", window.doc.score.with_notes(window.doc.score.melody.notes + (Note(72, 4000, 240),)))
    window.actions_by_name["save"].trigger()  # no dialog answer queued: it must not ask
    assert len(formats.read(tmp_path / "a.composer").all_notes()) == 9
    dialogs.answer_file(tmp_path / "b.composer")
    window.actions_by_name["save_as"].trigger()
    assert window.doc.path == tmp_path / "b.composer"
    assert dialogs.file_dialogs == ["Save As", "Save As"]


def test_cancelled_file_dialogs_change_nothing(window, dialogs):
    _draw(window, _sketch())
    before = window.doc.score
    for name in ("save_as", "export_midi", "export_musicxml"):
        dialogs.answer_file("")
        window.actions_by_name[name].trigger()
    assert window.doc.score is before and window.doc.is_modified and window.doc.path is None


@pytest.mark.parametrize("answer, expect_new", [(Btn.Cancel, False), (Btn.Discard, True), (Btn.Save, True)])
def test_unsaved_changes_prompt_on_new(window, dialogs, tmp_path, answer, expect_new):
    _draw(window, _sketch())
    dialogs.answer_question(answer)
    if answer == Btn.Save:
        dialogs.answer_file(tmp_path / "kept.composer")
    window.actions_by_name["new"].trigger()
    assert len(dialogs.asked) == 1 and "Untitled" in dialogs.asked[0]
    assert (window.doc.score.all_notes() == []) is expect_new
    if answer == Btn.Save:
        assert formats.read(tmp_path / "kept.composer").content_equal(_sketch())


def test_unsaved_changes_prompt_on_open_cancel_keeps_document(window, dialogs, tmp_path):
    other = tmp_path / "other.composer"
    formats.write(Score(title="Other"), other)
    _draw(window, _sketch())
    dialogs.answer_question(Btn.Cancel)
    window.actions_by_name["open"].trigger()
    assert dialogs.file_dialogs == []  # cancelled before asking for a file
    assert window.doc.score.content_equal(_sketch()) and window.doc.is_modified
    dialogs.answer_question(Btn.Discard)
    dialogs.answer_file(other)
    window.actions_by_name["open"].trigger()
    assert window.doc.score.title == "Other"


def test_recent_files_menu_reopens_and_forgets_missing_files(window, dialogs, tmp_path):
    a, b = tmp_path / "a.composer", tmp_path / "b.composer"
    formats.write(Score(title="A"), a)
    formats.write(Score(title="B"), b)
    for p in (a, b):
        dialogs.answer_file(p)
        window.actions_by_name["open"].trigger()
    entries = [act for act in window.recent_menu.actions() if act.data()]
    assert [Path(act.data()) for act in entries] == [b.resolve(), a.resolve()]
    assert Settings().recent_files == [str(b.resolve()), str(a.resolve())]
    entries[1].trigger()
    assert window.doc.score.title == "A" and window.doc.path == a

    b.unlink()
    entry_b = next(act for act in window.recent_menu.actions() if act.data() == str(b.resolve()))
    entry_b.trigger()
    assert window.doc.score.title == "A"  # untouched
    assert len(dialogs.errors) == 1 and "b.composer" in dialogs.errors[0][1]
    assert str(b.resolve()) not in Settings().recent_files
    assert all(act.data() != str(b.resolve()) for act in window.recent_menu.actions())


def _bad_files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.composer"
    formats.write(_sketch(), good)
    data = good.read_bytes()
    files = {
        "corrupt_midi": ("broken.mid", b"MThd\x00\x00\x00\x06garbage-not-a-midi-file" * 3),
        "truncated_project": ("half.composer", data[: len(data) // 2]),
        "empty_musicxml": ("empty.musicxml", b""),
        "garbage_musicxml": ("noise.musicxml", b"<score-partwise><part><measure><note>"),
        "empty_abc": ("empty.abc", b""),
        "unsupported": ("notes.txt", b"C D E F G"),
        "binary_project": ("bin.composer", bytes(range(256)) * 4),
    }
    out = {}
    for key, (name, payload) in files.items():
        p = tmp_path / name
        p.write_bytes(payload)
        out[key] = p
    out["missing"] = tmp_path / "missing.mid"
    return out


@pytest.mark.parametrize("case", ["corrupt_midi", "truncated_project", "empty_musicxml", "garbage_musicxml",
                                  "empty_abc", "unsupported", "binary_project", "missing"])
@pytest.mark.parametrize("action", ["open", "import"])
def test_bad_input_shows_an_error_naming_the_file_and_leaves_the_document(window, dialogs, tmp_path, case, action):
    bad = _bad_files(tmp_path)[case]
    _draw(window, _sketch())
    before, stack_count = window.doc.score, window.doc.undo_stack.count()
    dialogs.answer_question(Btn.Discard)  # the prompt comes first; the document must survive anyway
    dialogs.answer_file(bad)
    window.actions_by_name[action].trigger()
    assert len(dialogs.errors) == 1, dialogs.errors
    title, text = dialogs.errors[0]
    assert bad.name in text and "Could not" in title
    assert len(text.split(bad.name, 1)[1].strip(" :\n")) > 3  # a reason follows the name
    assert window.doc.score is before
    assert window.doc.undo_stack.count() == stack_count and window.doc.is_modified
    assert window.doc.path is None and window.isVisible()


def test_import_midi_makes_an_untitled_document(window, dialogs, tmp_path):
    mid = tmp_path / "tune.mid"
    formats.write(_sketch(), mid)
    dialogs.answer_file(mid)
    window.actions_by_name["import"].trigger()
    assert dialogs.errors == []
    assert window.doc.score.content_equal(formats.read(mid))
    assert window.doc.path is None and window.windowTitle().startswith("tune (imported)")
    dialogs.answer_file(tmp_path / "tune")  # Save asks where, and writes a project
    window.actions_by_name["save"].trigger()
    assert (tmp_path / "tune.composer").is_file()


def test_multi_tune_abc_asks_which_tune(window, dialogs, tmp_path, qtbot, monkeypatch):
    abc = tmp_path / "two.abc"
    abc.write_text(ABC_TWO_TUNES)
    seen = {}

    def pick_second(self):
        seen["rows"] = [self.list.item(i).text() for i in range(self.list.count())]
        self.show()
        self.activateWindow()  # what exec() does; keys then go to the dialog, not the window behind
        qtbot.waitUntil(self.isActiveWindow)
        self.list.setFocus()
        qtbot.keyClick(self.list, Qt.Key.Key_Down)
        self.hide()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TuneChooserDialog, "exec", pick_second)
    dialogs.answer_file(abc)
    window.actions_by_name["import"].trigger()
    assert seen["rows"] == ["X:1  First Reel", "X:2  Second Waltz"]
    assert dialogs.errors == []
    assert str(window.doc.score.time_signature) == "3/4"
    assert [str(c.symbol) for c in window.doc.score.chords][:2] == ["D", "A7"]

    before = window.doc.score
    monkeypatch.setattr(TuneChooserDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    dialogs.answer_file(abc)
    window.actions_by_name["import"].trigger()
    assert window.doc.score is before


def test_tune_chooser_filter_with_typed_text(qtbot):
    from composer_app.formats.abc import TuneInfo

    tunes = [TuneInfo(0, 1, "Ashokan Farewell"), TuneInfo(1, 2, "Banish Misfortune"), TuneInfo(2, 7, "Cooley's")]
    d = TuneChooserDialog("tunes.abc", tunes)
    qtbot.addWidget(d)
    d.show()
    qtbot.keyClicks(d.filter_edit, "misf")
    assert d.selected_tune() == tunes[1]
    assert [d.list.item(i).isHidden() for i in range(3)] == [True, False, True]
    d.filter_edit.clear()
    qtbot.keyClicks(d.filter_edit, "X:7")
    assert d.selected_tune() == tunes[2]
    qtbot.keyClicks(d.filter_edit, "zzz")
    assert d.selected_tune() is None


def test_save_failure_keeps_the_document_modified(window, dialogs, tmp_path):
    _draw(window, _sketch())
    dialogs.answer_file(tmp_path / "no-such-folder" / "x.composer")
    window.actions_by_name["save_as"].trigger()
    assert len(dialogs.errors) == 1 and "x.composer" in dialogs.errors[0][1]
    assert window.doc.is_modified and window.doc.path is None


def test_open_path_from_the_command_line(window, dialogs, tmp_path):
    p = tmp_path / "cli.composer"
    formats.write(_sketch(), p)
    assert window.open_path(p)
    assert window.doc.path == p and window.doc.score.content_equal(_sketch())


def test_dropping_a_file_on_the_window_opens_it(window, dialogs, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    p = tmp_path / "dropped.composer"
    formats.write(_sketch(), p)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)
    assert window.doc.path == p and window.doc.score.content_equal(_sketch())

    text = QMimeData()
    text.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    refused = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, text,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, refused)
    assert not refused.isAccepted()
