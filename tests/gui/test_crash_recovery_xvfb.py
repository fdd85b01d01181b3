"""Kill the real app (SIGKILL) after real edits, start it again: it offers the unsaved work, and
Return recovers it. Real processes, a real X server (Xvfb), real key and mouse events (xdotool).

The autosave interval is shortened with ``COMPOSER_APP_AUTOSAVE_SECONDS`` so the test does not
wait 30 s; the default interval is tested in tests/gui/test_recovery.py.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from composer_app import formats
from composer_app.score import Note, Score, Track

from test_app_window_xvfb import _wait_for_window, xvfb_display  # noqa: F401 - fixture

pytestmark = [pytest.mark.gui, pytest.mark.xvfb, pytest.mark.slow]


def _xdo(env, *args):
    subprocess.run(["xdotool", *args], env=env, check=True, timeout=30)


def _copies(folder: Path) -> dict[str, dict]:
    out = {}
    for p in folder.glob("*.composer"):
        try:
            out[p.name] = json.loads(p.read_text())
        except (OSError, ValueError):
            pass  # being replaced right now
    return out


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _pitches(doc: dict) -> list[int]:
    return sorted(n["pitch"] for t in doc["tracks"] for n in t["notes"])


def test_kill_9_after_edits_then_the_next_start_recovers_them(xvfb_display, tmp_path):
    if shutil.which("xdotool") is None:
        pytest.skip("xdotool is not installed (Debian/Ubuntu: apt-get install xdotool)")
    song = tmp_path / "song.composer"
    formats.write(Score(title="song", tracks=(Track("Melody", notes=tuple(
        Note(60 + 2 * i, i * 480, 480) for i in range(4))),)), song)
    data = Path(os.environ["COMPOSER_APP_DATA"])
    copies = data / "recovery"
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb", COMPOSER_APP_AUTOSAVE_SECONDS="1")
    log1 = open(tmp_path / "first.log", "w")
    first = subprocess.Popen([sys.executable, "-m", "composer_app", str(song)], env=env,
                             stdout=log1, stderr=subprocess.STDOUT)
    second = None
    try:
        win = _wait_for_window(env, "song.composer")
        time.sleep(1.0)
        _xdo(env, "windowfocus", "--sync", win)
        # Real edits: select all and transpose up twice with the keyboard ...
        _xdo(env, "key", "--clearmodifiers", "ctrl+a")
        _xdo(env, "key", "--clearmodifiers", "Up", "Up")
        # ... then a click with the draw tool adds a note.
        _xdo(env, "mousemove", "--window", win, "420", "330")
        _xdo(env, "click", "1")
        edited = _wait(lambda: [d for d in _copies(copies).values()
                                if len(_pitches(d)) == 5 and _pitches(d)[:4] == [62, 64, 66, 68]
                                or len(_pitches(d)) == 5 and {62, 64, 66, 68} <= set(_pitches(d))],
                       30, "the autosaved copy of the edits")[0]
        assert edited["recovery"]["source"] == str(song)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert formats.read(song).all_notes()[0].pitch == 60  # the project file itself was not touched

        # The next start offers the work; Return picks the default button, Recover.
        log2 = open(tmp_path / "second.log", "w")
        second = subprocess.Popen([sys.executable, "-m", "composer_app"], env=env,
                                  stdout=log2, stderr=subprocess.STDOUT)
        dialog = _wait_for_window(env, "Recover Unsaved Work")
        time.sleep(0.5)
        if os.environ.get("COMPOSER_APP_RECOVERY_SCREENSHOT"):
            time.sleep(2)
        if os.environ.get("COMPOSER_APP_RECOVERY_SCREENSHOT"):
            subprocess.run(["import", "-window", "root", os.environ["COMPOSER_APP_RECOVERY_SCREENSHOT"]],
                           env=env, timeout=60)
        old_names = set(_copies(copies))
        _xdo(env, "windowfocus", "--sync", dialog)
        _xdo(env, "key", "--clearmodifiers", "Return")
        _wait_for_window(env, "song.composer")
        # The recovered work is open as unsaved changes, and the new editor keeps its own copy.
        fresh = _wait(lambda: [d for n, d in _copies(copies).items() if n not in old_names], 20,
                      "the second editor's copy")[0]
        assert _pitches(fresh) == _pitches(edited)
        _wait(lambda: not (old_names & set(_copies(copies))), 10, "the orphan copy to be deleted")
        assert second.poll() is None
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(10)
    for name in ("first.log", "second.log"):
        text = (tmp_path / name).read_text() if (tmp_path / name).exists() else ""
        assert "Traceback" not in text, text
