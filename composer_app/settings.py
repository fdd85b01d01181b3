"""Typed application settings, declared once with their defaults, stored with QSettings.

Each setting is a class attribute of :class:`Settings` built with :class:`Setting` (key, default,
type); reading returns the declared type even when the stored value is missing or garbled, so a
bad settings file can never break start-up. The file is an INI file in the per-user config folder
(``$XDG_CONFIG_HOME/ComposerAssistant/settings.ini`` on Linux; ``COMPOSER_APP_CONFIG`` names
another file). The test suite points ``XDG_CONFIG_HOME`` at a temporary folder per test, so tests
never touch the user's real settings.

To add a setting (other parts of the app do): declare it here, e.g.
``midi_output = Setting("playback/midi_output", "", str)``, and read/write ``settings.midi_output``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Generic, TypeVar

from platformdirs import user_config_dir
from PySide6.QtCore import QByteArray, QSettings

from .paths import APP_NAME

T = TypeVar("T")

#: How many files File > Open Recent remembers.
MAX_RECENT_FILES = 10


def settings_file() -> Path:
    """Where the settings live (evaluated on every call so tests can redirect it)."""
    env = os.environ.get("COMPOSER_APP_CONFIG")
    if env:
        return Path(env)
    return Path(user_config_dir(APP_NAME, appauthor=False)) / "settings.ini"


class Setting(Generic[T]):
    """A declared setting: a descriptor that reads and writes one QSettings key with a type."""

    def __init__(self, key: str, default: T, kind: type):
        self.key, self.default, self.kind = key, default, kind

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj: "Settings | None", owner=None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        raw = obj.qsettings.value(self.key, None)
        return _convert(raw, self.default, self.kind)

    def __set__(self, obj: "Settings", value: T) -> None:
        if self.kind is list:
            value = list(value)  # type: ignore[assignment]
        obj.qsettings.setValue(self.key, value)


def _convert(raw: Any, default: Any, kind: type) -> Any:
    if raw is None:
        return default
    try:
        if kind is bool:
            if isinstance(raw, str):
                return raw.strip().lower() in ("1", "true", "yes", "on")
            return bool(raw)
        if kind is list:
            if isinstance(raw, str):  # QSettings gives a plain string for a one-element list
                return [raw] if raw else []
            return [str(x) for x in raw]
        if kind is QByteArray:
            return raw if isinstance(raw, QByteArray) else QByteArray(raw)
        return kind(raw)
    except (TypeError, ValueError):
        return default


def _recent_key(path: str | Path) -> str:
    """The absolute, resolved path (just absolute for a symbolic link that loops)."""
    try:
        return str(Path(path).resolve())
    except (RuntimeError, OSError):
        return os.path.abspath(path)


class Settings:
    """The app's settings. ``Settings()`` opens the default file; pass ``path`` to use another."""

    # ---- window ---------------------------------------------------------------------------
    window_geometry = Setting("window/geometry", QByteArray(), QByteArray)
    window_state = Setting("window/state", QByteArray(), QByteArray)
    # ---- files ----------------------------------------------------------------------------
    recent_files = Setting("files/recent", [], list)
    last_directory = Setting("files/last_directory", "", str)
    autosave_seconds = Setting("files/autosave_seconds", 30.0, float)  # recovery copy of unsaved work
    # ---- editor ---------------------------------------------------------------------------
    grid = Setting("editor/grid", "1/16", str)
    follow_playhead = Setting("editor/follow_playhead", True, bool)
    show_undo_history = Setting("editor/show_undo_history", False, bool)
    show_scale = Setting("editor/show_scale", True, bool)  # mark the key's scale on the rows
    show_numerals = Setting("editor/show_numerals", True, bool)  # roman numerals under chord symbols
    # ---- assistant ------------------------------------------------------------------------
    model_dir = Setting("assistant/model_dir", "", str)  # "" = the bundled default model
    model_device = Setting("assistant/device", "auto", str)  # auto | cpu | cuda
    taste_enabled = Setting("assistant/learn_taste", True, bool)  # re-rank by the composer's decisions
    # ---- sound & MIDI (playback/, gui/sound.py) --------------------------------------------
    synth_enabled = Setting("sound/synth", True, bool)
    soundfont = Setting("sound/soundfont", "", str)  # "" = find one automatically
    synth_gain = Setting("sound/gain", 0.5, float)
    audio_driver = Setting("sound/audio_driver", "", str)  # "" = the platform's drivers in order
    metronome = Setting("sound/metronome", False, bool)
    midi_output = Setting("midi/output", "", str)  # a port's full name or a unique part; "" = none
    midi_virtual_output = Setting("midi/virtual_output", False, bool)
    midi_api = Setting("midi/api", "auto", str)
    midi_input = Setting("midi/input", "", str)
    midi_virtual_input = Setting("midi/virtual_input", False, bool)
    count_in_bars = Setting("midi/count_in_bars", 1, int)

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else settings_file()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.qsettings = QSettings(str(self.path), QSettings.Format.IniFormat)

    # ---- recent files ---------------------------------------------------------------------
    def add_recent_file(self, path: str | Path) -> list[str]:
        """Put ``path`` first in the recent list (no duplicates, at most MAX_RECENT_FILES)."""
        p = _recent_key(path)
        files = [p] + [f for f in self.recent_files if f != p]
        self.recent_files = files[:MAX_RECENT_FILES]
        return self.recent_files

    def remove_recent_file(self, path: str | Path) -> list[str]:
        p = _recent_key(path)
        self.recent_files = [f for f in self.recent_files if f != p]
        return self.recent_files

    def sync(self) -> None:
        self.qsettings.sync()

    @classmethod
    def declared(cls) -> dict[str, Setting]:
        """All declared settings by attribute name (for tests and a future preferences dialog)."""
        return {k: v for k, v in vars(cls).items() if isinstance(v, Setting)}
