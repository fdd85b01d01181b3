"""A real drag and drop between two processes in a real X server (Xvfb, xcb, XDND): the app's
window drags the selection out (through the toolbar grip, then by Alt+dragging a selected note)
and a separate Qt program standing in for a DAW receives a ``text/uri-list`` whose file is the
clip. The pointer and keys are real X input events (XTEST through ``xdotool``); nothing is patched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from composer_app import formats

from test_app_window_xvfb import _wait_for_window, xvfb_display  # noqa: F401 - fixture

pytestmark = [pytest.mark.gui, pytest.mark.xvfb, pytest.mark.slow]

DROP_TARGET = textwrap.dedent("""
    import json, sys
    from PySide6.QtWidgets import QApplication, QLabel

    class Target(QLabel):
        def __init__(self, log):
            super().__init__("drop a clip here")
            self.log = log
            self.setAcceptDrops(True)
            self.setWindowTitle("Fake DAW")
        def dragEnterEvent(self, e):
            if e.mimeData().hasUrls():
                e.acceptProposedAction()
        def dragMoveEvent(self, e):
            e.acceptProposedAction()
        def dropEvent(self, e):
            md = e.mimeData()
            rec = {"urls": [u.toString() for u in md.urls()], "formats": md.formats(),
                   "action": int(e.dropAction().value)}
            with open(self.log, "a") as f:
                f.write(json.dumps(rec) + "\\n")
            e.acceptProposedAction()

    app = QApplication(sys.argv)
    t = Target(sys.argv[1])
    t.setGeometry(1030, 150, 240, 400)
    t.show()
    sys.exit(app.exec())
""")

APP = textwrap.dedent("""
    import json, sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from composer_app.app import create_main_window
    from composer_app.score import Chord, ChordSymbol, Note, Score, Tempo, Track
    from composer_app.settings import Settings

    app = QApplication(sys.argv)
    notes = tuple(Note(60 + i % 8, i * 480, 480) for i in range(16))
    chords = tuple(Chord(ChordSymbol.parse(s), i * 1920, 1920) for i, s in enumerate(["C", "Dm", "G7", "C"]))
    score = Score(title="Xvfb Drag", tracks=(Track(notes=notes),), chords=chords, tempos=(Tempo(90.0),))
    w = create_main_window(Settings(), load_model=False, open_devices=False)
    w.doc.load(score)
    w.setGeometry(0, 0, 1020, 700)
    w.show()
    w.doc.select([n.id for n in w.doc.score.melody.notes if 1920 <= n.start < 3840])  # bar 2

    def report():
        roll = w.roll
        note = w.doc.score.melody.notes[5]  # selected, bar 2
        roll.ensure_visible(note.start, note.pitch)
        grip = w.clip_grip.mapToGlobal(w.clip_grip.rect().center())
        p = roll.view.viewport().mapToGlobal(roll.viewport_point(note.start + 120, note.pitch))
        print(json.dumps({"grip": [grip.x(), grip.y()], "note": [p.x(), p.y()]}), flush=True)

    QTimer.singleShot(1500, report)
    w.doc.undo_stack.setClean()
    sys.exit(app.exec())
""")


def _xdo(env, *args):
    subprocess.run(["xdotool", *map(str, args)], env=env, check=True, timeout=30)


def _drag(env, start, end, modifier=None):
    """Press at ``start``, move there in steps (past the drag distance, then over the target), release."""
    _xdo(env, "mousemove", *start)
    time.sleep(0.3)
    if modifier:
        _xdo(env, "keydown", modifier)
    _xdo(env, "mousedown", 1)
    time.sleep(0.2)
    for i in range(1, 13):
        x = start[0] + (end[0] - start[0]) * i // 12
        y = start[1] + (end[1] - start[1]) * i // 12
        _xdo(env, "mousemove", x, y)
        time.sleep(0.1)
    time.sleep(0.4)
    _xdo(env, "mouseup", 1)
    if modifier:
        _xdo(env, "keyup", modifier)


def _wait_lines(path: Path, n: int, timeout=20.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
            if len(lines) >= n:
                return lines
        time.sleep(0.2)
    raise AssertionError(f"the drop target got {path.read_text() if path.exists() else 'nothing'}")


def test_real_xdnd_drag_of_the_selection_into_another_program(xvfb_display, tmp_path):  # noqa: F811
    if shutil.which("xdotool") is None:
        pytest.skip("'xdotool' is not installed (Debian/Ubuntu: apt-get install xdotool)")
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    log = tmp_path / "drops.jsonl"
    (tmp_path / "target.py").write_text(DROP_TARGET)
    (tmp_path / "app.py").write_text(APP)
    target = subprocess.Popen([sys.executable, str(tmp_path / "target.py"), str(log)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    app = subprocess.Popen([sys.executable, str(tmp_path / "app.py")], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_window(env, "Fake DAW")
        _wait_for_window(env, "Composer Assistant")
        where = json.loads(app.stdout.readline())
        drop_at = (1150, 350)

        _drag(env, where["grip"], drop_at)
        first = _wait_lines(log, 1)[0]
        _drag(env, where["note"], drop_at, modifier="alt")
        second = _wait_lines(log, 2)[1]
        for rec in (first, second):
            assert "text/uri-list" in rec["formats"] and len(rec["urls"]) == 1
            url = rec["urls"][0]
            assert url.startswith("file:///") and url.endswith("Xvfb-Drag-bar-2.mid")
            path = Path(url[len("file://"):])
            assert path.parent.name == "clips"
            clip = formats.read(path)
            assert sorted((n.pitch, n.start) for n in clip.all_notes()) == [(60 + i % 8, (i - 4) * 480)
                                                                              for i in range(4, 8)]
            assert [str(c.symbol) for c in clip.chords] == ["Dm"] and round(clip.tempo) == 90
    finally:
        for proc in (app, target):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
