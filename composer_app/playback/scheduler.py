"""The playback scheduler: sends an :class:`~.events.EventList` to an output in real time.

Pure timing, no Qt. A worker thread waits on a condition until the next event's *absolute*
deadline (``anchor_clock + event.time - anchor_pos``), so timing does not drift however long it
plays; events go out in list order. Commands (play, pause, stop, seek, loop, swapping the event
list) may come from any thread.

No stuck notes: the scheduler tracks every sounding (channel, note). Stop, pause, seek, loop
wrap, swapping the list, an output error and close all send a note-off for each, then All Notes
Off (CC 123) and All Sound Off (CC 120) on every channel used. :meth:`panic` does that on all 16.

For tests the clock is injectable and the thread optional: ``Scheduler(out, clock=fake,
threaded=False)`` and :meth:`pump` processes everything due at ``clock()``.
"""

from __future__ import annotations

import bisect
import threading
import time
from typing import Callable

import mido

from .errors import PlaybackError
from .events import EventList

STOPPED, PLAYING, PAUSED = "stopped", "playing", "paused"

PositionCallback = Callable[[int, float], None]  # (tick, seconds)
StateCallback = Callable[[str], None]
ErrorCallback = Callable[[Exception], None]


def all_off_messages(sounding, channels) -> list[mido.Message]:
    """Note-offs for ``sounding`` (channel, note) pairs, then CC 123 and CC 120 on ``channels``."""
    msgs = [mido.Message("note_off", channel=ch, note=n, velocity=0) for ch, n in sorted(sounding)]
    for ch in sorted(channels):
        msgs.append(mido.Message("control_change", channel=ch, control=123, value=0))
        msgs.append(mido.Message("control_change", channel=ch, control=120, value=0))
    return msgs


