"""Shared fixtures for the main-window tests: a wired window, scripted file dialogs and message boxes.

No test may block on a modal dialog: ``QFileDialog``'s and ``QMessageBox``'s static functions are
replaced by scripted answers, and any other ``QDialog.exec`` fails the test loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

from composer_app.app import create_main_window
from composer_app.settings import Settings


@dataclass
class Dialogs:
    """Scripted answers. ``files`` answers file dialogs in order; ``questions`` the Save/Discard/Cancel prompts."""

    files: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (title, text) of every critical box
    asked: list = field(default_factory=list)  # text of every question box
    file_dialogs: list = field(default_factory=list)  # caption of every file dialog
    proposed: list = field(default_factory=list)  # the path each file dialog proposed
    infos: list = field(default_factory=list)

    def answer_file(self, path) -> None:
        self.files.append(str(path) if path else "")

    def answer_question(self, button: QMessageBox.StandardButton) -> None:
        self.questions.append(button)


@pytest.fixture
def dialogs(monkeypatch) -> Dialogs:
    d = Dialogs()

    def file_dialog(parent, caption="", directory="", filter="", *args, **kwargs):
        d.file_dialogs.append(caption)
        d.proposed.append(directory)
        assert d.files, f"unexpected file dialog '{caption}'"
        return d.files.pop(0), ""

    def question(parent, title, text, *args, **kwargs):
        d.asked.append(text)
        assert d.questions, f"unexpected question: {text}"
        return d.questions.pop(0)

    def critical(parent, title, text, *args, **kwargs):
        d.errors.append((title, text))
        return QMessageBox.StandardButton.Ok

    def information(parent, title, text, *args, **kwargs):
        d.infos.append((title, text))
        return QMessageBox.StandardButton.Ok

    def no_modal(self, *args, **kwargs):
        raise AssertionError(f"unexpected modal dialog {type(self).__name__}: {self.windowTitle()}")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(file_dialog))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(file_dialog))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(critical))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(critical))
    monkeypatch.setattr(QMessageBox, "information", staticmethod(information))
    monkeypatch.setattr(QDialog, "exec", no_modal)
    monkeypatch.setattr(QMessageBox, "exec", no_modal)
    return d


@pytest.fixture
def window(qtbot, dialogs):
    """A fully wired main window (same wiring as the app, without loading the model or opening
    sound devices), shown and active."""
    w = create_main_window(Settings(), load_model=False, open_devices=False)
    w.resize(1280, 800)  # the offscreen screen is 800 x 800: the same desktop size for every test
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.isActiveWindow(), timeout=3000)
    yield w
    w.doc.undo_stack.setClean()  # never leave an unsaved-changes prompt for teardown
    w.close()
    w.deleteLater()


def titles(dialog_errors) -> list[str]:
    return [t for t, _ in dialog_errors]


def tmp_file(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def model_window(qtbot, model_dir, score=None, wait_for_model: bool = True):
    """A fully wired window that loads the model in ``model_dir`` ("" = the bundled one) on the CPU,
    shown; with ``wait_for_model`` it returns once a model is loaded. Close it with :func:`close_window`."""
    settings = Settings()
    settings.model_dir = str(model_dir)
    settings.model_device = "cpu"
    w = create_main_window(settings, open_devices=False)
    if score is not None:
        w.doc.load(score)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    if wait_for_model:
        qtbot.waitUntil(lambda: w.assistant.service.model_info is not None, timeout=60000)
    return w


def close_window(w) -> None:
    """Close a window from :func:`model_window` without the unsaved-changes prompt."""
    w.doc.undo_stack.setClean()
    w.close()
    w.assistant.shutdown()
    w.deleteLater()
