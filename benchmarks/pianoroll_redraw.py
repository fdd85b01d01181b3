"""Piano roll responsiveness: build, full repaint, one small edit, one zoom step, one hover hit test.

Scores of 500, 5,000 and 20,000 random sixteenth notes (one track). Times are medians in ms and a
ratio to the 500-note score, so they read the same on a fast or a slow machine; a 60 Hz frame is
16.7 ms. Offscreen Qt. Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/pianoroll_redraw.py``
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPointF  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from composer_app.document import ScoreDocument  # noqa: E402
from composer_app.gui.pianoroll import PianoRollWidget  # noqa: E402
from composer_app.score import Note, Score, Track, edits  # noqa: E402


def median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def measure(app, n: int) -> dict[str, float]:
    rng = random.Random(n)
    notes = [Note(rng.randint(40, 90), i * 120, 120, rng.randint(40, 120)) for i in range(n)]
    doc = ScoreDocument(Score(tracks=(Track(notes=tuple(notes)),)))
    roll = PianoRollWidget(doc)
    roll.resize(1200, 640)
    roll.show()
    app.processEvents()
    out = {"build": median_ms(lambda: roll.view.rebuild(), 3), "repaint": median_ms(roll.grab)}
    ids = [x.id for x in notes[:8]]

    def edit():
        doc.edit("move", edits.move_notes(doc.score, ids, 0, 1))
        app.processEvents()

    out["small edit"] = median_ms(edit)
    out["zoom step"] = median_ms(lambda: (roll.zoom_horizontal(1.1), app.processEvents()))
    pos = QPointF(300, roll.geom.y(60))
    out["hover hit"] = median_ms(lambda: roll.view.hit(pos), 21)
    roll.close()
    roll.deleteLater()
    app.processEvents()
    return out


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    sizes = (500, 5000, 20000)
    rows = {n: measure(app, n) for n in sizes}
    keys = list(rows[sizes[0]])
    print(f"{'notes':>7} " + " ".join(f"{k:>12}" for k in keys) + "   (ms, median; x = ratio to 500 notes)")
    for n in sizes:
        cells = [f"{rows[n][k]:7.1f} x{rows[n][k] / max(rows[sizes[0]][k], 1e-6):3.0f}" for k in keys]
        print(f"{n:>7} " + " ".join(f"{c:>12}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
