"""Hostile conditions in the wired window (issue 6): a missing or corrupt model, a full disk and a
read-only file on save. Each gets a clear message naming the thing and what to do; the editor keeps
working and the composer's work is kept (the document, and its recovery copy).

Full disk and read-only use real file systems: a 64 KiB tmpfs and a read-only tmpfs mount, which
need root (CI runs as root); without it the read-only case uses file permissions and the full-disk
case is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from composer_app import formats
from composer_app.app import create_main_window
from composer_app.paths import default_model_dir
from composer_app.score import Note, Score, Track, edits
from composer_app.settings import Settings

from mw_helpers import close_window, dialogs, window  # noqa: F401 - fixtures

pytestmark = pytest.mark.gui


def piece(n=16) -> Score:
    return Score(title="piece", tracks=(Track("Melody", notes=tuple(Note(60 + i % 12, i * 240, 240)
                                                                     for i in range(n))),))


@pytest.fixture
def mount_point(tmp_path):
    """Mount a tmpfs (options given to the returned function); unmounted at the end."""
    mounted = []

    def mount(options: str) -> Path:
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("mounting a test file system needs root")
        where = tmp_path / f"mnt{len(mounted)}"
        where.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()})")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _edited(w):
    w.doc.load(piece())
    w.doc.edit("Add note", edits.add_notes(w.doc.score, w.doc.current_track.id, [Note(84, 0, 480)]))
    assert w.autosaver.save_now()
    return w.doc.score


def test_a_full_disk_on_save_is_a_message_and_keeps_the_work(qtbot, window, dialogs, mount_point):
    w = window
    disk = mount_point("size=64k")
    (disk / "filler").write_bytes(b"\0" * (60 * 1024))  # what is left is too small for the project
    (disk / "filler2").write_bytes(b"\0" * 4096)
    score = _edited(window)
    big = edits.add_notes(score, w.doc.current_track.id, [Note(40 + i % 40, i * 10, 10) for i in range(400)])
    w.doc.edit("Add many", big)
    dialogs.answer_file(disk / "song.composer")
    assert not w.files.save()
    title, text = dialogs.errors[-1]
    assert "Could not save" in title and "song.composer" in text and "No space left" in text
    assert not (disk / "song.composer").exists() and not list(disk.glob(".song.composer.*"))  # no half file
    assert w.doc.is_modified and w.doc.score == big and w.doc.path is None
    assert w.autosaver.save_now() and w.autosaver.session.exists  # the recovery copy lives elsewhere
    # Saving somewhere else works.
    other = Path(w.autosaver.session.folder).parent / "elsewhere.composer"
    dialogs.answer_file(other)
    assert w.files.save_as() and formats.read(other).all_notes()[-1].pitch == big.all_notes()[-1].pitch


def test_a_read_only_file_on_save_is_a_message_and_keeps_the_work(qtbot, window, dialogs, tmp_path, mount_point):
    w = window
    if os.geteuid() == 0:
        folder = mount_point("size=1m")
        formats.write(piece(), folder / "song.composer")
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        formats.write(piece(), folder / "song.composer")
        (folder / "song.composer").chmod(0o444)
        folder.chmod(0o555)
    song = folder / "song.composer"
    assert w.files.open_path(song, ask=False)
    w.doc.edit("Add note", edits.add_notes(w.doc.score, w.doc.current_track.id, [Note(84, 0, 480)]))
    edited = w.doc.score
    assert not w.files.save()
    title, text = dialogs.errors[-1]
    assert "Could not save" in title and "song.composer" in text
    assert "read-only" in text.lower() or "Permission denied" in text
    assert w.doc.is_modified and w.doc.score == edited
    assert len(formats.read(song).all_notes()) == 16  # the file is as it was
    # Save As to a writable place keeps the work.
    dialogs.answer_file(tmp_path / "copy.composer")
    assert w.files.save_as() and len(formats.read(tmp_path / "copy.composer").all_notes()) == 17


def _window_with_model(qtbot, model_dir: str) -> tuple:
    """The window and every assistant message from its start (the model loads in the background)."""
    settings = Settings()
    settings.model_dir = model_dir
    settings.model_device = "cpu"
    w = create_main_window(settings, open_devices=False)
    messages = []
    w.assistant.messageShown.connect(messages.append)  # before the event loop runs: none is missed
    w.show()
    qtbot.waitExposed(w)
    return w, messages


def test_a_missing_model_folder_falls_back_to_the_bundled_model(qtbot, tmp_path):
    gone = tmp_path / "my-model-on-a-usb-stick"
    w, messages = _window_with_model(qtbot, str(gone))
    try:
        qtbot.waitUntil(lambda: w.assistant.service.model_info is not None, timeout=60000)
        text = " ".join(messages)
        assert text == w.statusBar().currentMessage() == w.assistant.panel.hint.text()
        assert "my-model-on-a-usb-stick" in text and "no such folder" in text and "bundled" in text
        assert w.assistant.service.model_info["path"] == str(default_model_dir())
        assert w.settings.model_dir == ""  # the next start does not complain again
    finally:
        close_window(w)


def test_a_corrupt_model_is_named_and_the_editor_keeps_working(qtbot, tmp_path, dialogs):
    bad = tmp_path / "corrupt-model"
    shutil.copytree(default_model_dir(), bad)
    weights = bad / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # a download or copy that broke off
    w, messages = _window_with_model(qtbot, str(bad))
    try:
        qtbot.waitUntil(lambda: w.assistant.service.model_info is not None, timeout=60000)
        text = " ".join(messages)
        assert "corrupt-model" in text and "bundled" in text, text
        # editing goes on, and the assistant works on the bundled model
        w.doc.load(piece())
        assert w.doc.edit("Add note", edits.add_notes(w.doc.score, w.doc.current_track.id, [Note(84, 0, 480)]))
    finally:
        close_window(w)


def test_no_model_at_all_says_what_to_do_and_the_editor_works(qtbot, tmp_path, monkeypatch, dialogs):
    empty = tmp_path / "resources"
    (empty / "models").mkdir(parents=True)
    monkeypatch.setenv("COMPOSER_APP_RESOURCES", str(empty))  # an install that lost its model
    w, messages = _window_with_model(qtbot, "")
    try:
        qtbot.waitUntil(lambda: "none loaded" in w.assistant.model_status.text(), timeout=60000)
        text = " ".join(messages)
        assert str(empty / "models" / "default") in text and "Choose Model Folder" in text, text
        w.doc.load(piece())
        assert w.doc.edit("Add note", edits.add_notes(w.doc.score, w.doc.current_track.id, [Note(84, 0, 480)]))
        w.assistant.panel.suggest_button.click()  # asking anyway is a message, not a crash
        assert "model" in w.statusBar().currentMessage().lower()
    finally:
        close_window(w)
