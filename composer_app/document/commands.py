"""Undo commands. A single command class covers every edit: it swaps score snapshots.

Compound edits (accepting a suggestion = notes + chords) are one command because the new score
already contains both; ``QUndoStack.beginMacro`` is available for callers that chain several.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..score import Score


class ScoreEditCommand(QUndoCommand):
    def __init__(self, doc, text: str, before: Score, after: Score, sel_before, sel_after):
        super().__init__(text)
        self._doc = doc
        self._before, self._after = before, after
        self._sel_before, self._sel_after = sel_before, sel_after

    def redo(self) -> None:  # Qt calls redo() on push
        self._doc._apply(self._after, self._sel_after)

    def undo(self) -> None:
        self._doc._apply(self._before, self._sel_before)
