"""The one long-lived worker that owns the model (the only Qt file in ``generation/``).

``SuggestionService`` lives on the GUI thread; it owns a QThread running a ``_Worker``. The GUI
calls ``load_model(path, device)`` and ``request(score, settings, region) -> request id``; the
service forwards them as queued signals, so the GUI thread never waits on torch. Results come
back as signals on the GUI thread. Each request carries an id and an immutable score snapshot; a
new request cancels the one running; results of any request but the latest are dropped
(stale). ``cancel()`` sets a flag the engine checks at every sampling step.

``request_next_chord(score, tick)`` asks for the model's next-chord distribution at a tick (the
chord palette's numbers, :mod:`.next_chord`); ``nextChordReady(rid, NextChord)`` answers the
latest such request only. It never cancels a suggestion request; it waits behind one.
"""

from __future__ import annotations

import itertools
import logging
import sys
import threading

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ..errors import ComposerError
from ..logs import where_text
from ..score import Score
from .types import Candidate, SuggestionRequest, SuggestionSettings

log = logging.getLogger(__name__)


class _Worker(QObject):
    modelLoaded = Signal(object)  # dict: name, device, path, params
    modelFailed = Signal(str)
    progressed = Signal(int, int, int)  # request id, step, total steps
    candidateFound = Signal(int, object)  # request id, Candidate
    finished = Signal(int, list)  # request id, ranked candidates
    failed = Signal(int, str)
    cancelled = Signal(int)
    nextChordReady = Signal(int, object)  # request id, NextChord
    nextChordFailed = Signal(int, str)

    def __init__(self, cancel_flag: threading.Event, latest: list, latest_chord: list | None = None):
        super().__init__()
        self._engine = None
        self._cancel = cancel_flag
        self._latest = latest  # [latest request id], written by the GUI thread
        self._latest_chord = latest_chord if latest_chord is not None else [0]

    @Slot(str, str)
    def load_model(self, path: str, device: str) -> None:
        try:
            from ..music_lm.loading import load_model
            from .engine import SuggestionEngine

            loaded = load_model(path or None, device or "auto")
            self._engine = SuggestionEngine(loaded)
            params = sum(p.numel() for p in loaded.model.parameters())
            self.modelLoaded.emit({"name": loaded.name, "device": loaded.device, "path": str(loaded.path),
                                   "params": params})
        except ComposerError as exc:
            log.warning("model %s not loaded: %s", path or "(bundled)", exc)
            self.modelFailed.emit(str(exc))
        except Exception as exc:  # never let the worker die silently
            log.exception("loading the model %s failed", path or "(bundled)")
            self.modelFailed.emit(f"the model could not be loaded: {type(exc).__name__}: {exc}. {where_text()}")

    @Slot(object)
    def generate(self, request: SuggestionRequest) -> None:
        if request.id != self._latest[0]:
            self.cancelled.emit(request.id)  # superseded or cancelled before it started
            return
        if self._engine is None:
            self.failed.emit(request.id, "No model is loaded yet: wait for it to load, or choose a model "
                                         "folder in Assistant > Choose Model...")
            return
        self._cancel.clear()

        def should_stop() -> bool:
            return self._cancel.is_set() or request.id != self._latest[0]

        try:
            result = self._engine.generate(
                request,
                on_candidate=lambda c: self.candidateFound.emit(request.id, c),
                on_progress=lambda step, total: self.progressed.emit(request.id, step, total),
                should_stop=should_stop,
            )
        except ComposerError as exc:
            self.failed.emit(request.id, str(exc))
            return
        except Exception as exc:
            log.exception("request %s (%s) failed", request.id, request.settings.task)
            self.failed.emit(request.id, f"generation failed: {type(exc).__name__}: {exc}. {where_text()}")
            return
        if should_stop():
            self.cancelled.emit(request.id)
        else:
            self.finished.emit(request.id, result)


    @Slot(int, object, int)
    def next_chord(self, rid: int, score: Score, tick: int) -> None:
        if rid != self._latest_chord[0] or self._engine is None:
            return  # superseded (the palette moved on) or no model yet
        try:
            from .next_chord import next_chord_distribution

            result = next_chord_distribution(self._engine.loaded, score, tick)
        except ComposerError as exc:
            self.nextChordFailed.emit(rid, str(exc))
            return
        except Exception as exc:  # never let the worker die silently
            log.exception("weighing the next chord at tick %s failed", tick)
            self.nextChordFailed.emit(rid, f"the assistant could not weigh the next chord: {type(exc).__name__}: {exc}. "
                                           f"{where_text()}")
            return
        self.nextChordReady.emit(rid, result)


def _stop_thread(thread: QThread, cancel: threading.Event, latest: list, wait_ms: int = 30000) -> None:
    """Cancel the running request and end the worker thread (safe to call twice)."""
    latest[0] = -1
    cancel.set()
    try:
        if thread.isRunning():
            thread.quit()
            thread.wait(wait_ms)
    except RuntimeError:  # the C++ object is already gone
        pass


