"""Test doubles of playback outputs (importable from every test folder: ``tests/`` is on the path)."""

from __future__ import annotations

import threading
import time
from typing import Callable

import mido

from composer_app.playback.outputs import Output


class RecordingOutput(Output):
    """Keeps every message with the clock time it arrived (scheduler and player tests)."""

    name = "recording"

    def __init__(self, clock: Callable[[], float] | None = None):
        self.clock = clock or time.perf_counter
        self.messages: list[tuple[float, mido.Message]] = []
        self._lock = threading.Lock()

    def send(self, msg):
        with self._lock:
            self.messages.append((self.clock(), msg))

    def snapshot(self) -> list[mido.Message]:
        """The messages so far (a copy, safe while the scheduler thread sends)."""
        with self._lock:
            return [m for _, m in self.messages]
