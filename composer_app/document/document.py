"""ScoreDocument: the single owner of the score being edited.

Every change goes through :meth:`ScoreDocument.edit` (or :meth:`ScoreDocument.edit_with`), which
pushes exactly one :class:`~composer_app.document.commands.ScoreEditCommand` on the undo stack:
one undo path for every change. The command stores the score and selection before and after
(snapshots are cheap: scores are immutable and unchanged tracks are shared). Views listen to the
signals and redraw; they never edit their own items into the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..score import Chord, Note, Score, Track


@dataclass(frozen=True)
class Selection:
    notes: frozenset[int] = frozenset()
    chords: frozenset[int] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.notes or self.chords)


@dataclass
class NoteDiff:
    """What changed between two scores, by stable id (for incremental redraws)."""

    added: list[Note] = field(default_factory=list)
    removed: list[Note] = field(default_factory=list)
    changed: list[tuple[Note, Note]] = field(default_factory=list)  # (old, new)
    chords_added: list[Chord] = field(default_factory=list)
    chords_removed: list[Chord] = field(default_factory=list)
    chords_changed: list[tuple[Chord, Chord]] = field(default_factory=list)
    tracks_changed: bool = False  # names, channels, programs, order, count
    meta_changed: bool = False  # tempo, meter, key, title

    @staticmethod
    def between(old: Score, new: Score) -> "NoteDiff":
        d = NoteDiff()
        if old is new:
            return d
        # Tracks whose notes are the very same tuple in both scores (unchanged tracks are shared
        # between snapshots) add nothing to the diff: skip them, so that a small edit of a large
        # score costs the edited tracks only.
        same = {t.id for t in old.tracks} & {t.id for t in new.tracks}
        old_by_id = {t.id: t.notes for t in old.tracks}
        same = {i for i in same if new.track_by_id(i).notes is old_by_id[i]}
        old_notes = {n.id: n for t in old.tracks if t.id not in same for n in t.notes}
        new_notes = {n.id: n for t in new.tracks if t.id not in same for n in t.notes}
        d.added = [n for i, n in new_notes.items() if i not in old_notes]
        d.removed = [n for i, n in old_notes.items() if i not in new_notes]
        d.changed = [(old_notes[i], n) for i, n in new_notes.items()
                     if i in old_notes and old_notes[i] is not n and old_notes[i] != n]
        oc = {c.id: c for c in old.chords}
        nc = {c.id: c for c in new.chords}
        d.chords_added = [c for i, c in nc.items() if i not in oc]
        d.chords_removed = [c for i, c in oc.items() if i not in nc]
        d.chords_changed = [(oc[i], c) for i, c in nc.items() if i in oc and oc[i] != c]
        strip = lambda t: (t.id, t.name, t.channel, t.program, t.muted)  # noqa: E731
        d.tracks_changed = [strip(t) for t in old.tracks] != [strip(t) for t in new.tracks]
        d.meta_changed = (old.tempos, old.time_signatures, old.key_signatures, old.title,
                          old.chord_program, old.chord_channel) != (
            new.tempos, new.time_signatures, new.key_signatures, new.title,
            new.chord_program, new.chord_channel)
        return d

    @property
    def notes_touched(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    @property
    def chords_touched(self) -> bool:
        return bool(self.chords_added or self.chords_removed or self.chords_changed)


class ScoreDocument(QObject):
    #: Emitted after every change of the score, with what changed.
    scoreChanged = Signal(object)  # NoteDiff
    #: Emitted when a whole new score replaced the old one (new/open): views rebuild.
    scoreReset = Signal()
    selectionChanged = Signal()
    pathChanged = Signal(str)
    modifiedChanged = Signal(bool)
    currentTrackChanged = Signal(int)

    def __init__(self, score: Score | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._score = score or Score()
        self._selection = Selection()
        self._path: Path | None = None
        self._current_track_id = self._score.tracks[0].id
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)

    def _on_undo_stack_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(not clean)

    # ---- state -------------------------------------------------------------------------
    @property
    def score(self) -> Score:
        return self._score

    @property
    def selection(self) -> Selection:
        return self._selection

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def current_track(self) -> Track:
        try:
            return self._score.track_by_id(self._current_track_id)
        except KeyError:
            return self._score.tracks[0]

    def set_current_track(self, track_id: int) -> None:
        if track_id != self._current_track_id:
            self._current_track_id = track_id
            self.currentTrackChanged.emit(track_id)

    def selected_notes(self) -> list[Note]:
        return [n for n in self._score.all_notes() if n.id in self._selection.notes]

    def selected_chords(self) -> list[Chord]:
        return [c for c in self._score.chords if c.id in self._selection.chords]

    # ---- whole-document operations (not undoable: they start a new history) -------------
    def load(self, score: Score, path: str | Path | None = None) -> None:
        """Replace the document (New/Open/Import): clears undo history and selection."""
        self._score = score
        self._selection = Selection()
        self._current_track_id = score.tracks[0].id
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.set_path(path)
        self.scoreReset.emit()
        self.selectionChanged.emit()
        self.modifiedChanged.emit(False)

    def set_path(self, path: str | Path | None) -> None:
        self._path = Path(path) if path else None
        self.pathChanged.emit(str(self._path or ""))

    def mark_saved(self, path: str | Path) -> None:
        self.set_path(path)
        self.undo_stack.setClean()

    def forget_clean_state(self) -> None:
        """No step of the history matches what is on disk any more (recovered work): the document
        stays modified, whatever is undone or redone, until it is saved or replaced."""
        was_modified = self.is_modified
        self.undo_stack.resetClean()
        if not was_modified:
            self.modifiedChanged.emit(True)

    # ---- selection (not an edit; commands restore it) ------------------------------------
    def select(self, notes=(), chords=(), *, add: bool = False, toggle: bool = False) -> None:
        notes, chords = frozenset(notes), frozenset(chords)
        if toggle:
            sel = Selection(self._selection.notes ^ notes, self._selection.chords ^ chords)
        elif add:
            sel = Selection(self._selection.notes | notes, self._selection.chords | chords)
        else:
            sel = Selection(notes, chords)
        self.set_selection(sel)

    def select_all(self) -> None:
        self.set_selection(Selection(frozenset(n.id for n in self.current_track.notes),
                                     frozenset(c.id for c in self._score.chords)))

    def clear_selection(self) -> None:
        self.set_selection(Selection())

    def set_selection(self, sel: Selection) -> None:
        if sel.notes:  # (no pass over every note of a large score when nothing is selected)
            sel = Selection(sel.notes & {n.id for n in self._score.all_notes()}, sel.chords)
        if sel.chords:
            sel = Selection(sel.notes, sel.chords & {c.id for c in self._score.chords})
        if sel != self._selection:
            self._selection = sel
            self.selectionChanged.emit()

    # ---- edits: the one path into the undo stack ------------------------------------------
    def edit(self, text: str, new_score: Score, selection: Selection | None = None) -> bool:
        """Push one undoable change from the current score to ``new_score``.

        ``selection`` is the selection after the edit (default: the current one, pruned).
        Returns False (and pushes nothing) when nothing changed.
        """
        from .commands import ScoreEditCommand

        if new_score is self._score or new_score == self._score and _same_ids(new_score, self._score):
            return False
        cmd = ScoreEditCommand(self, text, self._score, new_score, self._selection,
                               selection if selection is not None else self._selection)
        self.undo_stack.push(cmd)
        return True

    def edit_with(self, text: str, fn: Callable[[Score], Score], selection: Selection | None = None) -> bool:
        return self.edit(text, fn(self._score), selection)

    def _apply(self, score: Score, selection: Selection) -> None:
        """Primitive used by undo commands only."""
        old = self._score
        self._score = score
        diff = NoteDiff.between(old, score)
        lost_track = diff.tracks_changed and not any(t.id == self._current_track_id for t in score.tracks)
        if lost_track:
            # The current track went away (removed, or its "add" undone): the first track takes
            # over, and the views that follow the current track (roll, MIDI thru, combo) are told.
            self._current_track_id = score.tracks[0].id
        self.scoreChanged.emit(diff)
        if lost_track:
            self.currentTrackChanged.emit(self._current_track_id)
        self.set_selection(selection)


def _same_ids(a: Score, b: Score) -> bool:
    return [n.id for n in a.all_notes()] == [n.id for n in b.all_notes()] and \
        [c.id for c in a.chords] == [c.id for c in b.chords]
