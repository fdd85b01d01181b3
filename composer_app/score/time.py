"""Time in integer ticks: conversions, meters, bars and snapping. Pure functions, no Qt.

Everything inside the score model is measured in ticks, ``TPQ`` per quarter note. 480 divides
evenly into 32nd notes (60), 16th triplets (40) and 32nd triplets (20), so every grid the editor
offers is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

TPQ = 480  # ticks per quarter note
#: The longest a score may be: 20,000 bars of 4/4 (over 11 hours at 120 bpm). Files past it are
#: refused by the readers, and suggestions never reach past it.
MAX_BARS = 20_000
#: The latest tick anything may start or end at (:data:`MAX_BARS` bars of 4/4).
MAX_TICK = MAX_BARS * 4 * TPQ

#: Grid choices offered by the editor: label -> ticks (``None`` means "snap off").
GRID_CHOICES: dict[str, int | None] = {
    "1/1": 4 * TPQ,
    "1/2": 2 * TPQ,
    "1/4": TPQ,
    "1/8": TPQ // 2,
    "1/16": TPQ // 4,
    "1/32": TPQ // 8,
    "1/4T": TPQ * 2 // 3,
    "1/8T": TPQ // 3,
    "1/16T": TPQ // 6,
    "1/32T": TPQ // 12,
    "Off": None,
}


def beats_to_ticks(beats: float | Fraction, tpq: int = TPQ) -> int:
    """Quarter-note beats to the nearest tick."""
    return int(round(Fraction(beats).limit_denominator(10_000) * tpq))


def ticks_to_beats(ticks: int, tpq: int = TPQ) -> float:
    return ticks / tpq


def rescale(ticks: int, from_tpq: int, to_tpq: int = TPQ) -> int:
    """Convert ticks between resolutions (e.g. a MIDI file's PPQ to ours)."""
    if from_tpq == to_tpq:
        return int(ticks)
    return int(round(ticks * to_tpq / from_tpq))


def snap(ticks: int, grid: int | None, mode: str = "round") -> int:
    """Snap a tick position to the grid. ``mode`` is ``round``, ``floor`` or ``ceil``."""
    if not grid:
        return int(ticks)
    q, r = divmod(int(ticks), grid)
    if mode == "floor":
        return q * grid
    if mode == "ceil":
        return (q + (1 if r else 0)) * grid
    return (q + (1 if 2 * r >= grid else 0)) * grid


def snap_length(ticks: int, grid: int | None, minimum: int = 1) -> int:
    """Snap a duration to the grid, never shorter than one grid step (or ``minimum``)."""
    if not grid:
        return max(minimum, int(ticks))
    return max(grid, snap(ticks, grid))


@dataclass(frozen=True)
class TimeSignature:
    """A meter change at ``tick`` (which should fall on a bar line)."""

    numerator: int = 4
    denominator: int = 4
    tick: int = 0

    def __post_init__(self):
        if self.numerator < 1 or self.numerator > 64:
            raise ValueError(f"time signature numerator {self.numerator} out of range")
        if self.denominator not in (1, 2, 4, 8, 16, 32, 64):
            raise ValueError(f"time signature denominator {self.denominator} is not a power of two")

    @property
    def bar_ticks(self) -> int:
        return self.numerator * TPQ * 4 // self.denominator

    @property
    def beat_ticks(self) -> int:
        """The felt beat: a dotted quarter in compound meters (6/8, 9/8, 12/8), else one denominator unit."""
        if self.is_compound:
            return 3 * TPQ * 4 // self.denominator
        return TPQ * 4 // self.denominator

    @property
    def is_compound(self) -> bool:
        return self.denominator >= 8 and self.numerator % 3 == 0 and self.numerator > 3

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class Tempo:
    """A tempo change: ``bpm`` quarter notes per minute from ``tick`` on."""

    bpm: float = 120.0
    tick: int = 0

    def __post_init__(self):
        if not (1.0 <= self.bpm <= 1000.0):
            raise ValueError(f"tempo {self.bpm} bpm out of range")

    @property
    def microseconds_per_quarter(self) -> int:
        return int(round(60_000_000 / self.bpm))


@dataclass(frozen=True)
class Bar:
    """One measure: 0-based ``index``, ``start`` tick, ``length`` ticks and its meter.

    ``offset`` is how much of the bar is missing at its start: a pickup (anacrusis) bar of one
    beat in 4/4 has ``length`` 480 and ``offset`` 1440, so its one beat is beat 4. Every other bar
    has ``offset`` 0."""

    index: int
    start: int
    length: int
    meter: TimeSignature
    offset: int = 0

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def nominal_start(self) -> int:
        """Where the bar would start if it were whole (before 0 for a pickup): beats count from here."""
        return self.start - self.offset

    @property
    def is_pickup(self) -> bool:
        return self.offset > 0


class Meter:
    """Bar arithmetic over a list of time signature changes and an optional pickup.

    ``pickup`` (ticks, shorter than the first bar) makes bar 0 a partial bar of that length
    ending where the first whole bar starts; later meter changes fall on bar lines counted from
    there. Without a pickup every bar line is where it always was."""

    def __init__(self, signatures: tuple[TimeSignature, ...] | list[TimeSignature], pickup: int = 0):
        sigs = sorted(signatures or [TimeSignature()], key=lambda s: s.tick)
        if sigs[0].tick != 0:
            sigs.insert(0, TimeSignature(sigs[0].numerator, sigs[0].denominator, 0))
        # Keep one signature per tick (the last given wins).
        dedup: dict[int, TimeSignature] = {}
        for s in sigs:
            dedup[s.tick] = s
        self.signatures = list(dedup.values())
        first = self.signatures[0]
        pickup = int(pickup or 0)
        if not 0 <= pickup < first.bar_ticks:
            raise ValueError(f"a pickup of {pickup} ticks does not fit in a bar of {first}")
        self.pickup = pickup
        # Precompute where each signature's first bar starts and its bar index. With a pickup the
        # first segment starts before 0 (the pickup bar's nominal start) and bar 0 is cut at 0.
        self._segments: list[tuple[int, int, TimeSignature]] = []  # (start tick, first bar index, sig)
        bar_index = 0
        for i, sig in enumerate(self.signatures):
            start = sig.tick if i > 0 else (pickup - sig.bar_ticks if pickup else 0)
            if i > 0:
                prev_start, prev_index, prev = self._segments[-1]
                nbars = -(-(start - prev_start) // prev.bar_ticks)  # ceil: a partial bar counts
                bar_index = prev_index + nbars
                start = prev_start + nbars * prev.bar_ticks
            self._segments.append((start, bar_index, sig))

    def signature_at(self, tick: int) -> TimeSignature:
        seg = self._segment_for_tick(tick)
        return seg[2]

    def _segment_for_tick(self, tick: int):
        found = self._segments[0]
        for seg in self._segments:
            if seg[0] <= tick:
                found = seg
            else:
                break
        return found

    @staticmethod
    def _make(index: int, start: int, sig: TimeSignature) -> Bar:
        if start < 0:  # the pickup bar
            return Bar(index, 0, sig.bar_ticks + start, sig, -start)
        return Bar(index, start, sig.bar_ticks, sig)

    def bar_at(self, tick: int) -> Bar:
        start, index, sig = self._segment_for_tick(max(0, tick))
        n = (max(0, tick) - start) // sig.bar_ticks
        return self._make(index + n, start + n * sig.bar_ticks, sig)

    def bar(self, index: int) -> Bar:
        """The bar with 0-based ``index``."""
        found = self._segments[0]
        for seg in self._segments:
            if seg[1] <= index:
                found = seg
            else:
                break
        start, first, sig = found
        n = index - first
        return self._make(index, start + n * sig.bar_ticks, sig)

    def bars(self, end_tick: int):
        """All bars from 0 up to and including the one holding ``end_tick - 1``."""
        i = 0
        while True:
            b = self.bar(i)
            if b.start >= end_tick and i > 0:
                return
            yield b
            i += 1

    def bar_count(self, end_tick: int) -> int:
        if end_tick <= 0:
            return 0
        return self.bar_at(end_tick - 1).index + 1

    def beats_of_bar(self, bar: Bar) -> list[int]:
        """Tick positions of the felt beats inside ``bar`` (a pickup bar holds only its last beats)."""
        step = bar.meter.beat_ticks
        return [t for t in range(bar.nominal_start, bar.end, step) if t >= bar.start]

    def beat_at(self, tick: int) -> tuple[int, int]:
        """``(bar number, beat number)`` of ``tick`` as a musician counts them: 1-based, and a pickup
        is bar 0 holding the last beats of a bar (a one-beat pickup in 4/4 is 0.4)."""
        bar = self.bar_at(tick)
        beat = (max(0, tick) - bar.nominal_start) // bar.meter.beat_ticks + 1
        return self.bar_number(bar.index), beat

    def bar_number(self, index: int) -> int:
        """The number a musician gives the bar with 0-based ``index``: a pickup is bar 0."""
        return index if self.pickup else index + 1
