"""The transport: play/stop, pause, return to start, loop, metronome, panic, as QActions and a
small toolbar. It drives a :class:`~composer_app.playback.qt_player.QtPlayer` and keeps the piano
roll's playhead in step with playback.

Wiring (the main window / ``app.py`` does this)::

    player = QtPlayer(output)                       # from playback.outputs.open_outputs(config)
    transport = TransportBar(player, document, roll=window.roll, parent=window)
    window.addToolBar(transport)                    # its actions get window-wide shortcuts
    window.add_menu("&Transport").addActions(transport.menu_actions())
    transport.messageShown.connect(window.status_message)
    transport.positionChanged.connect(window.show_position)
    window.closed.connect(player.close)

Shortcuts: Space play/stop (the playhead stays where it stopped), Shift+Space play the selection,
Ctrl+Space pause/resume, Home return to start (and the view scrolls back to it), L loop,
M metronome, Ctrl+Shift+. panic.

The bar also shows the position as bar.beat and minutes:seconds, and edits the tempo, time
signature and key (:class:`~composer_app.gui.panels.score_meta.ScoreMetaEditor`, one undo step each).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QStyle, QToolBar, QWidget

from ..playback.events import TempoMap
from ..playback.qt_player import PAUSED, PLAYING, QtPlayer
from .panels.score_meta import ScoreMetaEditor

SHORTCUTS = {
    "play": "Space",
    "play_selection": "Shift+Space",
    "pause": "Ctrl+Space",
    "rewind": "Home",
    "loop": "L",
    "metronome": "M",
    "panic": "Ctrl+Shift+.",
}


def format_clock(seconds: float) -> str:
    """``0:05.2``, ``12:03.0``: minutes and seconds to a tenth."""
    seconds = max(0.0, seconds)
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:04.1f}"


class TransportBar(QToolBar):
    """Transport toolbar. ``actions_by_name``: play, play_selection, pause, rewind, loop, metronome, panic."""

    #: A message for the status bar (errors such as a vanished MIDI port).
    messageShown = Signal(str)
    #: The playhead moved (playing, seeking or returning to start): tick.
    positionChanged = Signal(int)

    def __init__(self, player: QtPlayer, document, roll=None, parent: QWidget | None = None):
        super().__init__("Transport", parent)
        self.setObjectName("transportToolBar")
        self.player, self.doc, self.roll = player, document, roll
        self.actions_by_name: dict[str, QAction] = {}
        sp = QStyle.StandardPixmap
        self._add("play", "&Play", "Play from the playhead / stop", self._on_play_triggered, sp.SP_MediaPlay)
        self._add("play_selection", "Play &Selection", "Play the selected notes' range",
                  self._on_play_selection_triggered, None)
        self._add("pause", "Pa&use", "Pause / resume", self._on_pause_triggered, sp.SP_MediaPause)
        self._add("rewind", "Return to &Start", "Move the playhead to the start", self._on_rewind_triggered,
                  sp.SP_MediaSkipBackward)
        self._add("loop", "&Loop", "Loop the loop region (or the whole piece)", self._on_loop_toggled, None,
                  checkable=True)
        self._add("metronome", "&Metronome", "Metronome clicks while playing", self._on_metronome_toggled, None,
                  checkable=True)
        # a word, not an icon: the standard "stop" icon is a red circled X that reads as Close
        self._add("panic", "P&anic", "Silence every note on every output (All Notes Off)",
                  self._on_panic_triggered, None)
        for name in ("play", "play_selection", "pause", "rewind", "loop", "metronome", "panic"):
            self.addAction(self.actions_by_name[name])
        self.position_label = QLabel("1.1", self)
        self.position_label.setObjectName("transportPosition")
        self.position_label.setToolTip("Playhead: bar.beat")
        self.position_label.setMinimumWidth(48)
        self.position_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bold = self.position_label.font()
        bold.setBold(True)
        self.position_label.setFont(bold)
        self.addWidget(self.position_label)
        self.clock_label = QLabel("0:00.0", self)
        self.clock_label.setObjectName("transportClock")
        self.clock_label.setToolTip("Playhead: minutes:seconds from the start (at the score's tempo)")
        self.clock_label.setMinimumWidth(52)
        self.clock_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.addWidget(self.clock_label)
        self.addSeparator()
        self.meta = ScoreMetaEditor(document, self, compact=True)
        self.meta.messageShown.connect(self.messageShown)
        for w in self.meta.widgets():
            self.addWidget(w)

        player.positionChanged.connect(self._on_player_positionChanged)
        player.stateChanged.connect(self._on_player_stateChanged)
        player.errorOccurred.connect(self._on_player_errorOccurred)
        document.scoreChanged.connect(self._on_document_scoreChanged)
        document.scoreReset.connect(self._on_document_scoreReset)
        if roll is not None:
            roll.seekRequested.connect(self._on_roll_seekRequested)
        self._on_player_stateChanged(player.state)

    # ---- public --------------------------------------------------------------------------------
    def menu_actions(self) -> list[QAction]:
        return [self.actions_by_name[n] for n in
                ("play", "play_selection", "pause", "rewind", "loop", "metronome", "panic")]

    @property
    def playhead(self) -> int:
        return self.roll.playhead if self.roll is not None else self._playhead

    def loop_region(self) -> tuple[int, int] | None:
        return self.roll.loop_region if self.roll is not None else None

    # ---- internals -----------------------------------------------------------------------------
    _playhead = 0

    def _add(self, name, text, tip, slot, icon, checkable=False) -> QAction:
        act = QAction(text, self)
        act.setObjectName(f"transport_{name}")
        act.setToolTip(f"{tip} ({SHORTCUTS[name]})")
        act.setShortcut(QKeySequence(SHORTCUTS[name]))
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if icon is not None:
            act.setIcon(self.style().standardIcon(icon))
        act.setCheckable(checkable)
        (act.toggled if checkable else act.triggered).connect(slot)
        self.actions_by_name[name] = act
        return act

    def _set_playhead(self, tick: int) -> None:
        self._playhead = tick
        if self.roll is not None:
            self.roll.set_playhead(tick)
        self._show_position(tick)
        self.positionChanged.emit(tick)

    def _show_position(self, tick: int) -> None:
        score = self.doc.score
        bar, beat = score.meter.beat_at(tick)
        self.position_label.setText(f"{bar}.{beat}")
        self.clock_label.setText(format_clock(TempoMap.of(score).seconds(tick)))

    def _play_from(self, tick: int, start: int = 0, end: int | None = None) -> None:
        score = self.doc.score
        region = self.loop_region()
        loop = self.actions_by_name["loop"].isChecked()
        if end is None:
            end = max(score.end_of_last_bar, region[1] if region else 0, tick + 1)
            end = score.meter.bar_at(end - 1).end
        self.player.play_score(score, start, end, loop=False, from_tick=tick if start <= tick < end else start)
        if loop:
            self._apply_loop(True)

    def _apply_loop(self, on: bool) -> None:
        region = self.loop_region()
        if on and region:
            self.player.set_loop(True, region[0], region[1])
        else:
            self.player.set_loop(on)

    def _on_play_triggered(self) -> None:
        if self.player.is_playing:
            self.player.stop(rewind=False)
        elif self.player.state == PAUSED:
            self.player.play()
        else:
            self._play_from(self.playhead)

    def _on_play_selection_triggered(self) -> None:
        notes = self.doc.selected_notes()
        if not notes:
            self.messageShown.emit("Select some notes to play the selection")
            return
        start, end = min(n.start for n in notes), max(n.end for n in notes)
        self.player.play_score(self.doc.score, start, end, loop=self.actions_by_name["loop"].isChecked())

    def _on_pause_triggered(self) -> None:
        if self.player.is_playing:
            self.player.pause()
        elif self.player.state == PAUSED:
            self.player.play()

    def _on_rewind_triggered(self) -> None:
        was_playing = self.player.is_playing
        if self.player.scheduler.events is not None:
            self.player.seek(0)
        self._set_playhead(0)
        if self.roll is not None:  # like a DAW: the start of the piece comes into view
            self.roll.scroll_to_tick(0)
        if was_playing and not self.player.is_playing:
            self._play_from(0)

    def _on_loop_toggled(self, on: bool) -> None:
        self._apply_loop(on)

    def _on_metronome_toggled(self, on: bool) -> None:
        self.player.set_metronome(on)

    def _on_panic_triggered(self) -> None:
        self.player.panic()
        self.messageShown.emit("All notes off")

    def _on_player_positionChanged(self, tick: int) -> None:
        self._set_playhead(tick)

    def _on_player_stateChanged(self, state: str) -> None:
        play = self.actions_by_name["play"]
        playing = state == PLAYING
        play.setText("&Stop" if playing else "&Play")
        sp = QStyle.StandardPixmap.SP_MediaStop if playing else QStyle.StandardPixmap.SP_MediaPlay
        play.setIcon(self.style().standardIcon(sp))
        self.actions_by_name["pause"].setEnabled(state in (PLAYING, PAUSED))

    def _on_player_errorOccurred(self, message: str) -> None:
        self.messageShown.emit(message)

    def _on_roll_seekRequested(self, tick: int) -> None:
        if self.player.state in (PLAYING, PAUSED):
            self.player.seek(tick)
        self._playhead = tick
        self._show_position(tick)

    def _on_document_scoreChanged(self, _diff=None) -> None:
        if self.player.is_playing:
            self.player.update_score(self.doc.score)

    def _on_document_scoreReset(self) -> None:
        self.player.stop(rewind=True)
        self._set_playhead(0)


__all__ = ["TransportBar", "SHORTCUTS"]
