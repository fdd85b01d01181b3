"""Undo history: every edit of the document, newest last; clicking a row undoes/redoes up to it."""

from __future__ import annotations

from PySide6.QtWidgets import QUndoView, QWidget

from ...document import ScoreDocument


class UndoHistoryPanel(QUndoView):
    def __init__(self, document: ScoreDocument, parent: QWidget | None = None):
        super().__init__(document.undo_stack, parent)
        self.setObjectName("undoHistoryPanel")
        self.setEmptyLabel("<opened>")
