"""MIDI keyboard input: a port listener, a take recorder and step input.

* :class:`MidiInput` opens a chosen input port (full name or unique part) or the app's virtual
  input "Composer Assistant In" and calls ``on_message(msg, clock_time)`` from rtmidi's thread;
  with ``thru`` set, note and controller messages are also played on that output (rechannelled to
  ``thru_channel`` so you hear the selected track's instrument).
* :class:`Recorder` is pure: it turns timed note-on/off into :class:`~composer_app.score.Note`
  objects at the playhead, snapped to the grid, after an optional count-in. The GUI applies a take
  as one undo step.
* :class:`StepInput` is pure: each key adds a note of the grid length at a cursor; keys held
  together form a chord; the cursor moves on when all are released.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import mido

from ..score import Note, snap, snap_length
from .errors import MidiPortError, PlaybackError, VirtualPortUnsupportedError
from .events import TempoMap
from .outputs import APP_INPUT_NAME, Output, _new_client, _rtmidi, match_port, resolve_api

MessageCallback = Callable[[mido.Message, float], None]


class MidiInput:
    """Listens on a MIDI input port. ``close()`` when done."""

    def __init__(self, port: str | None = None, *, virtual: bool = False, api: str = "auto",
                 on_message: MessageCallback | None = None, thru: Output | None = None,
                 thru_channel: int | None = None, clock: Callable[[], float] = time.perf_counter,
                 port_name: str = APP_INPUT_NAME, client_name: str = APP_INPUT_NAME):
        if not virtual and not port:
            raise MidiPortError("choose a MIDI input port or the virtual input")
        if virtual and sys.platform.startswith("win"):
            raise VirtualPortUnsupportedError()
        self.api = resolve_api(api, "input")
        self.on_message = on_message
        self.thru = thru
        self.thru_channel = thru_channel
        self.clock = clock
        self.client_name = client_name
        self.errors: list[Exception] = []
        self._lock = threading.Lock()
        rtmidi = _rtmidi()
        self._rt = _new_client("input", self.api, client_name)
        try:
            if virtual:
                self._rt.open_virtual_port(port_name)
                self.name = port_name
            else:
                names = self._rt.get_ports()
                idx = match_port(port, names, "input")
                self._rt.open_port(idx, port_name)
                self.name = names[idx]
        except (rtmidi.RtMidiError, OSError, RuntimeError) as exc:
            self._rt.delete()
            raise MidiPortError(f"cannot open MIDI input '{port or port_name}': {exc}") from exc
        except PlaybackError:
            self._rt.delete()
            raise
        self._rt.ignore_types(sysex=True, timing=True, active_sense=True)
        self._rt.set_callback(self._on_rtmidi_message)

    def _on_rtmidi_message(self, event, _data=None):
        now = self.clock()
        data, _delta = event
        try:
            msg = mido.Message.from_bytes(data)
        except ValueError:
            return
        if self.thru is not None and msg.type in ("note_on", "note_off", "control_change", "pitchwheel"):
            out = msg.copy(channel=self.thru_channel) if self.thru_channel is not None else msg
            try:
                self.thru.send(out)
            except Exception as exc:  # noqa: BLE001 - a failing synth must not kill the MIDI thread
                self.errors.append(exc)
        if self.on_message is not None:
            try:
                self.on_message(msg, now)
            except Exception as exc:  # noqa: BLE001
                self.errors.append(exc)

    def close(self) -> None:
        with self._lock:
            if self._rt is not None:
                self._rt.cancel_callback()
                self._rt.close_port()
                self._rt.delete()
                self._rt = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class Recorder:
    """Builds a take. Time 0 is when recording starts: the count-in (``count_in`` seconds) comes
    first, then the score time of ``start_tick`` (where the playhead was).

    Feed it ``note_on(pitch, velocity, t)`` / ``note_off(pitch, t)`` with ``t`` in seconds since
    the start (or use :meth:`feed` with mido messages and clock times after :meth:`start`);
    :meth:`finish` closes held notes and returns the take's notes, starts snapped to ``grid``
    (``None`` = no snap) and lengths to at least one grid step. Notes played slightly early in the
    count-in are pulled onto ``start_tick``; notes that end before it are dropped.
    """

    tempo_map: TempoMap
    start_tick: int = 0
    grid: int | None = 120
    count_in: float = 0.0
    _held: dict[int, tuple[float, int]] = field(default_factory=dict)
    _done: list[tuple[int, float, float, int]] = field(default_factory=list)
    _t0: float | None = None

    @property
    def start_seconds(self) -> float:
        return self.tempo_map.seconds(self.start_tick)

    def start(self, clock_time: float) -> None:
        self._t0 = clock_time

    def feed(self, msg: mido.Message, clock_time: float) -> None:
        if self._t0 is None:
            self._t0 = clock_time
        t = clock_time - self._t0
        if msg.type == "note_on" and msg.velocity > 0:
            self.note_on(msg.note, msg.velocity, t)
        elif msg.type in ("note_on", "note_off"):
            self.note_off(msg.note, t)

    def note_on(self, pitch: int, velocity: int, t: float) -> None:
        if pitch in self._held:  # re-struck without a note-off: end the first one here
            self.note_off(pitch, t)
        self._held[pitch] = (t, velocity)

    def note_off(self, pitch: int, t: float) -> None:
        if pitch in self._held:
            t_on, vel = self._held.pop(pitch)
            self._done.append((pitch, t_on, t, vel))

    def finish(self, t: float | None = None) -> list[Note]:
        if t is None:
            t = max([x[2] for x in self._done] + [x[0] for x in self._held.values()] + [0.0])
        for pitch in list(self._held):
            self.note_off(pitch, t)
        notes = []
        base = self.start_seconds - self.count_in
        for pitch, t_on, t_off, vel in sorted(self._done, key=lambda x: (x[1], x[0])):
            on_tick = self.tempo_map.tick_at(max(0.0, base + t_on))
            off_tick = self.tempo_map.tick_at(max(0.0, base + t_off))
            if off_tick <= self.start_tick:
                continue  # played and released during the count-in
            on_tick = max(on_tick, self.start_tick - (self.grid or 0) // 2)
            start = max(self.start_tick, snap(on_tick, self.grid))
            length = snap_length(max(1, off_tick - on_tick), self.grid)
            notes.append(Note(pitch, start, length, max(1, min(127, vel))))
        self._done.clear()
        return notes


class StepInput:
    """Step entry: every key adds a note of ``grid`` ticks at the cursor; keys held together make a
    chord; when all keys are up the cursor moves one grid step on."""

    def __init__(self, cursor: int = 0, grid: int = 480):
        self.cursor = cursor
        self.grid = grid
        self._held: set[int] = set()
        self._chord_has_notes = False

    def feed(self, msg: mido.Message) -> Note | None:
        """Returns the new note for a note-on, else ``None``."""
        if msg.type == "note_on" and msg.velocity > 0:
            self._held.add(msg.note)
            self._chord_has_notes = True
            return Note(msg.note, self.cursor, self.grid, msg.velocity)
        if msg.type in ("note_on", "note_off"):
            self._held.discard(msg.note)
            if not self._held and self._chord_has_notes:
                self.cursor += self.grid
                self._chord_has_notes = False
        return None

    def rest(self) -> None:
        """Skip one grid step (a rest)."""
        self.cursor += self.grid
