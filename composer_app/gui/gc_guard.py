"""Python's cyclic garbage collector, run in the GUI thread only.

CPython collects cyclic garbage in whichever thread happens to allocate when a threshold is
crossed. The model loads and generates in a worker thread (``generation/worker.py``), so a closed
dialog or window whose Python wrapper sits in a reference cycle could be collected *there*, and a
Qt widget deleted outside the GUI thread crashes the process (seen as a segmentation fault in
``torch`` module initialisation while the worker loaded a model). Automatic collection is
therefore switched off and the GUI thread collects on a timer, with the interpreter's own
thresholds (the approach pyqtgraph takes for the same reason). Reference counting, which frees
almost everything, is unaffected.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Collects generation 0, 1 or 2 on a timer in the GUI thread when their counts pass gc's thresholds."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        n0, n1, n2 = gc.get_count()
        t0, t1, t2 = self.threshold
        if n0 > t0:
            gc.collect(2 if n2 > t2 else 1 if n1 > t1 else 0)


def install() -> GuiThreadCollector | None:
    """Once per application (idempotent): automatic collection off, the GUI thread collects."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    found = app.findChild(GuiThreadCollector)
    if found is not None:
        return found
    return GuiThreadCollector(app)
