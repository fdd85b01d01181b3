"""Dockable side panels of the main window."""

from .properties import PropertiesPanel
from .undo_history import UndoHistoryPanel

__all__ = ["PropertiesPanel", "UndoHistoryPanel"]
