"""Autosave of the open document to its crash-recovery file (QtCore only, no widgets).

The :class:`Autosaver` writes the document to this session's recovery file
(:class:`composer_app.recovery.RecoverySession`) at most ``interval`` seconds after the first
change that is not yet in it, and at once when asked (``save_now``: the app calls it after an
accepted suggestion). So a crash or ``kill -9`` loses at most ``interval`` seconds of work.
When the document is clean again (saved, or undone back to its saved state) or replaced (New,
Open), the recovery file is deleted: there is nothing to recover (with the orphan it recovered,
if any: see :meth:`~composer_app.recovery.RecoverySession.adopt`). A failing write (full disk,
read-only folder) is reported once per distinct reason through ``failed`` and retried on the next
change; it never interrupts editing.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QTimer, Signal

from ..errors import ComposerError
from ..recovery import RecoverySession
from .document import ScoreDocument

DEFAULT_INTERVAL_S = 30.0


def autosave_interval(configured: float | None = None) -> float:
    """Seconds between a change and its autosave: ``COMPOSER_APP_AUTOSAVE_SECONDS`` overrides the
    setting; bounded to 0.2 s .. 10 min."""
    raw = os.environ.get("COMPOSER_APP_AUTOSAVE_SECONDS")
    value = configured if configured is not None else DEFAULT_INTERVAL_S
    if raw:
        try:
            value = float(raw)
        except ValueError:
            pass
    if not value or value != value:  # 0 or NaN: the default
        value = DEFAULT_INTERVAL_S
    return min(600.0, max(0.2, value))


class Autosaver(QObject):
    #: The recovery file was written (its path).
    saved = Signal(str)
    #: Writing failed: a message for the status bar (once per distinct reason).
    failed = Signal(str)

    def __init__(self, document: ScoreDocument, session: RecoverySession, name_of=lambda: "Untitled",
                 interval_s: float = DEFAULT_INTERVAL_S, parent: QObject | None = None):
        super().__init__(parent)
        self.doc, self.session = document, session
        self._name_of = name_of  # the document's display name, stored with the copy
        self._pending = False  # a change not yet in the recovery file
        self._last_error = ""
        self._timer = QTimer(self, singleShot=True)
        self._timer.setInterval(int(interval_s * 1000))
        self._timer.timeout.connect(self._on_timer_timeout)
        document.scoreChanged.connect(self._on_doc_changed)
        document.scoreReset.connect(self._on_doc_changed)
        document.modifiedChanged.connect(self._on_doc_modifiedChanged)

    @property
    def interval_s(self) -> float:
        return self._timer.interval() / 1000

    @property
    def pending(self) -> bool:
        return self._pending

    def save_now(self) -> bool:
        """Write the recovery file now if the document has unsaved changes; True when the work is
        safe (written, or nothing to keep)."""
        self._timer.stop()
        if not self.doc.is_modified:
            self._pending = False
            self.session.remove()
            return True
        try:
            self.session.write(self.doc.score, name=self._name_of(), source=self.doc.path)
        except (ComposerError, OSError) as exc:
            message = f"Autosave failed: {exc}. Your work is still open; save it somewhere else."
            if message != self._last_error:
                self._last_error = message
                self.failed.emit(message)
            return False
        self._pending = False
        self._last_error = ""
        self.saved.emit(str(self.session.path))
        return True

    def close(self, *, keep: bool = False) -> None:
        """The editor is closing: the composer saved or discarded the work (``keep`` leaves it)."""
        self._timer.stop()
        self.session.close(keep=keep)

    # ---- slots ---------------------------------------------------------------------------
    def _on_doc_changed(self, *_args) -> None:
        if not self.doc.is_modified:
            return  # modifiedChanged(False) removes the file
        self._pending = True
        if not self._timer.isActive():
            self._timer.start()

    def _on_doc_modifiedChanged(self, modified: bool) -> None:
        if not modified:
            self._timer.stop()
            self._pending = False
            self.session.remove()
        else:
            self._on_doc_changed()

    def _on_timer_timeout(self) -> None:
        if self._pending:
            self.save_now()