class SuggestionService(QObject):
    """GUI-side façade of the model worker. Signals only ever carry the latest request's results."""

    modelLoading = Signal(str)  # path ("" = bundled default)
    modelLoaded = Signal(object)
    modelFailed = Signal(str)
    progressed = Signal(int, int, int)
    candidateFound = Signal(int, object)
    finished = Signal(int, list)
    failed = Signal(int, str)
    cancelled = Signal(int)
    nextChordReady = Signal(int, object)  # request id, NextChord (latest request only)
    nextChordFailed = Signal(int, str)

    _loadRequested = Signal(str, str)
    _generateRequested = Signal(object)
    _nextChordRequested = Signal(int, object, int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._latest = [0]
        self._cancel = threading.Event()
        self._busy_id = 0
        self.model_info: dict | None = None
        self._thread = QThread()
        self._thread.setObjectName("suggestion-worker")
        self._latest_chord = [0]
        self._worker = _Worker(self._cancel, self._latest, self._latest_chord)
        self._worker.moveToThread(self._thread)
        self._loadRequested.connect(self._worker.load_model)
        self._generateRequested.connect(self._worker.generate)
        self._nextChordRequested.connect(self._worker.next_chord)
        self._worker.nextChordReady.connect(self._on_worker_next_chord_ready)
        self._worker.nextChordFailed.connect(self._on_worker_next_chord_failed)
        self._worker.modelLoaded.connect(self._on_worker_model_loaded)
        self._worker.modelFailed.connect(self.modelFailed)
        self._worker.progressed.connect(self._on_worker_progressed)
        self._worker.candidateFound.connect(self._on_worker_candidate_found)
        self._worker.finished.connect(self._on_worker_finished)
        self._worker.failed.connect(self._on_worker_failed)
        self._worker.cancelled.connect(self._on_worker_cancelled)
        # The worker's sampling loop is Python between torch calls: hand the GIL back to the GUI
        # thread every millisecond (default 5 ms) so the event loop never waits long for it.
        sys.setswitchinterval(0.001)
        self._thread.start()
        # However the owner goes away (window closed, test teardown, app quit), stop the thread
        # first: a QThread destroyed while running aborts the process.
        thread, cancel, latest = self._thread, self._cancel, self._latest
        self._stopper = lambda *_: _stop_thread(thread, cancel, latest)
        self.destroyed.connect(self._stopper)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._stopper)

    # ---- commands from the GUI -----------------------------------------------------------
    def load_model(self, path: str | None = None, device: str = "auto") -> None:
        self.cancel()
        self.modelLoading.emit(path or "")
        self._loadRequested.emit(path or "", device)

    def request(self, score: Score, settings: SuggestionSettings, region=None, exclude=frozenset(),
                taste=None) -> int:
        """Queue a request (cancelling the running one); returns its id. ``taste``: the composer's
        re-ranker for this request (a copy it owns), or None."""
        rid = next(self._ids)
        self._latest[0] = rid
        self._cancel.set()  # stop whatever runs now; the worker clears it when it starts this one
        self._busy_id = rid
        self._generateRequested.emit(SuggestionRequest(rid, score, settings, region, frozenset(exclude), taste))
        return rid

    def request_next_chord(self, score: Score, tick: int) -> int:
        """Ask for the next-chord distribution at ``tick`` (answered by ``nextChordReady``); returns its id.
        An older request still waiting is skipped."""
        rid = next(self._ids)
        self._latest_chord[0] = rid
        self._nextChordRequested.emit(rid, score, int(tick))
        return rid

    def cancel(self) -> None:
        """Stop the running request within one sampling step; its results are dropped."""
        self._latest[0] = -1
        self._cancel.set()

    @property
    def busy(self) -> bool:
        return self._busy_id != 0

    def shutdown(self, wait_ms: int = 30000) -> None:
        _stop_thread(self._thread, self._cancel, self._latest, wait_ms)

    # ---- results (queued onto the GUI thread) ----------------------------------------------
    def _current(self, rid: int) -> bool:
        return rid == self._latest[0]

    def _on_worker_model_loaded(self, info: dict) -> None:
        self.model_info = info
        self.modelLoaded.emit(info)

    def _on_worker_progressed(self, rid: int, step: int, total: int) -> None:
        if self._current(rid):
            self.progressed.emit(rid, step, total)

    def _on_worker_candidate_found(self, rid: int, cand: Candidate) -> None:
        if self._current(rid):
            self.candidateFound.emit(rid, cand)

    def _on_worker_finished(self, rid: int, cands: list) -> None:
        if rid == self._busy_id:
            self._busy_id = 0
        if self._current(rid):
            self.finished.emit(rid, cands)

    def _on_worker_failed(self, rid: int, msg: str) -> None:
        if rid == self._busy_id:
            self._busy_id = 0
        if self._current(rid):
            self.failed.emit(rid, msg)

    def _on_worker_next_chord_ready(self, rid: int, result) -> None:
        if rid == self._latest_chord[0]:
            self.nextChordReady.emit(rid, result)

    def _on_worker_next_chord_failed(self, rid: int, message: str) -> None:
        if rid == self._latest_chord[0]:
            self.nextChordFailed.emit(rid, message)

    def _on_worker_cancelled(self, rid: int) -> None:
        if rid == self._busy_id:
            self._busy_id = 0
        self.cancelled.emit(rid)
