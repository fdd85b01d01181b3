"""Pure piano-roll maths: coordinate maps, hit tests, snapping, grid lines and zoom anchoring.

Plain Python only (no Qt), so every rule the editor follows about where a note is, what a click
hits and where a drag snaps is tested without a display. Scene coordinates are pixels: ``x`` grows
with time (``px_per_tick``), ``y`` grows downwards from pitch 127 (one row of ``key_height`` per
semitone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from ...score import TPQ, Chord, Meter, Note, snap

NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
BLACK_PCS = frozenset({1, 3, 6, 8, 10})

MIN_PX_PER_TICK = 0.01  # a 4/4 bar is about 19 px
MAX_PX_PER_TICK = 2.0  # a 32nd note is 120 px
MIN_KEY_HEIGHT = 5.0
MAX_KEY_HEIGHT = 40.0
#: Fallback step (ticks) for nudges and quantize when the grid is "Off".
FALLBACK_GRID = TPQ // 4

# Grid line levels returned by :func:`grid_lines`.
BAR, BEAT, SUB = 0, 1, 2


FLAT_NOTE_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")


def pitch_name(pitch: int, flats: bool = False) -> str:
    """Scientific pitch name with middle C (60) = C4; ``flats`` spells black keys as flats (flat keys)."""
    return f"{(FLAT_NOTE_NAMES if flats else NOTE_NAMES)[pitch % 12]}{pitch // 12 - 1}"


def is_black_key(pitch: int) -> bool:
    return pitch % 12 in BLACK_PCS


def clamp(v, lo, hi):
    return lo if v < lo else hi if v > hi else v


@dataclass
class RollGeometry:
    """Pixel <-> (tick, pitch) map of the note grid."""

    px_per_tick: float = 0.1
    key_height: float = 14.0

    # ---- time --------------------------------------------------------------------------
    def x(self, tick: float) -> float:
        return tick * self.px_per_tick

    def tick_at(self, x: float) -> int:
        """The tick under scene x (never negative)."""
        return max(0, int(x / self.px_per_tick))

    def ticks(self, dx: float) -> int:
        """A horizontal distance in pixels as a (signed) number of ticks."""
        return int(round(dx / self.px_per_tick))

    # ---- pitch -------------------------------------------------------------------------
    def y(self, pitch: int) -> float:
        """Top of the row of ``pitch``."""
        return (127 - pitch) * self.key_height

    def pitch_at(self, y: float) -> int:
        return int(clamp(127 - int(y // self.key_height), 0, 127))

    @property
    def height(self) -> float:
        return 128 * self.key_height

    # ---- rectangles --------------------------------------------------------------------
    def note_rect(self, start: int, duration: int, pitch: int) -> tuple[float, float, float, float]:
        """(x, y, w, h) of a note; at least 2 px wide so very short notes stay visible."""
        return (self.x(start), self.y(pitch), max(2.0, duration * self.px_per_tick), self.key_height)


# ---- hit tests ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """What a point hits: the id and the part (``"body"`` or ``"end"``, the resize zone)."""

    id: int
    part: str


def edge_zone(width_px: float, edge_px: float = 6.0) -> float:
    """Width of the resize zone at a block's right end: short blocks keep most of their body."""
    return min(edge_px, width_px / 3.0)


def hit_note(notes: Iterable[Note], geom: RollGeometry, x: float, y: float, edge_px: float = 6.0) -> Hit | None:
    """The note under (x, y); the one starting latest wins where notes overlap (it is drawn on top)."""
    best: Note | None = None
    for n in notes:
        nx, ny, w, h = geom.note_rect(n.start, n.duration, n.pitch)
        if nx <= x < nx + w and ny <= y < ny + h:
            if best is None or (n.start, n.id) >= (best.start, best.id):
                best = n
    if best is None:
        return None
    nx, _, w, _ = geom.note_rect(best.start, best.duration, best.pitch)
    return Hit(best.id, "end" if x >= nx + w - edge_zone(w, edge_px) else "body")


def notes_in_rect(notes: Iterable[Note], geom: RollGeometry, x0: float, y0: float, x1: float, y1: float) -> set[int]:
    """Ids of notes whose rectangle intersects the (any-corner-order) rectangle."""
    left, right = min(x0, x1), max(x0, x1)
    top, bottom = min(y0, y1), max(y0, y1)
    out = set()
    for n in notes:
        nx, ny, w, h = geom.note_rect(n.start, n.duration, n.pitch)
        if nx < right and nx + w > left and ny < bottom and ny + h > top:
            out.add(n.id)
    return out


def hit_chord(chords: Iterable[Chord], px_per_tick: float, x: float, edge_px: float = 6.0) -> Hit | None:
    """The chord block under scene x in the chord lane."""
    for c in chords:
        cx, w = c.start * px_per_tick, c.duration * px_per_tick
        if cx <= x < cx + w:
            return Hit(c.id, "end" if x >= cx + w - edge_zone(w, edge_px) else "body")
    return None


