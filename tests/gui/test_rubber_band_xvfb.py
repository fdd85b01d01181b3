"""Rubber-band selection leaves no faint lines (issue 14): in a real X window (Xvfb, xcb), what is on
screen after the gesture equals a fresh paint of the grid. Offscreen rendering cannot show this:
it repaints everything."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_app_window_xvfb import xvfb_display  # noqa: F401 - fixture

pytestmark = [pytest.mark.gui, pytest.mark.xvfb]


def test_rubber_band_leaves_nothing_behind(xvfb_display):  # noqa: F811
    env = dict(os.environ, DISPLAY=xvfb_display, QT_QPA_PLATFORM="xcb")
    probe = Path(__file__).with_name("rubber_band_probe.py")
    out = subprocess.run([sys.executable, str(probe)], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    residue = int(out.stdout.strip().splitlines()[-1])
    assert residue == 0, f"{residue} pixels on screen differ from a fresh paint after the rubber band"
