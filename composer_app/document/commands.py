"""Undo commands. A single command class covers every edit: it swaps score snapshots.

Compound edits (accepting a suggestion = notes + chords) are one command because the new score
already contains both; ``QUndoStack.beginMacro`` is available for callers that chain several.
"""

from __future__ import annotations

import weakref

from PySide6.QtGui import QUndoCommand

from ..score import Score


class ScoreEditCommand(QUndoCommand):
    def __init__(self, doc, text: str, before: Score, after: Score, sel_before, sel_after):
        super().__init__(text)
        # A weak reference: the document owns its undo stack, which owns (in C++) this command; a
        # strong reference back would be a cycle through C++ that Python's collector cannot see,
        # so a discarded document would never be freed, and collecting it late can crash.
        self._doc = weakref.ref(doc)
        self._before, self._after = before, after
        self._sel_before, self._sel_after = sel_before, sel_after

    def redo(self) -> None:  # Qt calls redo() on push
        doc = self._doc()
        if doc is not None:
            doc._apply(self._after, self._sel_after)

    def undo(self) -> None:
        doc = self._doc()
        if doc is not None:
            doc._apply(self._before, self._sel_before)
