"""PianoRollWidget: ruler, chord lane, keyboard, note grid and velocity lane around one document.

The widget only listens to the :class:`~composer_app.document.ScoreDocument` (``scoreChanged``
incrementally by id, ``scoreReset``/``currentTrackChanged`` by rebuilding, ``selectionChanged`` by
highlighting) and changes the score only through ``doc.edit``, one undo step per gesture or action.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollBar, QWidget

from ...score import GRID_CHOICES, Chord, Note
from ...score.keyfinding import reading_key_at, reading_keys, shown_keys
from . import palette
from .actions import RollActions
from .chordlane import ChordLaneWidget
from .geometry import (MAX_KEY_HEIGHT, MAX_PX_PER_TICK, MIN_KEY_HEIGHT, MIN_PX_PER_TICK, RollGeometry, clamp,
                       follow_scroll, zoom_scroll)
from .items import NoteItem
from .keyboard import KeyboardWidget
from .ruler import RulerWidget
from .velocity import VelocityLaneWidget
from .view import NoteGridView

DEFAULT_GRID = "1/16"

FIRST_STEPS = (
    "<b>Start here</b>"
    "<ul style='margin-left:-20px'>"
    "<li><b>Draw notes</b>: click or drag on this grid (the piano on the left sounds each row).</li>"
    "<li><b>Write chords</b>: double-click the <i>Chords</i> lane above and type <i>Am7</i>, "
    "<i>G/B</i> … or click a chord in the <i>Chord Palette</i>.</li>"
    "<li><b>Ask for ideas</b>: <b>Ctrl+G</b> continues what you wrote; select bars and press "
    "<b>Ctrl+H</b> for chords that fit them.</li>"
    "<li><b>Bring in a tune</b>: File &gt; Open (MIDI, MusicXML, ABC) or drop a file here.</li>"
    "</ul>"
    "Space plays, Ctrl+Z undoes, F1 lists every key."
)


class FirstSteps(QLabel):
    """A card in the middle of the empty grid saying what to do first. Clicks go through it."""

    def __init__(self, viewport: QWidget):
        super().__init__(FIRST_STEPS, viewport)
        self.setObjectName("firstSteps")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setMaximumWidth(460)
        self.setStyleSheet(
            f"QLabel#firstSteps {{ background: rgba(30, 31, 37, 225); color: {palette.TEXT.name()};"
            f" border: 1px solid {palette.LINE_BAR.name()}; border-radius: 8px; padding: 10px 14px;"
            " font-size: 13px; }")
        viewport.installEventFilter(self)

    def place(self) -> None:
        vp = self.parentWidget()
        self.setFixedWidth(min(460, max(220, vp.width() - 40)))
        self.adjustSize()
        self.move(max(10, (vp.width() - self.width()) // 2), max(10, (vp.height() - self.height()) // 3))
        self.raise_()

    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.place()
        return False


class PianoRollWidget(QWidget):
    #: A key of the keyboard was clicked (or glided over): the pitch to sound once.
    keyClicked = Signal(int)
    #: The ruler was clicked or dragged: move playback to this tick.
    seekRequested = Signal(int)
    gridChanged = Signal(str)
    #: A message for the status bar (e.g. a refused chord symbol).
    messageShown = Signal(str)
    #: Ids of the suggestion candidate notes the user picked by clicking them.
    candidateNotesSelected = Signal(list)
    #: A note was drawn, clicked, dragged to a new pitch or transposed: (pitch, velocity) to audition.
    notePreviewed = Signal(int, int)
    zoomChanged = Signal()

    def __init__(self, document, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc = document
        self.geom = RollGeometry(px_per_tick=0.1, key_height=14.0)
        self._grid_label = DEFAULT_GRID
        self._playhead = 0
        #: The keys the rows mark (score/keyfinding.py): with none set they follow the notes.
        self._read_keys: tuple = ()
        self.follow_playhead = True
        self.loop_region: tuple[int, int] | None = None
        self.tool = "draw"
        self.default_velocity = 90
        self.candidate_notes: list[Note] = []
        self.candidate_confidences: list[float] = []
        self.candidate_chords: list[Chord] = []
        self.candidate_chord_confidences: list[float] = []
        self.candidate_region: tuple[int, int] | None = None
        self.candidate_task: str | None = None
        self.picked_candidates: set[int] = set()
        #: Theory on screen: roman numerals under chord symbols, the key's scale marked on the rows.
        self.show_numerals = True
        self.show_scale = True

        self.setObjectName("pianoRoll")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), palette.PANEL_DARK)
        self.setPalette(pal)

        self.view = NoteGridView(self)
        self.ruler = RulerWidget(self)
        self.chord_lane = ChordLaneWidget(self)
        self.keyboard = KeyboardWidget(self)
        self.velocity_lane = VelocityLaneWidget(self)
        self.hbar = QScrollBar(Qt.Orientation.Horizontal, self)
        self.vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self._link_scrollbar(self.view.horizontalScrollBar(), self.hbar)
        self._link_scrollbar(self.view.verticalScrollBar(), self.vbar)

        small = QFont()
        small.setPixelSize(10)
        self.grid_label = self._corner_label(f"Grid {self._grid_label}", small)
        self.chords_label = chords_label = self._corner_label("Chords", small)
        vel_label = self._corner_label("Velocity", small)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.grid_label, 0, 0)
        layout.addWidget(self.ruler, 0, 1)
        layout.addWidget(chords_label, 1, 0)
        layout.addWidget(self.chord_lane, 1, 1)
        layout.addWidget(self.keyboard, 2, 0)
        layout.addWidget(self.view, 2, 1)
        layout.addWidget(self.vbar, 2, 2)
        layout.addWidget(vel_label, 3, 0)
        layout.addWidget(self.velocity_lane, 3, 1)
        layout.addWidget(self.hbar, 4, 1)
        layout.setRowStretch(2, 1)
        layout.setColumnStretch(1, 1)

        self.keyboard.keyPressed.connect(self.keyClicked)
        self.ruler.seekRequested.connect(self.seekRequested)
        self._actions = RollActions(self)
        self.actions_by_name = self._actions.by_name

        document.scoreChanged.connect(self._on_doc_scoreChanged)
        document.scoreReset.connect(self._on_doc_scoreReset)
        document.selectionChanged.connect(self._on_doc_selectionChanged)
        document.currentTrackChanged.connect(self._on_doc_currentTrackChanged)

        self.view.rebuild()
        self.resize(900, 560)
        self._shown_once = False
        self.first_steps = FirstSteps(self.view.viewport())
        self._update_first_steps()

    def showEvent(self, event):
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.scroll_to_content()
        self._update_first_steps()

    def _update_first_steps(self) -> None:
        """The first-steps card shows on an empty score (no notes in any track) and goes with the first note."""
        empty = not any(t.notes for t in self.doc.score.tracks)
        self.first_steps.setVisible(empty)
        if empty:
            self.first_steps.place()

    def set_show_numerals(self, on: bool) -> None:
        self.show_numerals = bool(on)
        self.chord_lane.update()

    def set_show_scale(self, on: bool) -> None:
        """Mark the rows of the key's scale (and its tonic) on the grid and the keyboard."""
        self.show_scale = bool(on)
        self.view.resetCachedContent()
        self.view.viewport().update()
        self.keyboard.update()

    # ---- the view: saved and restored like a DAW's -----------------------------------------------
    def view_position(self) -> tuple[int, int]:
        """The scroll position (horizontal, vertical) to come back to later."""
        return self.view.horizontalScrollBar().value(), self.view.verticalScrollBar().value()

    def restore_view_position(self, pos: tuple[int, int]) -> None:
        self.view.horizontalScrollBar().setValue(pos[0])
        self.view.verticalScrollBar().setValue(pos[1])

    def scroll_to_tick(self, tick: int) -> None:
        """Scroll time so that ``tick`` is at the left edge (Home: the start of the piece in view)."""
        self.view.horizontalScrollBar().setValue(int(max(0.0, self.geom.x(tick) - (8 if tick else 0))))

    def _corner_label(self, text: str, font: QFont) -> QLabel:
        label = QLabel(text, self)
        label.setFont(font)
        label.setFixedWidth(KeyboardWidget.WIDTH)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet(f"QLabel {{ color: {palette.TEXT_DIM.name()}; background: {palette.PANEL.name()}; }}")
        return label

    @staticmethod
    def _link_scrollbar(inner: QScrollBar, outer: QScrollBar) -> None:
        def on_range(lo, hi):
            outer.setRange(lo, hi)
            outer.setPageStep(inner.pageStep())
            outer.setSingleStep(max(1, inner.pageStep() // 20))
        inner.rangeChanged.connect(on_range)
        inner.valueChanged.connect(outer.setValue)
        outer.valueChanged.connect(inner.setValue)
        on_range(inner.minimum(), inner.maximum())

    # ---- grid ------------------------------------------------------------------------------
    @property
    def grid(self) -> str:
        return self._grid_label

    @property
    def grid_ticks(self) -> int | None:
        """Snap step in ticks, ``None`` when snapping is off."""
        return GRID_CHOICES[self._grid_label]

    def set_grid(self, label: str) -> None:
        if label not in GRID_CHOICES:
            raise ValueError(f"unknown grid '{label}' (choose from {', '.join(GRID_CHOICES)})")
        if label == self._grid_label:
            return
        self._grid_label = label
        self.grid_label.setText(f"Grid {label}")
        self.view.viewport().update()
        self.gridChanged.emit(label)

    def set_tool(self, tool: str) -> None:
        """``"draw"`` (click on empty grid draws) or ``"select"`` (drag on empty grid selects)."""
        if tool not in ("draw", "select"):
            raise ValueError(f"unknown tool '{tool}'")
        self.tool = tool
        self.actions_by_name["tool_draw"].setChecked(tool == "draw")
        self.actions_by_name["tool_select"].setChecked(tool == "select")

    # ---- scrolling and zoom ----------------------------------------------------------------------
    def scroll_x(self) -> float:
        """Scene x at the left edge of the grid's viewport."""
        return float(self.view.horizontalScrollBar().value())

    def scroll_y(self) -> float:
        return float(self.view.verticalScrollBar().value())

    def on_view_scrolled(self) -> None:
        if self.chord_lane.editor is not None:
            self.chord_lane.close_editor()
        for w in (self.ruler, self.chord_lane, self.velocity_lane, self.keyboard):
            w.update()

    def zoom_horizontal(self, factor: float, anchor: float | None = None) -> None:
        """Zoom time by ``factor`` keeping viewport x ``anchor`` (default: the centre) in place."""
        old = self.geom.px_per_tick
        new = clamp(old * factor, MIN_PX_PER_TICK, MAX_PX_PER_TICK)
        if new == old:
            return
        if anchor is None:
            anchor = self.view.viewport().width() / 2
        target = zoom_scroll(self.scroll_x(), anchor, old, new)
        self.geom.px_per_tick = new
        self.view.relayout()
        self.view.horizontalScrollBar().setValue(round(target))
        self._after_zoom()

    def zoom_vertical(self, factor: float, anchor: float | None = None) -> None:
        """Zoom pitch rows by ``factor`` keeping viewport y ``anchor`` (default: the centre) in place."""
        old = self.geom.key_height
        new = clamp(old * factor, MIN_KEY_HEIGHT, MAX_KEY_HEIGHT)
        if new == old:
            return
        if anchor is None:
            anchor = self.view.viewport().height() / 2
        target = zoom_scroll(self.scroll_y(), anchor, old, new)
        self.geom.key_height = new
        self.view.relayout()
        self.view.verticalScrollBar().setValue(round(target))
        self._after_zoom()

    def _after_zoom(self) -> None:
        self.on_view_scrolled()
        self.zoomChanged.emit()

    def handle_wheel(self, event, area: str) -> None:
        """DAW wheel habits: Ctrl zooms time around the mouse, Ctrl+Shift or Alt (or Ctrl over the
        keyboard) zooms pitch, Shift scrolls time, the plain wheel scrolls pitch (time over the
        ruler and lanes)."""
        delta = event.angleDelta().y() or event.angleDelta().x()
        event.accept()
        if not delta:
            return
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        alt = bool(mods & Qt.KeyboardModifier.AltModifier)
        steps = delta / 120.0
        pos = event.position()
        if ctrl and not shift and not alt and area != "keyboard":
            self.zoom_horizontal(1.2 ** steps, pos.x())
        elif ctrl or alt:  # Ctrl+Shift, Alt, or Ctrl over the keyboard: pitch zoom
            self.zoom_vertical(1.15 ** steps, pos.y() if area in ("grid", "keyboard") else None)
        elif shift or area == "lane":
            bar = self.view.horizontalScrollBar()
            bar.setValue(bar.value() - int(delta))
        else:
            bar = self.view.verticalScrollBar()
            bar.setValue(bar.value() - int(delta * self.geom.key_height / 40))

    def scroll_to_content(self) -> None:
        """Show the current track's notes (or middle C to C6 when it is empty)."""
        notes = self.doc.current_track.notes
        if notes:
            mid = (min(n.pitch for n in notes) + max(n.pitch for n in notes)) / 2
        else:
            mid = 66
        y = self.geom.y(int(mid)) + self.geom.key_height / 2
        self.view.verticalScrollBar().setValue(int(y - self.view.viewport().height() / 2))

    def ensure_visible(self, tick: int | None = None, pitch: int | None = None) -> None:
        if tick is not None:
            x = self.geom.x(tick)
            left, width = self.scroll_x(), self.view.viewport().width()
            if not left <= x <= left + width:
                self.view.horizontalScrollBar().setValue(int(max(0, x - width * 0.1)))
        if pitch is not None:
            y = self.geom.y(pitch)
            top, height = self.scroll_y(), self.view.viewport().height()
            if not top <= y <= top + height - self.geom.key_height:
                self.view.verticalScrollBar().setValue(int(y - height / 2))

    # ---- coordinates (for tests and other widgets) -----------------------------------------
    def viewport_point(self, tick: int, pitch: int) -> QPoint:
        """Grid viewport point at ``tick`` in the middle of ``pitch``'s row."""
        p = self.view.mapFromScene(QPointF(self.geom.x(tick) + 0.5, self.geom.y(pitch) + self.geom.key_height / 2))
        return p

    def note_viewport_rect(self, note_id: int) -> QRectF:
        item = self.view.note_items.get(note_id) or self.view.candidate_items.get(note_id)
        if item is not None:
            return self.view.mapFromScene(item.sceneBoundingRect()).boundingRect().toRectF()
        # a note outside the window of items (large scores): from its geometry
        n = next(n for n in self.doc.current_track.notes if n.id == note_id)
        return self.view.mapFromScene(QRectF(*self.geom.note_rect(n.start, n.duration, n.pitch))).boundingRect().toRectF()

    # ---- playhead and loop -------------------------------------------------------------------
    @property
    def playhead(self) -> int:
        """Playhead tick: where paste puts material."""
        return self._playhead

    def set_playhead(self, tick: int) -> None:
        tick = max(0, int(tick))
        if tick == self._playhead:
            return
        self._playhead = tick
        if self.geom.x(tick) > self.view.sceneRect().width() - self.view.viewport().width():
            self.view.update_scene_rect()  # only near the end: the player calls this many times a second
        self.view.update_playhead()
        if self.follow_playhead:
            target = follow_scroll(self.geom.x(tick), self.scroll_x(), self.view.viewport().width())
            if target is not None:
                self.view.horizontalScrollBar().setValue(int(target))
        self.ruler.update()

    def set_loop_region(self, start: int | None, end: int | None = None) -> None:
        self.loop_region = None if start is None or end is None or end <= start else (int(start), int(end))
        self.view.update_scene_rect()
        self.view.resetCachedContent()
        self.view.viewport().update()
        self.ruler.update()

    # ---- suggestion candidates -----------------------------------------------------------------
    def set_candidate(self, notes: list[Note], chords: list[Chord], confidences: list[float] | None = None,
                      chord_confidences: list[float] | None = None, region: tuple[int, int] | None = None,
                      task: str | None = None) -> None:
        """Show a suggestion as translucent ghost notes (shaded by confidence 0..1) and proposed chords
        in the chord lane's second row; ``region``/``task`` say which chords it would replace."""
        self.clear_candidate(emit=False)
        self.candidate_region, self.candidate_task = region, task
        self.candidate_notes = list(notes)
        self.candidate_confidences = list(confidences) if confidences is not None else [1.0] * len(notes)
        self.candidate_chords = list(chords)
        self.candidate_chord_confidences = (list(chord_confidences) if chord_confidences is not None
                                            else [1.0] * len(chords))
        for i, n in enumerate(self.candidate_notes):
            conf = self.candidate_confidences[i] if i < len(self.candidate_confidences) else 1.0
            item = NoteItem(n, self.geom, "candidate", conf)
            self.view.candidate_items[n.id] = item
            self.view.scene().addItem(item)
        self.chord_lane.update_height()
        self.chords_label.setText("Chords\n\nProposed" if self.candidate_chords else "Chords")

    def clear_candidate(self, emit: bool = True) -> None:
        for item in self.view.candidate_items.values():
            self.view.scene().removeItem(item)
        self.view.candidate_items.clear()
        had_picks = bool(self.picked_candidates)
        self.candidate_notes, self.candidate_confidences = [], []
        self.candidate_chords, self.candidate_chord_confidences = [], []
        self.candidate_region, self.candidate_task = None, None
        self.picked_candidates = set()
        self.chord_lane.update_height()
        self.chords_label.setText("Chords")
        if emit and had_picks:
            self.candidateNotesSelected.emit([])

    def toggle_candidate_pick(self, note_id: int, additive: bool = True) -> None:
        """Click on a candidate note: pick or unpick it (for "accept only these notes")."""
        if note_id in self.picked_candidates:
            self.picked_candidates.discard(note_id)
        else:
            self.picked_candidates.add(note_id)
        for nid, item in self.view.candidate_items.items():
            item.set_chosen(nid in self.picked_candidates)
        self.candidateNotesSelected.emit(sorted(self.picked_candidates))

    # ---- dragging the selection out as a MIDI clip ---------------------------------------------
    def selection_clip(self):
        """The selected notes (and the chords of their bars) as a :class:`~composer_app.formats.clips.Clip`
        starting on a bar line, or ``None`` when nothing is selected."""
        from ...formats.clips import clip_from_selection

        sel = self.doc.selection
        return clip_from_selection(self.doc.score, sel.notes, sel.chords)

    def clip_title(self) -> str:
        """The name clips are filed under: the score's title, else the file's name."""
        doc = self.doc
        return doc.score.title or (doc.path.stem if doc.path else "Untitled")

    def drag_selection_clip(self):
        """Start dragging the selection out of the app as a ``.mid`` file (Alt+drag on a selected
        note, or the toolbar grip). Returns the drop action."""
        from ..clipdrag import drag_clip

        action, _path, message = drag_clip(self.view.viewport(), self.selection_clip(), self.clip_title())
        self.messageShown.emit(message)
        return action

    # ---- document signals ------------------------------------------------------------------------
    def _on_doc_scoreChanged(self, diff) -> None:
        self._update_first_steps()
        if diff.tracks_changed:
            self.view.rebuild()
        else:
            self.view.apply_diff(diff)
        # With no key set, the key shown (the rows, the spelling) follows the notes; the ruler also
        # marks the keys the assistant reads
        read = (shown_keys(self.doc.score), reading_keys(self.doc.score)[0])
        if diff.meta_changed or read != self._read_keys:
            self.view.scene().prefer_flats = reading_key_at(self.doc.score, 0).prefers_flats
            self.view.update_scene_rect()
            self.view.resetCachedContent()
            self.view.viewport().update()
            self.keyboard.update()
            self.ruler.update()
        self._read_keys = read
        self.chord_lane.update()
        self.velocity_lane.update()

    def _on_doc_scoreReset(self) -> None:
        self._update_first_steps()
        self.chord_lane.close_editor()
        self.view.rebuild()
        self.view.viewport().update()
        for w in (self.ruler, self.chord_lane, self.velocity_lane, self.keyboard):
            w.update()
        self.scroll_to_content()

    def _on_doc_selectionChanged(self) -> None:
        self.view.update_selection()
        self.chord_lane.update()
        self.velocity_lane.update()

    def _on_doc_currentTrackChanged(self, _track_id: int) -> None:
        self.view.rebuild()
        self.velocity_lane.update()