class Scheduler:
    """Real-time player of event lists. ``output`` needs ``send(msg)``; ``poll()`` is called if present."""

    position_interval = 0.03  # seconds between position callbacks
    poll_interval = 0.5  # seconds between output health checks

    def __init__(
        self,
        output,
        *,
        clock: Callable[[], float] = time.perf_counter,
        threaded: bool = True,
        on_position: PositionCallback | None = None,
        on_state: StateCallback | None = None,
        on_error: ErrorCallback | None = None,
        on_sent: Callable[[mido.Message, float], None] | None = None,
    ):
        self.output = output
        self.clock = clock
        self.on_position = on_position
        self.on_state = on_state
        self.on_error = on_error
        self.on_sent = on_sent  # (message, deadline) after each scheduled send; for benchmarks
        self._cond = threading.Condition(threading.RLock())
        self._events: EventList | None = None
        self._times: list[float] = []
        self._index = 0
        self._state = STOPPED
        self._anchor_clock = 0.0
        self._anchor_pos = 0.0
        self._pos = 0.0  # position (seconds) when not playing
        self._loop = False
        self._loop_range: tuple[float, float] | None = None  # seconds; None = the whole list
        self._sounding: dict[tuple[int, int], int] = {}
        self._channels_used: set[int] = set()
        self._next_position = 0.0
        self._next_poll = 0.0
        self._pending: list[Callable[[], None]] = []
        self._closed = False
        self._thread = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="playback-scheduler", daemon=True)
            self._thread.start()

    # ---- queries --------------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def events(self) -> EventList | None:
        return self._events

    @property
    def loop(self) -> bool:
        return self._loop

    @property
    def sounding(self) -> set[tuple[int, int]]:
        with self._cond:
            return set(self._sounding)

    def position(self) -> float:
        """Current position in seconds (score time)."""
        with self._cond:
            if self._state == PLAYING:
                return self._anchor_pos + (self.clock() - self._anchor_clock)
            return self._pos

    def position_tick(self) -> int:
        ev = self._events
        return ev.tempo_map.tick_at(self.position()) if ev else 0

    def deadline_of(self, seconds: float) -> float:
        """The clock time at which score time ``seconds`` is (was) due in the current pass."""
        with self._cond:
            return self._anchor_clock + (seconds - self._anchor_pos)

    # ---- commands -------------------------------------------------------------------------------
    def load(self, events: EventList, *, keep_position: bool = False) -> None:
        """Use ``events`` from now on. Playing notes are silenced. With ``keep_position`` (switching
        candidates while looping) playback continues at the same place, else it goes to the start."""
        with self._cond:
            pos = self.position()
            self._silence()
            self._events = events
            self._times = events.times()
            self._channels_used |= set(events.channels)
            lo, hi = events.start_time, events.end_time
            if self._loop_range is not None:  # keep the loop region inside the new list
                a, b = max(lo, self._loop_range[0]), min(hi, self._loop_range[1])
                self._loop_range = (a, b) if b > a else None
            if not keep_position or not lo <= pos < hi:
                pos = self._range()[0]
            self._move_to(pos)
            if self._state == PLAYING:
                self._send_setup()
            self._wake()
        self._flush()

    def play(self, events: EventList | None = None) -> None:
        """Start (or resume) playing; with ``events``, load them first and play from their start."""
        if events is not None:
            self.load(events)
        with self._cond:
            if self._events is None or self._state == PLAYING:
                return
            lo, hi = self._range()
            if not lo <= self._pos < hi:
                self._move_to(lo)
            self._send_setup()
            self._start_at(self._pos)
            self._set_state(PLAYING)
            self._wake()
        self._flush()

    def pause(self) -> None:
        with self._cond:
            if self._state != PLAYING:
                return
            self._pos = self.position()
            self._silence()
            self._set_state(PAUSED)
            self._wake()
        self._flush()

    def toggle_pause(self) -> None:
        if self._state == PLAYING:
            self.pause()
        else:
            self.play()

    def stop(self, rewind: bool = True) -> None:
        """Stop and silence; ``rewind`` goes back to the start of the list (or loop)."""
        with self._cond:
            pos = self.position()
            self._silence()
            self._pos = pos
            if rewind and self._events is not None:
                self._move_to(self._range()[0])
            self._set_state(STOPPED)
            self._wake()
        self._flush()

    def seek(self, seconds: float) -> None:
        """Jump to ``seconds`` (score time); sounding notes are stopped."""
        with self._cond:
            self._silence()
            self._move_to(seconds)
            if self._state == PLAYING:
                self._start_at(seconds)
            self._queue_position(seconds)
            self._wake()
        self._flush()

    def seek_tick(self, tick: int) -> None:
        if self._events is not None:
            self.seek(self._events.tempo_map.seconds(tick))

    def set_loop(self, enabled: bool, start: float | None = None, end: float | None = None) -> None:
        """Loop the whole list, or ``[start, end)`` seconds when given."""
        with self._cond:
            self._loop = enabled
            self._loop_range = (start, end) if start is not None and end is not None and end > start else None
            if enabled and self._state == PLAYING:
                lo, hi = self._range()
                pos = self.position()
                if not lo <= pos < hi:
                    self._silence()
                    self._move_to(lo)
                    self._start_at(lo)
            self._wake()
        self._flush()

    def set_loop_ticks(self, enabled: bool, start: int | None = None, end: int | None = None) -> None:
        tm = self._events.tempo_map if self._events else None
        if tm is None or start is None or end is None:
            self.set_loop(enabled)
        else:
            self.set_loop(enabled, tm.seconds(start), tm.seconds(end))

    def send_now(self, msg: mido.Message) -> None:
        """Send one message at once (note previews, MIDI thru), tracked like scheduled ones so that
        stop/panic/close also end notes started this way."""
        with self._cond:
            self._send_event(msg, self.clock())
        self._flush()

    def panic(self) -> None:
        """Note-off for everything sounding plus All Notes Off / All Sound Off on all 16 channels.

        Playing goes on with the events after this moment: notes that were due already but not yet
        sent (the thread woke late) are dropped, so none of them starts after the panic."""
        with self._cond:
            if self._state == PLAYING and self._events is not None:
                self._drop_due_notes(self.clock())
            self._silence(all_channels=True)
            if hasattr(self.output, "panic"):
                self._guard(self.output.panic)
        self._flush()

    def close(self) -> None:
        """Stop, silence and end the thread (the output is not closed: its owner does that)."""
        with self._cond:
            if self._closed:
                return
            if self._state != STOPPED or self._sounding:
                self._silence()
            self._set_state(STOPPED)
            self._closed = True
            self._wake()
        self._flush()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def wait_until_stopped(self, timeout: float | None = None) -> bool:
        """Block until the state is not ``playing`` (the end of a non-looping list); True if so."""
        end = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._state == PLAYING and not self._closed:
                left = None if end is None else end - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left if left is not None else 0.5)
        return True

    # ---- processing -----------------------------------------------------------------------------
    def pump(self) -> float | None:
        """Send everything due at ``clock()``; return the clock time of the next deadline (None if idle).
        The worker thread calls this; tests with a fake clock call it directly."""
        with self._cond:
            nxt = self._process(self.clock())
        self._flush()
        return nxt

    def _process(self, now: float) -> float | None:
        if self._state != PLAYING or self._events is None:
            return None
        events = self._events.events
        lo, hi = self._range()
        while True:
            # (+1 ns: a deadline computed from an event time must make that event due, despite rounding)
            pos = self._anchor_pos + (now - self._anchor_clock) + 1e-9
            # Send every event due (time <= pos) before the range end.
            while self._index < len(events):
                ev = events[self._index]
                if ev.time > pos or (ev.time >= hi and not (ev.time == hi and ev.is_note_off)):
                    break
                self._index += 1
                if not self._send_event(ev.message, self._anchor_clock + ev.time - self._anchor_pos):
                    return None
            if pos < hi:
                break
            # Reached the end of the range.
            if self._loop and hi > lo:
                self._silence()
                # Re-anchor exactly at the range end: the next pass keeps the same absolute grid.
                self._anchor_clock += hi - self._anchor_pos
                self._anchor_pos = lo
                self._index = bisect.bisect_left(self._times, lo)
                self._send_setup()
                continue
            self._silence()
            self._move_to(lo)
            self._set_state(STOPPED)
            self._queue_position(hi)
            return None
        if now >= self._next_position:
            self._next_position = now + self.position_interval
            self._queue_position(pos)
        if now >= self._next_poll and hasattr(self.output, "poll"):
            self._next_poll = now + self.poll_interval
            if not self._guard(self.output.poll):
                return None
        nxt_event = self._anchor_clock + (min(self._times[self._index], hi) if self._index < len(events) else hi) - self._anchor_pos
        return min(nxt_event, self._next_position, self._next_poll if hasattr(self.output, "poll") else nxt_event)

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                if self._state != PLAYING:
                    self._cond.wait()
                    continue
                nxt = self._process(self.clock())
                if nxt is not None:
                    delay = nxt - self.clock()
                    if delay > 0:
                        self._cond.wait(delay)
            self._flush()

    # ---- internals (call with the lock held) ---------------------------------------------------
    def _range(self) -> tuple[float, float]:
        ev = self._events
        if ev is None:
            return (0.0, 0.0)
        if self._loop and self._loop_range is not None:
            return self._loop_range
        return (ev.start_time, ev.end_time)

    def _move_to(self, seconds: float) -> None:
        self._pos = seconds
        self._index = bisect.bisect_left(self._times, seconds)
        if self._state == PLAYING:
            self._start_at(seconds)

    def _start_at(self, seconds: float) -> None:
        self._anchor_clock = self.clock()
        self._anchor_pos = seconds
        self._index = bisect.bisect_left(self._times, seconds)
        self._next_position = 0.0

    def _send_setup(self) -> None:
        if self._events is not None:
            for m in self._events.setup:
                if not self._guard(lambda m=m: self.output.send(m)):
                    return

    def _send_event(self, msg: mido.Message, deadline: float) -> bool:
        key = (msg.channel, msg.note) if msg.type in ("note_on", "note_off") else None
        if key is not None:
            if msg.type == "note_on" and msg.velocity > 0:
                self._sounding[key] = self._sounding.get(key, 0) + 1
            else:
                count = self._sounding.get(key, 0)
                if count == 0:
                    return True  # its note-on was skipped by a seek: nothing to end
                if count > 1:
                    self._sounding[key] = count - 1
                    return True  # the same pitch is still held by an overlapping note
                del self._sounding[key]
        if hasattr(msg, "channel"):
            self._channels_used.add(msg.channel)
        ok = self._guard(lambda: self.output.send(msg))
        if ok and self.on_sent is not None:
            self.on_sent(msg, deadline)
        return ok

    def _drop_due_notes(self, now: float) -> None:
        """Skip the note-ons due by ``now`` that were not sent yet; send the other due events
        (program and controller changes keep the state right; note-offs of silenced notes are no-ops)."""
        assert self._events is not None
        events, hi = self._events.events, self._range()[1]
        pos = min(self._anchor_pos + (now - self._anchor_clock) + 1e-9, hi)
        while self._index < len(events) and events[self._index].time <= pos:
            ev = events[self._index]
            self._index += 1
            if ev.time >= hi or (ev.message.type == "note_on" and ev.message.velocity > 0):
                continue
            if not self._send_event(ev.message, self._anchor_clock + ev.time - self._anchor_pos):
                return

    def _silence(self, all_channels: bool = False) -> None:
        channels = set(range(16)) if all_channels else set(self._channels_used)
        msgs = all_off_messages(self._sounding, channels)
        self._sounding.clear()
        for m in msgs:
            try:
                self.output.send(m)
            except Exception:  # noqa: BLE001 - best effort: the output may be the thing that failed
                pass

    def _guard(self, fn) -> bool:
        """Run an output call; on failure report it, and stop unless the error is non-fatal."""
        try:
            fn()
            return True
        except Exception as exc:  # noqa: BLE001 - any output failure must not kill the thread
            fatal = getattr(exc, "fatal", True) if isinstance(exc, PlaybackError) else True
            self._queue_error(exc)
            if fatal:
                self._silence()
                self._pos = self._anchor_pos + (self.clock() - self._anchor_clock) if self._state == PLAYING else self._pos
                self._set_state(STOPPED)
                return False
            return True

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            if self.on_state is not None:
                cb = self.on_state
                self._pending.append(lambda: cb(state))
            self._cond.notify_all()

    def _queue_position(self, seconds: float) -> None:
        if self.on_position is not None and self._events is not None:
            tick = self._events.tempo_map.tick_at(seconds)
            cb = self.on_position
            self._pending.append(lambda: cb(tick, seconds))

    def _queue_error(self, exc: Exception) -> None:
        if self.on_error is not None:
            cb = self.on_error
            self._pending.append(lambda: cb(exc))

    def _wake(self) -> None:
        self._cond.notify_all()

    def _flush(self) -> None:
        """Run queued callbacks outside the lock (they may call back into the scheduler)."""
        with self._cond:
            pending, self._pending = self._pending, []
        for cb in pending:
            try:
                cb()
            except Exception:  # noqa: BLE001 - a listener's bug must not stop playback
                pass
