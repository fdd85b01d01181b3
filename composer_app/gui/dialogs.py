"""Dialogs: errors, the unsaved-changes prompt, the ABC tune chooser, score properties.

The simple prompts go through ``QMessageBox``'s static functions so tests can answer them by
monkeypatching (a test must never block on a modal dialog). :class:`ExceptionDialogHook` is the
``sys.excepthook`` the app installs: an unexpected error is shown in a dialog and the application
(and the open document) carry on.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections import deque
from typing import Callable, Sequence

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QListWidget,
    QListWidgetItem, QMessageBox, QVBoxLayout, QWidget,
)

from ..errors import ComposerError
from ..logs import where_text
from ..score import MODES, Score
from .panels import properties_ops as ops

APP_TITLE = "Composer Assistant"

# What ask_save_changes returns.
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    """A modal error box (``QMessageBox.critical``)."""
    QMessageBox.critical(parent, title, text)


def show_file_error(parent: QWidget | None, action: str, error: Exception) -> None:
    """Tell the composer that ``action`` ("Could not open", ...) failed; names the file and reason."""
    show_error(parent, f"{action} - {APP_TITLE}", f"{action}:\n\n{error}")


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """Save / Discard / Cancel for the modified document ``name``; returns SAVE, DISCARD or CANCEL."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, f"Unsaved changes - {APP_TITLE}",
        f"“{name}” has unsaved changes.\n\nSave them before continuing?",
        buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
    if answer == buttons.Save:
        return SAVE
    if answer == buttons.Discard:
        return DISCARD
    return CANCEL


