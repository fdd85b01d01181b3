"""Edit actions of the piano roll (QActions with DAW shortcuts). Each one is at most ONE undo step.

Every action is added to the roll with ``Qt.WidgetWithChildrenShortcut``: the keys work while the
roll (grid, lanes, keyboard) has focus and never steal arrows or Delete from spin boxes and text
fields elsewhere in the window. The main window may put the same QAction objects into its menus.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from ...document import Selection
from ...score import Chord, Note, edits
from ..wording import plural
from .geometry import FALLBACK_GRID

VELOCITY_STEP = 8


@dataclass
class Clip:
    """Copied material; times stay absolute, pasting shifts the earliest start to the playhead."""

    notes: list[Note]
    chords: list[Chord]

    @property
    def start(self) -> int:
        return min([n.start for n in self.notes] + [c.start for c in self.chords], default=0)


#: Shared by every roll of the process (copy in one document, paste in another).
CLIPBOARD: Clip | None = None

#: name -> (menu text, shortcut)
ACTION_SPECS: dict[str, tuple[str, str]] = {
    "delete": ("Delete", "Delete"),
    "select_all": ("Select All", "Ctrl+A"),
    "deselect": ("Deselect", "Escape"),
    "transpose_up": ("Transpose Up", "Up"),
    "transpose_down": ("Transpose Down", "Down"),
    "octave_up": ("Octave Up", "Shift+Up"),
    "octave_down": ("Octave Down", "Shift+Down"),
    "nudge_left": ("Nudge Left", "Left"),
    "nudge_right": ("Nudge Right", "Right"),
    "duplicate": ("Duplicate", "Ctrl+D"),
    "copy": ("Copy", "Ctrl+C"),
    "cut": ("Cut", "Ctrl+X"),
    "paste": ("Paste at Playhead", "Ctrl+V"),
    "quantize": ("Quantize", "Q"),
    "velocity_up": ("Velocity Up", "Alt+Up"),
    "velocity_down": ("Velocity Down", "Alt+Down"),
    "zoom_in": ("Zoom In", "Ctrl+="),
    "zoom_out": ("Zoom Out", "Ctrl+-"),
    "tool_draw": ("Draw Tool", "P"),
    "tool_select": ("Select Tool", "S"),
}
EXTRA_SHORTCUTS = {"delete": ["Backspace"], "zoom_in": ["Ctrl++"]}


class RollActions:
    def __init__(self, roll):
        self.roll = roll
        self.by_name: dict[str, QAction] = {}
        for name, (text, key) in ACTION_SPECS.items():
            act = QAction(text, roll)
            act.setObjectName(f"pianoroll_{name}")
            keys = [QKeySequence(key)] + [QKeySequence(k) for k in EXTRA_SHORTCUTS.get(name, [])]
            act.setShortcuts(keys)
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.triggered.connect(getattr(self, name))
            roll.addAction(act)
            self.by_name[name] = act
        for name in ("tool_draw", "tool_select"):
            self.by_name[name].setCheckable(True)
        self.by_name["tool_draw"].setChecked(True)

    # ---- helpers ---------------------------------------------------------------------------
    @property
    def doc(self):
        return self.roll.doc

    def _step(self) -> int:
        return self.roll.grid_ticks or FALLBACK_GRID

    # ---- selection -------------------------------------------------------------------------
    def select_all(self) -> None:
        self.doc.select_all()

    def deselect(self) -> None:
        self.doc.clear_selection()

    def delete(self) -> bool:
        sel = self.doc.selection
        if not sel:
            return False
        score = edits.remove_chords(edits.remove_notes(self.doc.score, sel.notes), sel.chords)
        return self.doc.edit("Delete", score, Selection())

    # ---- pitch -----------------------------------------------------------------------------
    def _transpose(self, semitones: int, text: str) -> bool:
        sel = self.doc.selection
        score = self.doc.score
        if sel.notes:
            score = edits.transpose_notes(score, sel.notes, semitones)
        if sel.chords:
            score = edits.transpose_chords(score, sel.chords, semitones)
        if sel.notes:
            moved = [n for n in score.all_notes() if n.id in sel.notes]
            if moved:
                self.roll.notePreviewed.emit(max(n.pitch for n in moved), max(n.velocity for n in moved))
        if self.doc.edit(text, score):
            self._reveal(sel.notes)
            return True
        return False

    def transpose_up(self):
        return self._transpose(1, "Transpose up")

    def transpose_down(self):
        return self._transpose(-1, "Transpose down")

    def octave_up(self):
        return self._transpose(12, "Octave up")

    def octave_down(self):
        return self._transpose(-12, "Octave down")

    # ---- time ------------------------------------------------------------------------------
    def _nudge(self, direction: int) -> bool:
        sel = self.doc.selection
        score = self.doc.score
        step = direction * self._step()
        if sel.notes:
            score = edits.move_notes(score, sel.notes, step, 0)
        if sel.chords:
            score = edits.move_chords(score, sel.chords, step)
        return self.doc.edit("Nudge " + ("right" if direction > 0 else "left"), score)

    def nudge_left(self):
        return self._nudge(-1)

    def nudge_right(self):
        return self._nudge(1)

    def quantize(self) -> bool:
        sel = self.doc.selection.notes
        if not sel:
            return False
        return self.doc.edit("Quantize", edits.quantize_notes(self.doc.score, sel, self._step()))

    def _velocity(self, delta: int) -> bool:
        sel = self.doc.selection.notes
        if not sel:
            return False
        return self.doc.edit("Velocity " + ("up" if delta > 0 else "down"),
                             edits.set_velocity(self.doc.score, sel, delta=delta))

    def velocity_up(self):
        return self._velocity(VELOCITY_STEP)

    def velocity_down(self):
        return self._velocity(-VELOCITY_STEP)

    # ---- clipboard -------------------------------------------------------------------------
    def duplicate(self) -> bool:
        """Copy the selected notes and chords right after their span (by whole bars when it fits)."""
        sel = self.doc.selection
        if not sel:
            return False
        score, note_ids, chord_ids = edits.duplicate_selection(self.doc.score, sel.notes, sel.chords)
        if self.doc.edit("Duplicate", score, Selection(frozenset(note_ids), frozenset(chord_ids))):
            self._reveal(note_ids)
            return True
        return False

    def _reveal(self, note_ids) -> None:
        """Scroll so that the first of the notes is visible (after a paste, duplicate or transpose)."""
        ids = set(note_ids)
        chosen = [n for n in self.doc.score.all_notes() if n.id in ids]
        if chosen:
            first = min(chosen, key=lambda n: (n.start, -n.pitch))
            self.roll.ensure_visible(first.start, first.pitch)

    def copy(self) -> bool:
        global CLIPBOARD
        notes, chords = self.doc.selected_notes(), self.doc.selected_chords()
        if not notes and not chords:
            return False
        CLIPBOARD = Clip(notes, chords)
        self.roll.messageShown.emit(f"Copied {plural(len(notes), 'note')} and {plural(len(chords), 'chord')}: "
                                    "Ctrl+V pastes them at the playhead")
        return True

    def cut(self) -> bool:
        return self.copy() and self.delete_as("Cut")

    def delete_as(self, text: str) -> bool:
        sel = self.doc.selection
        score = edits.remove_chords(edits.remove_notes(self.doc.score, sel.notes), sel.chords)
        return self.doc.edit(text, score, Selection())

    def paste(self) -> bool:
        clip = CLIPBOARD
        if clip is None or not (clip.notes or clip.chords):
            return False
        shift = self.roll.playhead - clip.start
        notes = edits.copy_notes(clip.notes, shift)
        chords = [Chord(c.symbol, c.start + shift, c.duration) for c in clip.chords if c.start + shift >= 0]
        score = edits.insert_material(self.doc.score, self.doc.current_track.id, notes, chords)
        if self.doc.edit("Paste", score, Selection(frozenset(n.id for n in notes), frozenset(c.id for c in chords))):
            self._reveal(n.id for n in notes)
            return True
        return False

    # ---- view ------------------------------------------------------------------------------
    def zoom_in(self):
        self.roll.zoom_horizontal(1.25)

    def zoom_out(self):
        self.roll.zoom_horizontal(0.8)

    def tool_draw(self):
        self.roll.set_tool("draw")

    def tool_select(self):
        self.roll.set_tool("select")
