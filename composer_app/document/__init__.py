"""The open document: a Score plus selection, path and undo stack (QtCore/QtGui only, no widgets)."""

from .document import NoteDiff, ScoreDocument, Selection

__all__ = ["NoteDiff", "ScoreDocument", "Selection"]
