"""Typed settings over QSettings: declared defaults, types, recent files, isolation from the user's file."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray

from composer_app.settings import MAX_RECENT_FILES, Settings, settings_file


def test_settings_live_in_the_per_test_folder(tmp_path):
    s = Settings()
    assert s.path == settings_file()
    assert Path(os.environ["COMPOSER_APP_CONFIG"]) == s.path
    assert tmp_path in s.path.parents


def test_defaults_when_nothing_is_stored():
    s = Settings()
    for name, setting in Settings.declared().items():
        assert getattr(s, name) == setting.default, name
    assert s.grid == "1/16" and s.recent_files == [] and s.follow_playhead is True


def test_values_round_trip_through_the_file_with_their_types():
    s = Settings()
    s.grid = "1/8T"
    s.follow_playhead = False
    s.window_geometry = QByteArray(b"\x01\x02geometry")
    s.recent_files = ["/a/b.composer"]
    s.sync()
    t = Settings()
    assert t.grid == "1/8T"
    assert t.follow_playhead is False
    assert bytes(t.window_geometry) == b"\x01\x02geometry"
    assert t.recent_files == ["/a/b.composer"]


def test_garbled_values_fall_back_to_the_default():
    s = Settings()
    s.path.write_text("[editor]\nfollow_playhead=maybe\ngrid=\n[files]\nrecent=@Invalid()\n")
    t = Settings()
    assert t.follow_playhead is False  # unreadable text is "not true"
    assert t.recent_files == []


def test_recent_files_most_recent_first_no_duplicates_bounded(tmp_path):
    s = Settings()
    paths = [tmp_path / f"f{i}.composer" for i in range(MAX_RECENT_FILES + 3)]
    for p in paths:
        s.add_recent_file(p)
    s.add_recent_file(paths[-3])
    files = Settings().recent_files
    assert len(files) == MAX_RECENT_FILES
    assert files[0] == str(paths[-3].resolve()) and files[1] == str(paths[-1].resolve())
    assert len(set(files)) == len(files)
    s.remove_recent_file(paths[-1])
    assert str(paths[-1].resolve()) not in Settings().recent_files
