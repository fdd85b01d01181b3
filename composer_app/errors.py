"""Project error types. Each carries a message meant for the composer.

The GUI shows ``str(error)`` in a dialog or the status bar; the CLI prints it on one line and
exits non-zero. Never let a traceback reach the user for bad input.
"""

from __future__ import annotations

from pathlib import Path


class ComposerError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing sentence."""


class FileFormatError(ComposerError):
    """A file could not be read or written: names the file and the reason."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ChordSymbolError(ComposerError, ValueError):
    """Text that is not a chord symbol we understand."""

    def __init__(self, text: str, reason: str = ""):
        self.text = text
        msg = f"'{text}' is not a chord symbol"
        msg += f" ({reason})" if reason else " (try e.g. C, Am7, G/B, F#m7b5, Bbmaj7, Esus4, C6)"
        super().__init__(msg)


class ModelError(ComposerError):
    """A model directory is missing, corrupt or incompatible: names the path and the problem."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"model at {self.path}: {reason}")


class DeviceError(ModelError):
    """The requested compute device (e.g. CUDA) is not there: says so in the composer's terms."""

    def __init__(self, device: str, reason: str):
        self.path = device
        self.reason = reason
        ComposerError.__init__(self, reason)


class InstallError(ModelError):
    """The model folder is fine but a Python package needed to run it is missing or broken."""


class DataError(ComposerError):
    """Training or evaluation data is missing or empty."""
