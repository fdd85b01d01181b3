"""File operations of the main window: New, Open, Save, Save As, recent files, Import, Export.

Reading and writing is :mod:`composer_app.formats`; this module adds the dialogs and the policy:
a file that cannot be read or written is reported in an error dialog naming the file and the
reason, and the open document is left exactly as it was. File dialogs are ``QFileDialog``'s static
functions, so tests answer them by monkeypatching.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QWidget

from .. import formats
from ..document import ScoreDocument
from ..errors import ComposerError, FileFormatError
from ..formats.abc import has_repeats, list_tunes
from ..score import Score
from ..settings import Settings
from . import dialogs

PROJECT_SUFFIX = ".composer"
PROJECT_FILTER = f"Composer project (*{PROJECT_SUFFIX})"
MIDI_FILTER = "Standard MIDI file (*.mid *.midi)"
MUSICXML_FILTER = "MusicXML (*.musicxml *.xml *.mxl)"


@contextmanager
def _busy():
    """A wait cursor while a big file is read or written (a 20-minute MusicXML piece takes seconds)."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def file_safe(title: str) -> str:
    """A title as a file name: characters that are not allowed in file names on some system dropped."""
    import re

    name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "", title or "").strip().strip(".")
    return name[:120]


def _read_error(path: Path, exc: Exception) -> ComposerError:
    if isinstance(exc, ComposerError):
        return exc
    return FileFormatError(path, f"could not be read ({type(exc).__name__}: {exc})")


