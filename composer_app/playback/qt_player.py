"""The Qt face of playback (QtCore only): a QObject that owns a :class:`~.scheduler.Scheduler`
and re-emits its callbacks as signals on the GUI thread.

The scheduler calls back from its own thread. Those callbacks only append to a thread-safe deque;
a 20 ms QTimer of this object (GUI thread) drains it and emits ``positionChanged``,
``stateChanged`` and ``errorOccurred`` there. No Qt call is ever made from the scheduler thread
(PySide6 6.8+ can corrupt memory when Python threads emit signals: PYSIDE-3124).

Typical use (GUI / suggestion panel)::

    player = QtPlayer(outputs_config=...)          # or QtPlayer(output=FluidSynthOutput())
    player.play_score(score)                        # whole piece
    player.play_score(score, sel_start, sel_end, loop=True)
    player.play_candidate(score, start_tick, notes=cand.notes, chords=cand.chords)   # loops
    player.switch_candidate(other.notes, other.chords)   # same place in the loop
    player.stop(); player.panic(); player.close()
"""

from __future__ import annotations

from typing import Sequence

import collections

from PySide6.QtCore import QObject, QTimer, Signal

from ..score import Chord, Note, Score
from .events import EventList, build_events, candidate_events
from .outputs import NullOutput, Output
from .scheduler import PAUSED, PLAYING, STOPPED, Scheduler


