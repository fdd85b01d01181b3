"""The real application (``python -m composer_app FILE``) in a real X server (Xvfb, xcb platform):
the window appears, shows the file, a root-window screenshot is not blank, and Ctrl+Q quits.

Set ``COMPOSER_APP_SCREENSHOT=docs/screenshot.png`` to keep the screenshot (the README's picture
is made this way: ``make screenshot``), and ``COMPOSER_APP_SCREENSHOT_THEORY=docs/screenshot-theory.png``
for the theory view (the whole piece harmonized: proposed chords under the score's, numerals,
why this candidate, the chord palette).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from composer_app import formats
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Tempo, Track

pytestmark = [pytest.mark.gui, pytest.mark.xvfb, pytest.mark.slow]
WIDTH, HEIGHT = 1280, 800


def _demo_score() -> Score:
    """Eight bars of a tune in D minor with chords, for something to look at."""
    q = 480
    line = [(62, 1), (65, 1), (69, 2), (67, 1), (65, 1), (64, 2), (62, 1), (64, 1), (65, 1), (67, 1),
            (69, 3), (72, 1), (70, 2), (69, 1), (67, 1), (65, 2), (64, 2), (65, 1), (64, 1), (62, 1),
            (61, 1), (62, 4)]
    notes, t = [], 0
    for pitch, beats in line:
        notes.append(Note(pitch, t, beats * q - 20, velocity=70 + (pitch % 5) * 9))
        t += beats * q
    bass = [Note(p, i * 4 * q, 4 * q, 60) for i, p in enumerate([38, 46, 41, 45, 38, 43, 45, 38])]
    chords = [Chord(ChordSymbol.parse(s), i * 4 * q, 4 * q)
              for i, s in enumerate(["Dm", "Bbmaj7", "F", "A7", "Dm7", "Gm7", "A7sus4", "Dm"])]
    return Score(title="Evening Song", tracks=(Track("Melody", 0, 73, tuple(notes)), Track("Bass", 2, 32, tuple(bass))),
                 chords=tuple(chords), tempos=(Tempo(96.0),), key_signatures=(KeySignature("D", "minor"),))


@pytest.fixture
def xvfb_display():
    """A private Xvfb server on a free display number (Xvfb picks it: ``-displayfd``)."""
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{WIDTH}x{HEIGHT}x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            pytest.skip("Xvfb did not start")
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_window(env, title: str, timeout=60.0) -> str:
    """The X id of the visible window whose title contains ``title``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                             env=env, capture_output=True, text=True)
        ids = out.stdout.split()
        if len(ids) == 1:
            return ids[0]
        time.sleep(0.3)
    raise AssertionError(f"no single window titled '{title}' appeared")


def _distinct_colours(path: Path) -> int:
    img = QImage(str(path))
    assert not img.isNull(), f"{path} is not an image"
    colours = set()
    for y in range(0, img.height(), 7):
        for x in range(0, img.width(), 7):
            colours.add(img.pixel(x, y))
    return len(colours)


def test_real_app_window_under_xvfb(xvfb_display, tmp_path):
    for tool in ("xdotool", "import"):
        if shutil.which(tool) is None:
            pytest.skip(f"'{tool}' is not installed (Debian/Ubuntu: apt-get install xdotool imagemagick)")
    song = tmp_path / "evening-song.composer"
    formats.write(_demo_score(), song)
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    if os.environ.get("COMPOSER_APP_SCREENSHOT"):  # the README's pictures: no synth (Xvfb has no sound card)
        Path(env["COMPOSER_APP_CONFIG"]).parent.mkdir(parents=True, exist_ok=True)
        Path(env["COMPOSER_APP_CONFIG"]).write_text("[sound]\nsynth=false\n")
    app = subprocess.Popen([sys.executable, "-m", "composer_app", str(song)], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        win = _wait_for_window(env, "evening-song.composer")
        name = subprocess.run(["xdotool", "getwindowname", win], env=env, capture_output=True, text=True).stdout
        assert "Composer Assistant" in name
        time.sleep(1.5)  # let the roll scroll to the notes and paint
        keep = os.environ.get("COMPOSER_APP_SCREENSHOT")
        if keep:  # for the README: let the model load, ask it for ideas (Ctrl+G), show them
            time.sleep(float(os.environ.get("COMPOSER_APP_SCREENSHOT_WAIT", "8")))
            subprocess.run(["xdotool", "windowfocus", "--sync", win], env=env, check=True, timeout=30)
            subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+g"], env=env, check=True, timeout=30)
            time.sleep(float(os.environ.get("COMPOSER_APP_SCREENSHOT_WAIT", "8")))
        shot = tmp_path / "screen.png"
        subprocess.run(["import", "-window", win if keep else "root", str(shot)], env=env, check=True, timeout=60)
        assert _distinct_colours(shot) > 30, "the screenshot is blank"
        if keep:
            Path(keep).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, keep)
        theory = os.environ.get("COMPOSER_APP_SCREENSHOT_THEORY")
        if theory:  # hide the ideas (Esc), select everything (Ctrl+A), harmonize it (Ctrl+H)
            for keys in ("Escape", "ctrl+a", "ctrl+h"):
                subprocess.run(["xdotool", "key", "--clearmodifiers", keys], env=env, check=True, timeout=30)
                time.sleep(0.5)
            time.sleep(float(os.environ.get("COMPOSER_APP_SCREENSHOT_WAIT", "8")))
            shot2 = tmp_path / "theory.png"
            subprocess.run(["import", "-window", win, str(shot2)], env=env, check=True, timeout=60)
            assert _distinct_colours(shot2) > 30, "the theory screenshot is blank"
            Path(theory).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot2, theory)
            subprocess.run(["xdotool", "key", "--clearmodifiers", "Escape"], env=env, check=True, timeout=30)

        # Real key presses (XTEST) into the focused window: Ctrl+Q quits a document without changes.
        subprocess.run(["xdotool", "windowfocus", "--sync", win], env=env, check=True, timeout=30)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], env=env, check=True, timeout=30)
        rc = app.wait(30)
        output = app.stdout.read()
        assert rc == 0, output
        assert "Traceback" not in output, output
    finally:
        if app.poll() is None:
            app.terminate()
            app.wait(10)
