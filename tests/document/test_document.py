

from composer_app.document import ScoreDocument, Selection  # noqa: E402
from composer_app.score import Note, edits  # noqa: E402


def test_one_undo_step_per_edit_and_selection_restored(qtbot):
    doc = ScoreDocument()
    tid = doc.current_track.id
    notes = [Note(60, 0, 480), Note(64, 480, 480)]
    diffs = []
    doc.scoreChanged.connect(diffs.append)
    doc.edit("Add notes", edits.add_notes(doc.score, tid, notes), Selection(frozenset(n.id for n in notes)))
    assert doc.undo_stack.count() == 1 and doc.is_modified
    assert len(diffs[-1].added) == 2
    doc.select([notes[0].id])
    doc.edit("Transpose", edits.transpose_notes(doc.score, [notes[0].id], 12))
    assert [n.pitch for n in doc.score.melody.notes] == [72, 64]
    doc.clear_selection()
    doc.undo_stack.undo()
    assert [n.pitch for n in doc.score.melody.notes] == [60, 64]
    assert doc.selection.notes == {notes[0].id}
    doc.undo_stack.undo()
    assert doc.score.melody.notes == () and not doc.is_modified
    doc.undo_stack.redo()
    assert doc.selection.notes == {n.id for n in notes}


def test_no_op_edit_pushes_nothing(qtbot):
    doc = ScoreDocument()
    assert doc.edit("Nothing", doc.score) is False
    assert doc.undo_stack.count() == 0


def test_load_resets_history(qtbot):
    doc = ScoreDocument()
    doc.edit("Add", edits.add_notes(doc.score, doc.current_track.id, [Note(60, 0, 10)]))
    resets = []
    doc.scoreReset.connect(lambda: resets.append(1))
    doc.load(edits.add_notes(doc.score, doc.current_track.id, [Note(62, 0, 10)]), "/tmp/x.composer")
    assert resets and doc.undo_stack.count() == 0 and not doc.is_modified and doc.path.name == "x.composer"