def ask_forget_taste(parent: QWidget | None) -> bool:
    """Whether to delete the decision log and the taste the assistant learned from it."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, f"Forget what the assistant learned - {APP_TITLE}",
        "Delete the record of your decisions on suggestions and the taste the assistant learned from "
        "them? Suggestions go back to the assistant's own order. This cannot be undone.",
        buttons.Yes | buttons.Cancel, buttons.Cancel)
    return answer == buttons.Yes


def ask_forget_styles(parent: QWidget | None, names: Sequence[str]) -> bool:
    """Whether "Forget what you learned" also deletes the styles learned from the composer's music."""
    buttons = QMessageBox.StandardButton
    shown = ", ".join(f"“{n}”" for n in names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    answer = QMessageBox.question(
        parent, f"Forget what the assistant learned - {APP_TITLE}",
        f"Also delete the {'style' if len(names) == 1 else f'{len(names)} styles'} learned from your music "
        f"({shown})? {'Its model folder is' if len(names) == 1 else 'Their model folders are'} deleted and "
        f"the bundled model is used instead. No keeps {'it' if len(names) == 1 else 'them'} in Assistant > Model. "
        "This cannot be undone.",
        buttons.Yes | buttons.No, buttons.No)
    return answer == buttons.Yes


def ask_unfold_repeats(parent: QWidget | None, tune: str) -> bool | None:
    """Whether to write out an ABC tune's repeats in full; None when cancelled."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent, f"Repeats - {APP_TITLE}",
        f"“{tune}” has repeat signs.\n\nUnfold them, so that every repeated section is written out in "
        "the roll as it is played? (No keeps the tune as notated, each section once.)",
        buttons.Yes | buttons.No | buttons.Cancel, buttons.Yes)
    if answer == buttons.Cancel:
        return None
    return answer == buttons.Yes


class TuneChooserDialog(QDialog):
    """Lists the tunes of a multi-tune ABC file (number and title) with a filter box."""

    def __init__(self, file_name: str, tunes: Sequence, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Choose a tune - {file_name}")
        self.resize(460, 520)
        self._tunes = list(tunes)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"“{file_name}” holds {len(self._tunes)} tunes. Which one do you want to import?"))
        self.filter_edit = QLineEdit(placeholderText="Filter by title or number")
        self.filter_edit.setClearButtonEnabled(True)
        layout.addWidget(self.filter_edit)
        self.list = QListWidget()
        for i, tune in enumerate(self._tunes):
            title = tune.title or "(untitled)"
            item = QListWidgetItem(f"X:{tune.number}  {title}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        layout.addWidget(self.list)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        self.filter_edit.textChanged.connect(self._on_filter_edit_textChanged)

    def _on_filter_edit_textChanged(self, text: str) -> None:
        needle = text.strip().lower()
        first_visible = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = bool(needle) and needle not in item.text().lower()
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = row
        if first_visible is not None:
            self.list.setCurrentRow(first_visible)

    def selected_tune(self):
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return None
        return self._tunes[item.data(Qt.ItemDataRole.UserRole)]


def choose_abc_tune(parent: QWidget | None, file_name: str, tunes: Sequence):
    """Ask which tune to import; returns the chosen ``TuneInfo`` or ``None`` (cancelled)."""
    dialog = TuneChooserDialog(file_name, tunes, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.selected_tune()


class ScorePropertiesDialog(QDialog):
    """Title, tempo, time signature and key of a score; :meth:`result_score` applies them."""

    def __init__(self, score: Score, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"Score Properties - {APP_TITLE}")
        self._score = score
        form = QFormLayout(self)
        self.title_edit = QLineEdit(score.title)
        self.tempo_spin = QDoubleSpinBox(decimals=1, minimum=10.0, maximum=400.0, suffix=" bpm")
        self.tempo_spin.setValue(score.tempo)
        self.meter_combo = QComboBox(editable=True)
        self.meter_combo.addItems(ops.COMMON_METERS)
        self.meter_combo.setCurrentText(str(score.time_signature))
        self.tonic_combo = QComboBox()
        self.tonic_combo.addItems((ops.AUTO_KEY,) + ops.TONICS)
        self.tonic_combo.setToolTip(ops.AUTO_KEY_TIP)
        tonic, mode = ops.key_choice(score.key)
        if self.tonic_combo.findText(tonic) < 0:
            self.tonic_combo.addItem(tonic)
        self.tonic_combo.setCurrentText(tonic)
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(list(MODES))
        self.mode_combo.setCurrentText(mode)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020")
        form.addRow("&Title:", self.title_edit)
        form.addRow("T&empo:", self.tempo_spin)
        form.addRow("Time &signature:", self.meter_combo)
        form.addRow("&Key:", self.tonic_combo)
        form.addRow("&Mode:", self.mode_combo)
        form.addRow(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def result_score(self) -> Score:
        """The score with the dialog's values; ``ValueError`` for an invalid time signature."""
        sig = ops.parse_time_signature(self.meter_combo.currentText())
        s = ops.set_title(self._score, self.title_edit.text())
        s = ops.set_tempo(s, self.tempo_spin.value())
        s = ops.set_time_signature(s, sig.numerator, sig.denominator)
        tonic, mode = self.tonic_combo.currentText(), self.mode_combo.currentText()
        if (tonic, "major" if tonic == ops.AUTO_KEY else mode) == ops.key_choice(self._score.key):
            return s  # the key as it was (an assumed one stays assumed)
        return ops.set_key(s, tonic, mode)

    def accept(self) -> None:
        try:
            self.result_score()
        except ValueError as exc:
            self.error_label.setText(str(exc))
            return
        super().accept()


class ExceptionDialogHook(QObject):
    """``sys.excepthook`` (and ``threading.excepthook``) replacement: show an unexpected error in a
    dialog and keep the application and the open document alive.

    ``parent`` is a callable returning the window to parent the dialog to (or ``None``). The
    traceback also goes to stderr and to the log file (:mod:`composer_app.logs`), for bug reports. An error raised in another thread is queued in
    a plain deque that a GUI-thread timer drains (no Qt call from the foreign thread). A second
    error raised while the dialog is up is only printed, so a failing paint or timer cannot stack
    up dialogs.
    """

    def __init__(self, parent: Callable[[], QWidget | None] = lambda: None):
        super().__init__()
        self._parent = parent
        self._showing = False
        self.previous = sys.excepthook
        self.previous_thread_hook = threading.excepthook
        self._from_threads: deque[tuple[str, str]] = deque()
        self._timer = QTimer(self, interval=200)
        self._timer.timeout.connect(self._drain)

    def install(self) -> "ExceptionDialogHook":
        sys.excepthook = self
        threading.excepthook = self._thread_hook
        self._timer.start()
        return self

    def uninstall(self) -> None:
        self._timer.stop()
        if sys.excepthook is self:
            sys.excepthook = self.previous
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self.previous_thread_hook

    def _thread_hook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        self(args.exc_type, args.exc_value, args.exc_traceback)

    def __call__(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self.previous(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(details)
        logging.getLogger(__name__).error("unexpected error\n%s", details.rstrip())
        if isinstance(exc, ComposerError):
            message = str(exc)
        else:
            message = (f"Something went wrong: {exc_type.__name__}: {exc}\n\n"
                       "Your score is still open; save it under a new name to be safe.\n\n"
                       f"{where_text()}.")
        if threading.current_thread() is threading.main_thread():  # the GUI thread
            self._show(message, details)
        else:
            self._from_threads.append((message, details))  # shown by the GUI thread's timer

    def _drain(self) -> None:
        while self._from_threads:
            self._show(*self._from_threads.popleft())

    def _show(self, message: str, details: str) -> None:
        if self._showing:
            return
        self._showing = True
        try:
            box = QMessageBox(self._parent())
            box.setIcon(QMessageBox.Icon.Critical)
            box.setWindowTitle(f"Unexpected error - {APP_TITLE}")
            box.setText(message)
            box.setDetailedText(details)
            box.exec()
        finally:
            self._showing = False
