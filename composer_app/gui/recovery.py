"""Crash recovery in the window: autosave wiring and the "recover unsaved work" offer at start.

:func:`install_recovery` starts this editor's recovery session and its
:class:`~composer_app.document.autosave.Autosaver`; :func:`offer_recovery` (called once the window
is shown) lists the work that editors which crashed or were killed left behind and lets the
composer recover one piece, discard it, or decide later. A recovered piece opens as an *unsaved
change* on top of its project file (one undo step, "Recover unsaved work"), or as a new untitled
piece when it had no file, so nothing is overwritten until the composer saves. The document then
stays modified until it is saved (undo past the recovery is never "clean"), and the recovered
file stays in the recovery folder until then.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget,
)

from .. import formats
from ..document.autosave import Autosaver, autosave_interval
from ..errors import ComposerError
from ..recovery import RecoveryEntry, RecoveryStore
from ..score import Score
from . import dialogs

RECOVER, DISCARD, LATER = "recover", "discard", "later"


class RecoveryDialog(QDialog):
    """Lists orphaned recovery files (newest first); Recover / Discard / Decide Later."""

    def __init__(self, entries: list[RecoveryEntry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("recoveryDialog")
        self.setWindowTitle(f"Recover Unsaved Work - {dialogs.APP_TITLE}")
        self.resize(640, 260)
        self.entries = list(entries)
        self.choice = LATER
        layout = QVBoxLayout(self)
        one = len(self.entries) == 1
        text = ("Composer Assistant did not close normally last time. This unsaved work was kept:"
                if one else
                f"Composer Assistant did not close normally. {len(self.entries)} pieces of unsaved work "
                "were kept; choose one to recover (the others stay for later):")
        label = QLabel(text)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.list = QListWidget()
        for i, entry in enumerate(self.entries):
            item = QListWidgetItem(entry.describe())
            item.setToolTip(f"Belongs to: {entry.source}" if entry.source else "Not saved to a file yet")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        layout.addWidget(self.list)
        note = QLabel("Recover opens it as unsaved changes: nothing is overwritten until you save. "
                      "Discard deletes the selected copy for good.")
        note.setWordWrap(True)
        layout.addWidget(note)
        self.buttons = QDialogButtonBox()
        recover = self.buttons.addButton("&Recover", QDialogButtonBox.ButtonRole.AcceptRole)
        discard = self.buttons.addButton("&Discard", QDialogButtonBox.ButtonRole.DestructiveRole)
        later = self.buttons.addButton("Decide &Later", QDialogButtonBox.ButtonRole.RejectRole)
        recover.setDefault(True)
        recover.setObjectName("recoverButton")
        discard.setObjectName("discardButton")
        later.setObjectName("laterButton")
        recover.clicked.connect(lambda: self._finish(RECOVER))
        discard.clicked.connect(lambda: self._finish(DISCARD))
        later.clicked.connect(lambda: self._finish(LATER))
        layout.addWidget(self.buttons)

    def _finish(self, choice: str) -> None:
        self.choice = choice
        self.done(QDialog.DialogCode.Accepted if choice != LATER else QDialog.DialogCode.Rejected)

    def selected(self) -> RecoveryEntry | None:
        item = self.list.currentItem()
        return self.entries[item.data(Qt.ItemDataRole.UserRole)] if item is not None else None

    def button(self, choice: str) -> QPushButton:
        return self.findChild(QPushButton, f"{choice}Button")


def ask_recover(parent: QWidget | None, entries: list[RecoveryEntry]) -> tuple[str, RecoveryEntry | None]:
    """Show the recovery dialog; (RECOVER|DISCARD|LATER, the chosen entry). Tests patch this."""
    dialog = RecoveryDialog(entries, parent)
    dialog.exec()
    return dialog.choice, dialog.selected()


def _store_of(autosaver: Autosaver) -> RecoveryStore:
    """The recovery folder this editor's session lives in (orphans are its neighbours)."""
    return RecoveryStore(autosaver.session.folder)


def install_recovery(window, settings, store: RecoveryStore | None = None) -> Autosaver:
    """Start this editor's recovery session and autosave; ``window.autosaver`` is the result."""
    store = store or RecoveryStore()
    session = store.start_session()
    autosaver = Autosaver(window.doc, session, name_of=window.files.display_name,
                          interval_s=autosave_interval(settings.autosave_seconds), parent=window)
    autosaver.failed.connect(lambda text: window.status_message(text, 15000))
    window.closed.connect(autosaver.close)
    return autosaver


def offer_recovery(window, autosaver: Autosaver) -> bool:
    """Offer the orphaned work, if any. True when a piece was recovered into the window."""
    store = _store_of(autosaver)
    entries = store.orphans()
    while entries:
        choice, entry = ask_recover(window, entries)
        if choice == LATER or entry is None:
            window.status_message(f"{len(entries)} unsaved piece(s) kept; they will be offered at the next start.",
                                  10000)
            return False
        if choice == DISCARD:
            store.discard(entry)
            entries = store.orphans()
            continue
        return recover_entry(window, autosaver, entry)
    return False


def recover_entry(window, autosaver: Autosaver, entry: RecoveryEntry) -> bool:
    """Open ``entry`` as unsaved changes; its orphan file is kept until the work is saved."""
    try:
        score = entry.load()
    except ComposerError as exc:
        dialogs.show_file_error(window, "Could not recover the unsaved work", exc)
        return False
    doc, files = window.doc, window.files
    source = Path(entry.source) if entry.source else None
    base: Score | None = None
    if source is not None and source.suffix.lower() == ".composer" and source.is_file():
        try:
            base = formats.read(source)
        except Exception:  # noqa: BLE001 - a damaged original: recover as a new piece instead
            base = None
    if base is not None:
        doc.load(base, source)
    else:
        name = entry.name.replace(" (imported)", "").replace(" (recovered)", "")
        if name.lower().endswith(".composer"):
            name = name[: -len(".composer")]
        files.untitled_name = f"{name} (recovered)"
        doc.load(Score(), None)
    if not doc.edit("Recover unsaved work", score):
        # identical to the saved file: nothing was lost after all
        _store_of(autosaver).discard(entry)
        window.status_message(f"“{entry.name}”: the saved file already holds this work.", 10000)
        return True
    # Undo may go back past the recovery, but never to a "clean" state the disk does not hold, and
    # the orphan stays (adopted, locked) until the work is saved: nothing depends on this
    # session's copy, which an undo rewrites.
    doc.forget_clean_state()
    autosaver.session.adopt(entry)
    autosaver.save_now()
    undo_hint = " (Ctrl+Z shows the last saved version)" if base is not None else ""
    window.status_message(f"Recovered “{entry.name}” from {entry.saved_at_text}. Save it to keep it"
                          f"{undo_hint}.", 15000)
    return True