class FileController(QObject):
    """Owns the document's file life cycle for one window."""

    #: A status-bar message for the window.
    messageShown = Signal(str)
    #: The recent-files list changed (File > Open Recent rebuilds).
    recentFilesChanged = Signal()

    def __init__(self, document: ScoreDocument, settings: Settings, window: QWidget):
        super().__init__(window)
        self.doc, self.settings, self.window = document, settings, window
        #: Shown in the title for a document without a path (new or imported).
        self.untitled_name = "Untitled"

    # ---- names and dialogs -----------------------------------------------------------------
    def display_name(self) -> str:
        return self.doc.path.name if self.doc.path else self.untitled_name

    def _start_dir(self) -> str:
        d = self.settings.last_directory
        return d if d and Path(d).is_dir() else str(Path.home())

    def _remember_dir(self, path: Path) -> None:
        self.settings.last_directory = str(path.parent)

    def maybe_save(self) -> bool:
        """Unsaved-changes prompt. True when it is fine to drop the document."""
        if not self.doc.is_modified:
            return True
        answer = dialogs.ask_save_changes(self.window, self.display_name())
        if answer == dialogs.SAVE:
            return self.save()
        return answer == dialogs.DISCARD

    # ---- New / Open --------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.untitled_name = "Untitled"
        self.doc.load(Score(), None)
        self.messageShown.emit("New score")
        return True

    def open(self) -> bool:
        if not self.maybe_save():
            return False
        filters = formats.dialog_filters(False)
        name, _ = QFileDialog.getOpenFileName(self.window, "Open", self._start_dir(), filters)
        if not name:
            return False
        return self.open_path(name, ask=False)

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a project (or import any other readable file). ``ask``: run the unsaved prompt first."""
        path = Path(path)
        if ask and not self.maybe_save():
            return False
        if path.suffix.lower() != PROJECT_SUFFIX:
            return self._import_path(path, "Could not open the file")
        try:
            with _busy():
                score = formats.read(path)
        except Exception as exc:  # noqa: BLE001 - any failure to read leaves the document untouched
            dialogs.show_file_error(self.window, "Could not open the file", _read_error(path, exc))
            if not path.exists():
                self._forget_recent(path)
            return False
        self.doc.load(score, path)
        self._remember_dir(path)
        self.settings.add_recent_file(path)
        self.recentFilesChanged.emit()
        self.messageShown.emit(f"Opened {path.name}")
        return True

    # ---- Import ------------------------------------------------------------------------------
    def import_(self) -> bool:
        if not self.maybe_save():
            return False
        name, _ = QFileDialog.getOpenFileName(self.window, "Import", self._start_dir(), formats.dialog_filters(False))
        if not name:
            return False
        return self._import_path(Path(name))

    def _import_path(self, path: Path, failure: str = "Could not import the file") -> bool:
        """Read a MIDI/MusicXML/ABC file into a new, untitled document (asks which ABC tune, and
        whether to unfold its repeats). ``failure`` heads the error message (Open or Import)."""
        try:
            tune, unfold = None, False
            if path.suffix.lower() == ".abc":
                tunes = list_tunes(path)
                chosen = tunes[0] if tunes else None
                if len(tunes) > 1:
                    chosen = dialogs.choose_abc_tune(self.window, path.name, tunes)
                    if chosen is None:
                        return False
                    tune = chosen.number
                if has_repeats(path, tune):
                    name = chosen.title if chosen is not None and chosen.title else path.name
                    unfold = dialogs.ask_unfold_repeats(self.window, name)
                    if unfold is None:
                        return False
            with _busy():
                score = formats.read(path, tune=tune, expand_repeats=unfold)
        except Exception as exc:  # noqa: BLE001
            dialogs.show_file_error(self.window, failure, _read_error(path, exc))
            if not path.exists():
                self._forget_recent(path)
            return False
        self.untitled_name = f"{path.stem} (imported)"
        self.doc.load(score, None)
        self._remember_dir(path)
        self.settings.add_recent_file(path)
        self.recentFilesChanged.emit()
        self.messageShown.emit(f"Imported {path.name}")
        return True

    # ---- Save ---------------------------------------------------------------------------------
    def save(self) -> bool:
        path = self.doc.path
        if path is None or path.suffix.lower() != PROJECT_SUFFIX:
            return self.save_as()
        return self._write_project(path)

    def suggested_name(self) -> str:
        """The file name Save As proposes for a score without a project file: its title (a tune
        imported from a file of many is named after the tune, not the file), else the file's name."""
        title = file_safe(self.doc.score.title)
        return title or self.display_name().replace(" (imported)", "")

    def save_as(self) -> bool:
        start = self.doc.path if self.doc.path and self.doc.path.suffix.lower() == PROJECT_SUFFIX else \
            Path(self._start_dir()) / (self.suggested_name() + PROJECT_SUFFIX)
        if start.suffix.lower() != PROJECT_SUFFIX:
            start = start.with_suffix(PROJECT_SUFFIX)
        name, _ = QFileDialog.getSaveFileName(self.window, "Save As", str(start), PROJECT_FILTER)
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != PROJECT_SUFFIX:
            path = path.with_name(path.name + PROJECT_SUFFIX)
        return self._write_project(path)

    def _write_project(self, path: Path) -> bool:
        if not self._write(self.doc.score, path, "Could not save the project"):
            return False
        self.doc.mark_saved(path)
        self._remember_dir(path)
        self.settings.add_recent_file(path)
        self.recentFilesChanged.emit()
        self.messageShown.emit(f"Saved {path.name}")
        return True

    def _write(self, score: Score, path: Path, action: str) -> bool:
        try:
            with _busy():
                formats.write(score, path)
        except Exception as exc:  # noqa: BLE001 - a failed write must not lose the document
            err = exc if isinstance(exc, ComposerError) else FileFormatError(path, f"could not be written ({exc})")
            dialogs.show_file_error(self.window, action, err)
            return False
        return True

    # ---- Export -------------------------------------------------------------------------------
    def export_midi(self) -> bool:
        return self._export(".mid", MIDI_FILTER, "Export MIDI")

    def export_musicxml(self) -> bool:
        return self._export(".musicxml", MUSICXML_FILTER, "Export MusicXML")

    def export_selection_midi(self) -> bool:
        """Only the selected notes (and the chords of their bars) as a MIDI file that starts on the
        bar line of the first note, with the score's tempo, meter and key."""
        from ..formats.clips import clip_filename, clip_from_selection

        sel = self.doc.selection
        clip = clip_from_selection(self.doc.score, sel.notes, sel.chords)
        if clip is None:
            self.messageShown.emit("Select the notes to export first (Export MIDI writes the whole piece).")
            return False
        stem = self.doc.path.stem if self.doc.path else self.display_name().replace(" (imported)", "")
        start = Path(self._start_dir()) / clip_filename(self.doc.score.title or stem, clip)
        name, _ = QFileDialog.getSaveFileName(self.window, "Export Selection as MIDI", str(start), MIDI_FILTER)
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".mid")
        if not self._write(clip.score, path, f"Could not export {path.name}"):
            return False
        self._remember_dir(path)
        self.messageShown.emit(f"Exported {clip.summary} ({clip.bars_text}) to {path.name}")
        return True

    def _export(self, suffix: str, file_filter: str, title: str) -> bool:
        stem = self.doc.path.stem if self.doc.path else self.display_name().replace(" (imported)", "")
        start = Path(self._start_dir()) / (stem + suffix)
        name, _ = QFileDialog.getSaveFileName(self.window, title, str(start), file_filter)
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(suffix)
        if not self._write(self.doc.score, path, f"Could not export {path.name}"):
            return False
        self._remember_dir(path)
        self.messageShown.emit(f"Exported {path.name}")
        return True

    # ---- recent files -------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        return self.settings.recent_files

    def clear_recent(self) -> None:
        self.settings.recent_files = []
        self.recentFilesChanged.emit()

    def _forget_recent(self, path: Path) -> None:
        self.settings.remove_recent_file(path)
        self.recentFilesChanged.emit()
