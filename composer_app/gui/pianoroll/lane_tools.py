"""Mouse tools of the chord lane and the velocity lane: preview while dragging, ONE edit on release."""

from __future__ import annotations

from dataclasses import replace

from ...score import edits
from .geometry import moved_start, resized_end, velocity_at

DRAG_THRESHOLD = 3.0


class _LaneTool:
    def __init__(self, roll, lane, x: float, y: float):
        self.roll, self.lane = roll, lane
        self.x0, self.y0 = x, y
        self.dragging = False

    def _past_threshold(self, x: float, y: float) -> bool:
        if not self.dragging:
            self.dragging = abs(x - self.x0) + abs(y - self.y0) >= DRAG_THRESHOLD
        return self.dragging

    def cancel(self) -> None:
        self.lane.preview.clear()
        self.lane.update()


class ChordMoveTool(_LaneTool):
    """Drag a chord block (and the other selected chords) in time; the grabbed chord's start snaps."""

    def __init__(self, roll, lane, x, y, grabbed):
        super().__init__(roll, lane, x, y)
        self.grabbed = grabbed
        sel = roll.doc.selection.chords
        self.chords = [c for c in roll.doc.score.chords if c.id in sel] or [grabbed]
        self.dticks = 0

    def move(self, x, y):
        if not self._past_threshold(x, y):
            return
        geom = self.roll.geom
        dt = moved_start(self.grabbed.start, geom.ticks(x - self.x0), self.roll.grid_ticks) - self.grabbed.start
        self.dticks = max(dt, -min(c.start for c in self.chords))
        self.lane.preview = {c.id: (c.start + self.dticks, c.duration) for c in self.chords}
        self.lane.update()

    def release(self, x, y):
        self.move(x, y)
        self.cancel()
        if self.dragging and self.dticks:
            doc = self.roll.doc
            doc.edit("Move chords", edits.move_chords(doc.score, [c.id for c in self.chords], self.dticks))


class ChordResizeTool(_LaneTool):
    """Drag a chord's right end; the end snaps to the grid."""

    def __init__(self, roll, lane, x, y, grabbed):
        super().__init__(roll, lane, x, y)
        self.grabbed = grabbed
        self.end = grabbed.end

    def move(self, x, y):
        if not self._past_threshold(x, y):
            return
        c = self.grabbed
        self.end = resized_end(c.start, c.end, self.roll.geom.ticks(x - self.x0), self.roll.grid_ticks)
        self.lane.preview = {c.id: (c.start, self.end - c.start)}
        self.lane.update()

    def release(self, x, y):
        self.move(x, y)
        self.cancel()
        if self.dragging and self.end != self.grabbed.end:
            doc = self.roll.doc
            doc.edit("Resize chord", edits.change_chord(doc.score, self.grabbed.id, duration=self.end - self.grabbed.start))


class VelocityDragTool(_LaneTool):
    """Drag a velocity bar up or down. A selected bar drags the whole selection by the same amount;
    an unselected one changes alone. One undo step per drag."""

    def __init__(self, roll, lane, x, y, grabbed):
        super().__init__(roll, lane, x, y)
        self.grabbed = grabbed
        sel = roll.doc.selection.notes
        if grabbed.id in sel:
            self.notes = [n for n in roll.doc.current_track.notes if n.id in sel]
        else:
            self.notes = [grabbed]
        self.dragging = True  # a click sets the velocity where it lands
        self.move(x, y)

    def move(self, x, y):
        target = velocity_at(y, self.lane.height())
        delta = target - self.grabbed.velocity
        self.lane.preview = {n.id: max(1, min(127, n.velocity + delta)) for n in self.notes}
        self.lane.update()

    def release(self, x, y):
        self.move(x, y)
        new = [replace(n, velocity=self.lane.preview[n.id]) for n in self.notes]
        self.cancel()
        doc = self.roll.doc
        if any(a.velocity != b.velocity for a, b in zip(self.notes, new)):
            doc.edit("Change velocity", edits.replace_notes(doc.score, new))
