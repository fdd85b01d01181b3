"""Cyclic garbage (a closed dialog in a reference cycle) is collected by the GUI thread's timer,
never by whichever thread allocates next (the model's worker once crashed that way)."""

import gc
import threading
import weakref

from PySide6.QtWidgets import QDialog

from composer_app.gui import gc_guard


def test_the_gui_thread_collects_cycles_and_other_threads_do_not(qtbot):
    collector = gc_guard.install()
    assert collector is not None and gc_guard.install() is collector  # once per application
    assert not gc.isenabled()

    class Cyclic(QDialog):
        pass

    d = Cyclic()
    d.me = d  # a reference cycle: only the cyclic collector frees it
    gone = weakref.ref(d)
    del d
    # Allocation in another thread, as the model's worker does, must not free it there.
    worker = threading.Thread(target=lambda: [[[]] for _ in range(100_000)])
    worker.start()
    worker.join()
    assert gone() is not None
    for _ in range(gc.get_threshold()[0] + 10):  # pass the generation-0 threshold
        _cycle = []
        _cycle.append(_cycle)
    qtbot.waitUntil(lambda: gone() is None, timeout=5000)
