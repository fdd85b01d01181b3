"""A crash in the middle of saving never leaves a half-written project: a child process saves two
different versions of a big project over the same file as fast as it can and is killed with
SIGKILL at random moments; every time, the file on disk is one complete version or the other."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest

from composer_app import formats

pytestmark = pytest.mark.slow

CHILD = r"""
import sys
from composer_app import formats
from composer_app.score import Note, Score, Track
path = sys.argv[1]
versions = [Score(title=f"v{k}", tracks=(Track("M", notes=tuple(Note(40 + (i * (k + 3)) % 48, i * 120, 120)
                                                               for i in range(6000 + 500 * k))),))
            for k in range(2)]
print("ready", flush=True)
k = 0
while True:
    formats.write(versions[k % 2], path)
    k += 1
"""


def test_kill_9_while_saving_leaves_a_whole_file(tmp_path):
    path = tmp_path / "big.composer"
    rng = random.Random(7)
    titles = set()
    for _ in range(12):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        if not path.exists():
            continue  # killed before the first save finished: nothing was there to damage
        score = formats.read(path)  # raises on a half-written file
        assert score.title in ("v0", "v1")
        assert len(score.all_notes()) == {"v0": 6000, "v1": 6500}[score.title]
        titles.add(score.title)
    assert titles, "the child never finished a save; the test proved nothing"
