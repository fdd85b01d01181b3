"""Dragging MIDI clips out of the app and Export Selection as MIDI, with real mouse events.

``QDrag.exec`` runs a nested event loop that waits for a drop target, so the tests replace it by a
recorder that keeps the mime data's URLs and answers ``CopyAction`` (what a DAW's drop returns);
everything up to it (gesture, clip, file) is the real code, and the file is read back with
:func:`composer_app.formats.read`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDrag

from composer_app import formats
from composer_app.paths import cache_dir
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Tempo, Track

from mw_helpers import close_window, dialogs, model_window, window  # noqa: F401 - fixtures
from pianoroll_helpers import LEFT, NOMOD, make_roll, pt

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier
BAR = 1920


def piece() -> Score:
    pitches = [60, 62, 64, 65, 67, 69, 71, 72, 71, 69, 67, 65, 64, 62, 60, 62]
    notes = tuple(Note(p, i * 480, 480, 70 + i) for i, p in enumerate(pitches))
    chords = tuple(Chord(ChordSymbol.parse(s), i * BAR, BAR) for i, s in enumerate(["C", "F", "G7", "C"]))
    return Score(title="Clip Test", tracks=(Track("Lead", 0, 40, notes),), chords=chords,
                 tempos=(Tempo(100.0),), key_signatures=(KeySignature("F"),))


@pytest.fixture
def drags(monkeypatch):
    """Every QDrag that was started: (local file paths of its URLs, supported actions, has pixmap)."""
    started = []

    def fake_exec(self, *args, **kwargs):
        mime = self.mimeData()
        started.append(([u.toLocalFile() for u in mime.urls() if u.isLocalFile()], args, not self.pixmap().isNull()))
        return Qt.DropAction.CopyAction

    monkeypatch.setattr(QDrag, "exec", fake_exec)
    return started


def dropped_file(drags) -> Path:
    assert len(drags) == 1, drags
    urls, _args, has_pixmap = drags[0]
    assert len(urls) == 1 and urls[0].endswith(".mid") and has_pixmap
    path = Path(urls[0])
    assert path.parent == cache_dir() / "clips" and path.is_file()
    return path


def shifted(notes, offset):
    return sorted((n.pitch, n.start - offset, n.duration, n.velocity) for n in notes)


def read_notes(path):
    return sorted((n.pitch, n.start, n.duration, n.velocity) for n in formats.read(path).all_notes())


def test_alt_drag_on_a_selected_note_drags_the_selection_as_a_clip(qtbot, drags):
    roll = make_roll(qtbot, piece())
    notes = roll.doc.current_track.notes
    chosen = [n for n in notes if BAR + 480 <= n.start < 3 * BAR]  # from beat 2 of bar 2 to bar 3
    assert len(chosen) == 7
    roll.doc.select([n.id for n in chosen])
    messages = []
    roll.messageShown.connect(messages.append)
    grab = chosen[2]
    a = pt(roll, grab.start + 240, grab.pitch)
    vp = roll.view.viewport()
    qtbot.mousePress(vp, LEFT, ALT, a)
    qtbot.mouseMove(vp, QPoint(a.x() + 3, a.y()))
    assert drags == []  # not past the drag distance yet
    for dx in (10, 40, 120):
        qtbot.mouseMove(vp, QPoint(a.x() + dx, a.y() + dx // 4))
    qtbot.mouseRelease(vp, LEFT, ALT, QPoint(a.x() + 120, a.y() + 30))
    path = dropped_file(drags)
    assert path.name == "Clip-Test-bars-2-3.mid"
    assert read_notes(path) == shifted(chosen, BAR)
    back = formats.read(path)
    assert [str(c.symbol) for c in back.chords] == ["F", "G7"] and back.chords[0].start == 0
    assert back.tempo == pytest.approx(100.0, abs=0.01) and back.key.tonic == "F"
    # nothing was edited: the drag is not a move
    assert roll.doc.undo_stack.count() == 0 and roll.doc.current_track.notes == notes
    assert roll.view.tool is None
    assert messages and messages[-1] == "Dragged Clip-Test-bars-2-3.mid (7 notes and 2 chords, bars 2-3)"


def test_plain_drag_still_moves_and_alt_click_only_selects(qtbot, drags):
    roll = make_roll(qtbot, piece())
    first = roll.doc.current_track.notes[0]
    vp = roll.view.viewport()
    qtbot.mouseClick(vp, LEFT, ALT, pt(roll, first.start + 240, first.pitch))
    assert roll.doc.selection.notes == {first.id} and drags == []
    a = pt(roll, first.start + 240, first.pitch)
    qtbot.mousePress(vp, LEFT, NOMOD, a)
    for dx in (10, 40, 80):
        qtbot.mouseMove(vp, QPoint(a.x() + dx, a.y()))
    qtbot.mouseRelease(vp, LEFT, NOMOD, QPoint(a.x() + 80, a.y()))
    assert drags == [] and roll.doc.undo_stack.count() == 1  # moved, as before


def test_toolbar_grip_and_export_selection(qtbot, window, dialogs, drags, tmp_path):  # noqa: F811
    w = window
    w.doc.load(piece())
    action = w.actions_by_name["export_selection_midi"]
    assert action in w.menus["file"].actions()
    assert not action.isEnabled() and not w.clip_grip.isEnabled()  # nothing selected
    assert not w.files.export_selection_midi() and "Select the notes" in w.statusBar().currentMessage()

    chosen = [n for n in w.doc.score.melody.notes if 2 * BAR + 960 <= n.start < 4 * BAR]
    w.doc.select([n.id for n in chosen])
    assert action.isEnabled() and w.clip_grip.isEnabled()

    # the grip: press, move past the drag distance, release
    grip = w.clip_grip
    c = grip.rect().center()
    qtbot.mousePress(grip, LEFT, NOMOD, c)
    for dx in (4, 12, 30):
        qtbot.mouseMove(grip, QPoint(c.x() + dx, c.y() + dx))
    qtbot.mouseRelease(grip, LEFT, NOMOD, QPoint(c.x() + 30, c.y() + 30))
    path = dropped_file(drags)
    assert path.name == "Clip-Test-bars-3-4.mid"
    assert read_notes(path) == shifted(chosen, 2 * BAR)
    assert "Dragged Clip-Test-bars-3-4.mid" in w.statusBar().currentMessage()
    assert not grip.isDown()

    # a plain click on the grip explains the gesture and drags nothing
    qtbot.mouseClick(grip, LEFT, NOMOD, c)
    assert len(drags) == 1 and "Alt+drag" in w.statusBar().currentMessage()

    # File > Export Selection as MIDI...
    out = tmp_path / "selection"
    dialogs.answer_file(out)
    action.trigger()
    assert dialogs.file_dialogs == ["Export Selection as MIDI"]
    written = out.with_suffix(".mid")
    assert read_notes(written) == shifted(chosen, 2 * BAR)
    assert [str(ch.symbol) for ch in formats.read(written).chords] == ["G7", "C"]
    assert not w.doc.is_modified
    assert w.statusBar().currentMessage() == "Exported 6 notes and 2 chords (bars 3-4) to selection.mid"

    w.doc.clear_selection()
    assert not action.isEnabled() and not grip.isEnabled()


def test_clip_folder_keeps_the_newest_twenty(qtbot, drags):
    roll = make_roll(qtbot, piece())
    for n in roll.doc.current_track.notes:
        roll.doc.select([n.id])
        roll.drag_selection_clip()
    assert len(drags) == 16
    for i in range(8):  # 8 more, each from a changed piece (new content: a new file each time)
        roll.doc.edit("louder", roll.doc.score.with_notes(
            [Note(n.pitch, n.start, n.duration, 30 + i) for n in roll.doc.current_track.notes]))
        roll.doc.select([roll.doc.current_track.notes[i].id, roll.doc.current_track.notes[i + 4].id])
        assert roll.doc.selection
        roll.drag_selection_clip()
    assert len(drags) == 24 and len({d[0][0] for d in drags}) == 24
    files = list((cache_dir() / "clips").glob("*.mid"))
    assert len(files) == 20
    assert Path(drags[-1][0][0]) in files


# ---- the assistant's candidate grip (a real, tiny model) ---------------------------------------
@pytest.fixture
def assistant_window(qtbot, tiny_model_dir):
    w = model_window(qtbot, tiny_model_dir, piece())
    yield w
    close_window(w)


def test_candidate_grip_drags_the_shown_candidate(qtbot, assistant_window, drags):
    w = assistant_window
    ctl = w.assistant
    grip = ctl.panel.drag_button
    assert not grip.isEnabled()
    with qtbot.waitSignal(ctl.service.finished, timeout=60000):
        qtbot.keyClick(w.roll.view.viewport(), Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: bool(ctl.panel.candidates))
    assert grip.isEnabled()
    w.assistant.panel.raise_()
    cand = ctl.current()
    assert cand.notes or cand.chords
    c = grip.rect().center()
    qtbot.mousePress(grip, LEFT, NOMOD, c)
    for dx in (5, 15, 40):
        qtbot.mouseMove(grip, QPoint(c.x() - dx, c.y()))
    qtbot.mouseRelease(grip, LEFT, NOMOD, QPoint(c.x() - 40, c.y()))
    path = dropped_file(drags)
    first_bar = w.doc.score.meter.bar_at(cand.region[0])
    assert path.name == f"Clip-Test-candidate-{cand.rank}-bars-{first_bar.index + 1}-" \
                        f"{w.doc.score.meter.bar_at(cand.region[1] - 1).index + 1}.mid"
    assert read_notes(path) == shifted(cand.notes, first_bar.start)
    back = formats.read(path)
    assert [(str(ch.symbol), ch.start) for ch in back.chords] == \
        [(str(ch.symbol), ch.start - first_bar.start) for ch in cand.chords]
    assert back.tempo == pytest.approx(100.0, abs=0.01)
    assert w.doc.undo_stack.count() == 0  # dragging does not accept it