class QtPlayer(QObject):
    positionChanged = Signal(int)  # tick
    stateChanged = Signal(str)  # "playing", "paused", "stopped"
    errorOccurred = Signal(str)  # a user-facing message


    pump_interval_ms = 20

    def __init__(self, output: Output | None = None, parent: QObject | None = None, *, threaded: bool = True,
                 clock=None):
        super().__init__(parent)
        self._output = output or NullOutput()
        kwargs = {"clock": clock} if clock is not None else {}
        self._scheduler = Scheduler(self._output, threaded=threaded, on_position=self._from_thread_position,
                                    on_state=self._from_thread_state, on_error=self._from_thread_error, **kwargs)
        self._inbox: collections.deque = collections.deque()  # filled by the scheduler thread
        self._pump = QTimer(self)
        self._pump.setInterval(self.pump_interval_ms)
        self._pump.timeout.connect(self._on_pump_timeout)
        self._pump.start()
        self._score: Score | None = None
        self._metronome = False
        self._mode = None  # ("score", start, end) or ("candidate", start_tick, lead_in, track_index)
        self._candidate: tuple[tuple[Note, ...], tuple[Chord, ...]] = ((), ())
        self._last_tick = 0

    # ---- configuration ------------------------------------------------------------------------
    @property
    def scheduler(self) -> Scheduler:
        return self._scheduler

    @property
    def output(self) -> Output:
        return self._output

    def set_output(self, output: Output) -> None:
        """Use another output (the old one is silenced and closed)."""
        self._scheduler.stop(rewind=False)
        old = self._output
        self._output = output
        self._scheduler.output = output
        if old is not output:
            try:
                old.close()
            except Exception:  # noqa: BLE001
                pass

    @property
    def state(self) -> str:
        return self._scheduler.state

    @property
    def is_playing(self) -> bool:
        return self._scheduler.state == PLAYING

    @property
    def metronome(self) -> bool:
        return self._metronome

    def set_metronome(self, enabled: bool) -> None:
        """Clicks on/off; takes effect at once, also while playing."""
        if enabled != self._metronome:
            self._metronome = enabled
            self._rebuild(keep_position=True)

    @property
    def loop(self) -> bool:
        return self._scheduler.loop

    def set_loop(self, enabled: bool, start_tick: int | None = None, end_tick: int | None = None) -> None:
        """Loop the current list, or the region ``[start_tick, end_tick)`` when given."""
        self._scheduler.set_loop_ticks(enabled, start_tick, end_tick)

    def position_tick(self) -> int:
        return self._scheduler.position_tick()

    # ---- playing -----------------------------------------------------------------------------
    def play_score(self, score: Score, start_tick: int = 0, end_tick: int | None = None, *,
                   loop: bool = False, from_tick: int | None = None) -> None:
        """Play ``score`` (or ``[start_tick, end_tick)`` of it), from ``from_tick`` if given."""
        self._score = score
        self._mode = ("score", start_tick, end_tick)
        events = self._build()
        self._scheduler.set_loop(loop)
        self._scheduler.load(events)
        if from_tick is not None:
            self._scheduler.seek_tick(from_tick)
        self._scheduler.play()

    def update_score(self, score: Score) -> None:
        """The document changed while playing: keep playing the new content from the same place."""
        self._score = score
        if self._mode is not None and self._scheduler.events is not None:
            self._rebuild(keep_position=True)

    def play_candidate(self, score: Score, start_tick: int, notes: Sequence[Note] = (), chords: Sequence[Chord] = (),
                       *, lead_in_bars: int = 1, track_index: int = 0, loop: bool = True) -> None:
        """Audition a suggestion: ``lead_in_bars`` bars of ``score`` then the candidate, looping."""
        self._score = score
        self._mode = ("candidate", start_tick, lead_in_bars, track_index)
        self._candidate = (tuple(notes), tuple(chords))
        self._scheduler.set_loop(loop)
        self._scheduler.load(self._build())
        self._scheduler.play()

    def switch_candidate(self, notes: Sequence[Note] = (), chords: Sequence[Chord] = ()) -> None:
        """Hear another candidate at the same point of the loop (starts playing if stopped)."""
        if self._mode is None or self._mode[0] != "candidate":
            raise RuntimeError("switch_candidate needs play_candidate first")
        self._candidate = (tuple(notes), tuple(chords))
        self._rebuild(keep_position=True)
        if self._scheduler.state != PLAYING:
            self._scheduler.play()

    def play(self) -> None:
        """Resume, or start the last list again."""
        self._scheduler.play()

    def pause(self) -> None:
        self._scheduler.pause()

    def toggle_play(self) -> None:
        """Space bar: stop when playing, else play."""
        if self._scheduler.state == PLAYING:
            self.stop(rewind=False)
        else:
            self.play()

    def stop(self, rewind: bool = False) -> None:
        self._scheduler.stop(rewind=rewind)

    def seek(self, tick: int) -> None:
        if self._scheduler.events is None and self._score is not None:
            self._mode = ("score", 0, None)
            self._scheduler.load(self._build())
        self._scheduler.seek_tick(tick)
        self._last_tick = tick
        self.positionChanged.emit(tick)

    def rewind(self) -> None:
        """Return to the start of what is loaded (tick 0 of the piece for whole-score playback)."""
        ev = self._scheduler.events
        self.seek(ev.start_tick if ev is not None else 0)

    def preview_note(self, pitch: int, velocity: int = 90, channel: int = 0, duration_ms: int = 350,
                     program: int | None = None) -> None:
        """Sound one note now (a clicked key, a drawn note) and end it after ``duration_ms``."""
        import mido

        if program is not None:
            self._scheduler.send_now(mido.Message("program_change", channel=channel, program=program))
        self._scheduler.send_now(mido.Message("note_on", channel=channel, note=pitch, velocity=velocity))
        QTimer.singleShot(duration_ms, lambda: self._scheduler.send_now(
            mido.Message("note_off", channel=channel, note=pitch, velocity=0)))

    def panic(self) -> None:
        self._scheduler.panic()

    def close(self) -> None:
        """Silence, end the thread and close the output (call when the window closes)."""
        self._scheduler.close()
        self._on_pump_timeout()
        self._pump.stop()
        try:
            self._output.close()
        except Exception:  # noqa: BLE001
            pass

    # ---- internals ----------------------------------------------------------------------------
    def _build(self) -> EventList:
        assert self._score is not None and self._mode is not None
        if self._mode[0] == "candidate":
            _, start, lead, track_index = self._mode
            notes, chords = self._candidate
            return candidate_events(self._score, start, notes, chords, lead_in_bars=lead,
                                    track_index=track_index, metronome=self._metronome)
        _, start, end = self._mode
        return build_events(self._score, start, end, metronome=self._metronome)

    def _rebuild(self, keep_position: bool) -> None:
        if self._score is None or self._mode is None:
            return
        self._scheduler.load(self._build(), keep_position=keep_position)

    # Called on the scheduler thread (or the caller's): only append, never touch Qt.
    def _from_thread_position(self, tick: int, _seconds: float) -> None:
        self._inbox.append(("position", tick))

    def _from_thread_state(self, state: str) -> None:
        self._inbox.append(("state", state))

    def _from_thread_error(self, exc: Exception) -> None:
        self._inbox.append(("error", str(exc)))

    def _on_pump_timeout(self) -> None:
        """GUI thread: emit what the scheduler reported, in order; positions are coalesced."""
        pending = None
        while self._inbox:
            kind, value = self._inbox.popleft()
            if kind == "position":
                pending = value
                continue
            if pending is not None:
                self._emit_position(pending)
                pending = None
            if kind == "state":
                self.stateChanged.emit(value)
            else:
                self.errorOccurred.emit(value)
        if pending is not None:
            self._emit_position(pending)

    def _emit_position(self, tick: int) -> None:
        self._last_tick = tick
        self.positionChanged.emit(tick)


__all__ = ["QtPlayer", "PLAYING", "PAUSED", "STOPPED"]
