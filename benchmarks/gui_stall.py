"""Longest GUI event-loop stall while the worker generates (issue 4: aim < 16 ms, never > 50 ms).

A 1 ms QTimer on the GUI thread records the gaps between its ticks while the real app window
asks the real model for suggestions in the background. Run offscreen:
``QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.gui_stall [--model DIR] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    os.environ["COMPOSER_APP_CONFIG"] = os.path.join(tempfile.mkdtemp(), "settings.ini")
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from benchmarks.suggest_latency import lead_sheet
    from composer_app.app import create_main_window
    from composer_app.settings import Settings

    app = QApplication.instance() or QApplication([])
    settings = Settings()
    settings.model_dir = args.model
    window = create_main_window(settings)
    window.doc.load(lead_sheet())
    window.show()
    ctl = window.assistant
    deadline = time.time() + 120
    while ctl.service.model_info is None and time.time() < deadline:
        app.processEvents()
        time.sleep(0.01)
    if ctl.service.model_info is None:
        raise SystemExit("the model did not load")
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick():
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    timer = QTimer()
    timer.setInterval(1)
    timer.timeout.connect(tick)
    timer.start()
    worst, totals = [], []
    for r in range(args.rounds):
        gaps.clear()
        ctl.panel.seed_spin.setValue(r)
        t0 = time.perf_counter()
        ctl.suggest()
        while ctl.service.busy:
            app.processEvents()
        totals.append(time.perf_counter() - t0)
        worst.append(max(gaps) if gaps else 0.0)
    timer.stop()
    print(f"model {ctl.service.model_info['name']}, K={ctl.panel.k_spin.value()}, "
          f"{ctl.panel.bars_spin.value()} bars, {args.rounds} rounds")
    print(f"longest event-loop stall per round (ms): {', '.join(f'{w:.1f}' for w in worst)}")
    print(f"max {max(worst):.1f} ms, median {statistics.median(worst):.1f} ms; "
          f"suggestion round trip median {statistics.median(totals):.3f} s")
    ctl.shutdown()
    window.close()


if __name__ == "__main__":
    main()