# ---- snapping during gestures --------------------------------------------------------------


def moved_start(orig_start: int, dticks: int, grid: int | None) -> int:
    """Where a dragged block starts: the grabbed block's start snaps to the grid (not the mouse)."""
    return max(0, snap(orig_start + dticks, grid))


def resized_end(start: int, orig_end: int, dticks: int, grid: int | None) -> int:
    """Where a dragged right edge ends: snapped, and at least one grid step (or 1 tick) after ``start``."""
    end = snap(orig_end + dticks, grid)
    return max(start + (grid or 1), end)


def drawn_span(anchor_tick: int, tick: int, grid: int | None) -> tuple[int, int]:
    """(start, duration) of a note drawn from ``anchor_tick`` and dragged to ``tick``.

    The start is the grid cell the press fell in; the length grows in whole grid steps with the
    drag and is one grid step (a quarter note with snap off) for a plain click.
    """
    step = grid or TPQ
    start = snap(anchor_tick, grid, "floor") if grid else anchor_tick
    if tick <= start + step:
        return start, step
    end = snap(tick, grid, "ceil") if grid else tick
    return start, max(step, end - start)


def default_chord_span(meter: Meter, chords: Sequence[Chord], tick: int, grid: int | None) -> tuple[int, int]:
    """(start, duration) for a chord typed at ``tick``: the clicked bar, minus room taken by chords.

    A chord already covering the bar start pushes the new chord's start to the clicked beat (or grid
    cell, when the grid is coarser than a beat); a chord later in the bar cuts it short.
    """
    bar = meter.bar_at(tick)
    start, end = bar.start, bar.end
    if any(c.start <= start < c.end for c in chords):
        step = max(grid or 0, bar.meter.beat_ticks)
        start = bar.start + snap(tick - bar.start, step, "floor")
    for c in chords:
        if start < c.start < end:
            end = c.start
    return start, max(1, end - start)


# ---- grid lines ------------------------------------------------------------------------------


def grid_lines(meter: Meter, start: int, end: int, grid: int | None, px_per_tick: float,
               min_px: float = 5.0) -> list[tuple[int, int]]:
    """``(tick, level)`` of the vertical lines in ``[start, end)``: bars, beats and grid subdivisions.

    Lines closer than ``min_px`` pixels are left out level by level (subdivisions first, then beats,
    then every other bar), so a far zoom stays readable.
    """
    out: list[tuple[int, int]] = []
    start = max(0, start)
    first = meter.bar_at(start)
    bar_step = 1
    while first.length * bar_step * px_per_tick < min_px * 2 and bar_step < 1024:
        bar_step *= 2
    i = first.index
    while True:
        bar = meter.bar(i)
        i += 1
        if bar.start >= end:
            break
        if bar.index % bar_step == 0 and bar.start >= start:
            out.append((bar.start, BAR))
        if bar_step != 1:
            continue
        inner: dict[int, int] = {}
        origin = bar.nominal_start  # a pickup bar's beats count from where its bar would start
        if grid and grid * px_per_tick >= min_px:
            inner.update((t, SUB) for t in range(origin + grid, bar.end, grid) if t > bar.start)
        beat = bar.meter.beat_ticks
        if beat * px_per_tick >= min_px:
            inner.update((t, BEAT) for t in range(origin + beat, bar.end, beat) if t > bar.start)
        out.extend((t, lv) for t, lv in sorted(inner.items()) if start <= t < end)
    return out


# ---- zoom and scrolling ----------------------------------------------------------------------


def zoom_scroll(scroll: float, anchor: float, old_scale: float, new_scale: float) -> float:
    """New scroll offset that keeps the content under ``anchor`` (pixels into the viewport) in place."""
    content = (scroll + anchor) / old_scale
    return content * new_scale - anchor


def follow_scroll(x: float, left: float, width: float, margin: float = 0.1) -> float | None:
    """Scroll offset that brings scene ``x`` back into view (page-wise like a DAW), or ``None``."""
    if left <= x <= left + width * (1.0 - margin):
        return None
    return max(0.0, x - width * margin)


# ---- velocity lane ---------------------------------------------------------------------------


def velocity_at(y: float, height: float, pad: float = 4.0) -> int:
    """Velocity for a mouse y in a lane of ``height`` px (top = 127, bottom = 1)."""
    usable = max(1.0, height - 2 * pad)
    frac = 1.0 - (y - pad) / usable
    return int(clamp(round(1 + frac * 126), 1, 127))


def velocity_y(velocity: int, height: float, pad: float = 4.0) -> float:
    usable = max(1.0, height - 2 * pad)
    return pad + (1.0 - (velocity - 1) / 126.0) * usable
