"""The main window: piano roll in the middle, menus, toolbar, status bar and dockable panels.

Public API for the other parts of the app (``app.py`` wires them):

* ``add_menu(title) -> QMenu`` adds a top-level menu before Help (Transport, Assistant ...);
  ``menus["file"|"edit"|"view"|"help"]`` are the built-in ones.
* ``add_dock(widget, title, object_name, area=...) -> QDockWidget`` adds a dockable panel whose
  show/hide toggle appears in View > Panels and whose placement is kept between sessions.
* ``add_status_widget(widget)`` puts a permanent widget at the right of the status bar (model
  status, sound output ...); ``status_message(text, timeout_ms=0)`` shows a transient message;
  ``show_notice(text, action=(label, slot))`` shows a problem in full in a bar above the roll
  (wrapped, never cut off) until it is closed or replaced.
* ``restore_layout()`` restores the saved size and dock/toolbar placement: call it after adding
  docks and toolbars (``app.create_main_window`` does, last).
* ``show_position(tick)`` updates the bar/beat and minutes:seconds read-out (the transport calls
  it while playing).
* Every dock's panel scrolls when the window is too small for it (a 1280 x 720 laptop screen),
  and the first window is sized to fit the screen.
* ``roll`` is the :class:`~composer_app.gui.pianoroll.PianoRollWidget`; ``files`` the
  :class:`~composer_app.gui.files.FileController`; ``closed`` is emitted when the window closed.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDockWidget, QFrame, QHBoxLayout, QLabel, QMainWindow, QMenu, QPushButton, QScrollArea,
    QToolBar, QToolButton, QVBoxLayout, QWidget,
)

from ..formats import SUPPORTED_READ
from ..document import ScoreDocument
from ..score import GRID_CHOICES
from ..settings import Settings
from . import dialogs
from .clipdrag import ClipDragButton
from .files import FileController
from .panels import PropertiesPanel, UndoHistoryPanel
from .pianoroll import PianoRollWidget

#: The roll's edit actions in Edit-menu order; ``None`` is a separator. Others are appended.
EDIT_ACTION_ORDER = (
    "cut", "copy", "paste", "duplicate", "delete", "select_all", "deselect", None,
    "transpose_up", "transpose_down", "octave_up", "octave_down", "nudge_left", "nudge_right", None,
    "quantize", "velocity_up", "velocity_down", None, "tool_draw", "tool_select",
)
#: The roll's actions that go to the View menu instead.
VIEW_ROLL_ACTIONS = ("zoom_in", "zoom_out")
ZOOM_STEP = 1.25
#: The window's first size (no saved layout), shrunk to fit the screen's free area.
DEFAULT_SIZE = (1440, 900)


#: Room left for the window manager's title bar when the window fills the screen's height.
TITLE_BAR = 32


def initial_geometry(available: QRect, want: tuple[int, int] = DEFAULT_SIZE) -> QRect:
    """The first window: ``want``, centred; on a screen smaller than that (a 1280 x 720 laptop) the
    whole free area (less a title bar), so nothing is off screen."""
    w = min(want[0], available.width())
    h = min(want[1], available.height() - TITLE_BAR)
    return QRect(available.x() + (available.width() - w) // 2,
                 available.y() + max(TITLE_BAR, (available.height() - h) // 2), w, h)


class NoticeBar(QFrame):
    """A problem in full (wrapped, never cut off) above the roll, with an optional action button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("noticeBar")
        self.setStyleSheet("QFrame#noticeBar { background: #fff4d6; border-bottom: 1px solid #d9b44a; }"
                           " QFrame#noticeBar QLabel { color: #3a2c00; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel()
        self.label.setObjectName("noticeText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        self.action_button = QPushButton()
        self.action_button.hide()
        row.addWidget(self.action_button)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Hide this message")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        row.addWidget(close)
        self._slot = None
        self.action_button.clicked.connect(lambda: self._slot() if self._slot else None)
        self.hide()

    def show_text(self, text: str, action: tuple[str, object] | None = None) -> None:
        self.label.setText(text)
        self._slot = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)
        self.show()


class MainWindow(QMainWindow):
    #: Emitted once the window has accepted its close event (after the unsaved-changes prompt).
    closed = Signal()

    def __init__(self, document: ScoreDocument, settings: Settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.doc, self.settings = document, settings
        self.setObjectName("mainWindow")
        self.files = FileController(document, settings, self)
        self.actions_by_name: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        self._docks: list[QDockWidget] = []

        self.roll = PianoRollWidget(document, self)
        self.notice = NoticeBar()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.notice)
        column.addWidget(self.roll, 1)
        self.setCentralWidget(central)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._build_docks()

        document.pathChanged.connect(lambda _p: self._update_title())
        document.modifiedChanged.connect(lambda _m: self._update_title())
        document.scoreReset.connect(self._update_title)
        document.scoreReset.connect(self._refresh_track_combo)
        document.scoreChanged.connect(self._on_doc_scoreChanged)
        document.currentTrackChanged.connect(lambda _id: self._refresh_track_combo())
        document.selectionChanged.connect(self._on_doc_selectionChanged)
        self.files.messageShown.connect(self.status_message)
        self.files.recentFilesChanged.connect(self._rebuild_recent_menu)
        self.roll.messageShown.connect(self.status_message)
        self.roll.gridChanged.connect(self._on_roll_gridChanged)
        self.roll.seekRequested.connect(self._on_roll_seekRequested)

        self.roll.set_grid(settings.grid if settings.grid in GRID_CHOICES else "1/16")
        self._on_roll_gridChanged(self._grid_label())
        self._refresh_track_combo()
        self._rebuild_recent_menu()
        self._update_title()
        self.setAcceptDrops(True)
        screen = QGuiApplication.primaryScreen()
        self.setGeometry(initial_geometry(screen.availableGeometry() if screen else QRect(0, 0, 1280, 800)))

    def restore_layout(self) -> None:
        """Window size and the placement of toolbars and docks from the last session (kept on the
        screen: a layout saved on a bigger monitor is shrunk to this one). Call it once, after every
        dock and toolbar has been added (``app.create_main_window`` does)."""
        self.restoreGeometry(self.settings.window_geometry)
        self.restoreState(self.settings.window_state)
        # the keys (Ctrl+A, arrows, Delete ...) go to the roll from the start, not to the first field
        # of the transport bar
        self.roll.view.setFocus(Qt.FocusReason.OtherFocusReason)
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None and not self.isMaximized():
            avail = screen.availableGeometry()
            if self.width() > avail.width() or self.height() > avail.height():
                self.setGeometry(initial_geometry(avail, (self.width(), self.height())))

    # ---- public API ----------------------------------------------------------------------
    def status_message(self, text: str, timeout_ms: int = 0) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def show_notice(self, text: str, action: tuple[str, object] | None = None) -> None:
        """A problem in full above the roll (the status bar cuts long text off); ``action`` is a
        ``(button label, slot)`` that fixes it (e.g. open the settings)."""
        self.notice.show_text(text, action)

    def add_status_widget(self, widget: QWidget, stretch: int = 0) -> None:
        """A permanent widget at the right of the status bar (left of the position read-out)."""
        bar = self.statusBar()
        bar.removeWidget(self.position_label)
        bar.addPermanentWidget(widget, stretch)
        bar.addPermanentWidget(self.position_label)
        self.position_label.show()

    def add_menu(self, title: str) -> QMenu:
        """A new top-level menu, placed before Help; also kept in ``menus`` (``"&Transport"`` -> ``"transport"``)."""
        menu = QMenu(title, self)
        self.menuBar().insertMenu(self.menus["help"].menuAction(), menu)
        self.menus[title.replace("&", "").strip().lower()] = menu
        return menu

    def add_dock(self, widget: QWidget, title: str, object_name: str,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea, visible: bool = True) -> QDockWidget:
        """A dockable panel; ``object_name`` must be unique (it keys the saved layout)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        scroller = QScrollArea()  # a panel taller than the window scrolls (1280 x 720 screens)
        scroller.setObjectName(f"{object_name}Scroll")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(widget)
        # as wide as the panel needs (the scroll area alone would let the dock shrink to a sliver)
        bar = scroller.verticalScrollBar().sizeHint().width()
        scroller.setMinimumWidth(min(520, widget.minimumSizeHint().width() + bar + 2))
        dock.setWidget(scroller)
        self.addDockWidget(area, dock)
        dock.setVisible(visible)
        self._panels_menu.addAction(dock.toggleViewAction())
        self._docks.append(dock)
        return dock

    def show_position(self, tick: int) -> None:
        bar, beat = self.doc.score.meter.beat_at(tick)
        self.position_label.setText(f"Bar {bar}  Beat {beat}")

    def open_path(self, path) -> bool:
        """Open a project or import another file (used for the command-line file argument)."""
        return self.files.open_path(path, ask=True)

    # ---- actions -------------------------------------------------------------------------
    def _action(self, name: str, text: str, slot=None, shortcuts=(), tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.actions_by_name[name] = action
        return action

    def _toggle(self, name: str, text: str, tip: str, setting: str, apply) -> QAction:
        """A checkable action kept in ``settings.<setting>``; ``apply(on)`` now and on every toggle."""
        action = self._action(name, text, tip=tip)
        action.setCheckable(True)
        action.setChecked(getattr(self.settings, setting))

        def on_toggled(on: bool) -> None:
            apply(on)
            setattr(self.settings, setting, on)

        action.toggled.connect(on_toggled)
        apply(action.isChecked())
        return action

    def _build_actions(self) -> None:
        SK = QKeySequence.StandardKey
        f = self.files
        self._action("new", "&New", f.new, [SK.New], "Start a new score")
        self._action("open", "&Open...", f.open, [SK.Open], "Open a project (or any MIDI, MusicXML, ABC file)")
        self._action("save", "&Save", f.save, [SK.Save], "Save the project")
        self._action("save_as", "Save &As...", f.save_as, ["Ctrl+Shift+S"], "Save the project under a new name")
        self._action("import", "&Import...", f.import_, ["Ctrl+I"], "Import a MIDI, MusicXML or ABC file")
        self._action("export_midi", "Export &MIDI...", f.export_midi, ["Ctrl+E"], "Write a Standard MIDI file")
        sel_midi = self._action("export_selection_midi", "Export Se&lection as MIDI...", f.export_selection_midi,
                                tip="Write only the selected notes (and their bars' chords) as a MIDI clip")
        sel_midi.setEnabled(False)
        self._action("export_musicxml", "Export Music&XML...", f.export_musicxml, ["Ctrl+Shift+E"],
                     "Write a MusicXML file (opens in MuseScore)")
        self._action("quit", "&Quit", self.close, ["Ctrl+Q"], "Close the window")

        undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        undo.setObjectName("undo")
        undo.setShortcuts([QKeySequence("Ctrl+Z")])
        redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        redo.setObjectName("redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.actions_by_name["undo"], self.actions_by_name["redo"] = undo, redo
        self._action("score_properties", "Score &Properties...", self._on_score_properties_triggered,
                     tip="Title, tempo, time signature and key")

        self._action("zoom_in_vertical", "Zoom In &Vertically", lambda: self.roll.zoom_vertical(ZOOM_STEP),
                     ["Ctrl+Shift+="])
        self._action("zoom_out_vertical", "Zoom Out V&ertically", lambda: self.roll.zoom_vertical(1 / ZOOM_STEP),
                     ["Ctrl+Shift+-"])
        self._toggle("follow_playhead", "&Follow Playhead", "Scroll the roll with the playhead", "follow_playhead",
                     lambda on: setattr(self.roll, "follow_playhead", on))
        self._toggle("show_scale", "Highlight the &Scale",
                     "Mark the rows of the key's scale (and its tonic) on the grid and the keyboard", "show_scale",
                     self.roll.set_show_scale)
        self._toggle("show_numerals", "Roman &Numerals",
                     "Show each chord's function in the key (I, V7, ii, V/V …) under its symbol", "show_numerals",
                     self.roll.set_show_numerals)

        self._action("shortcuts", "&Keyboard Shortcuts", self._on_shortcuts_triggered, [SK.HelpContents],
                     "The user guide at its table of keys and mouse actions")
        self._action("guide", "&User Guide", self._on_guide_triggered, tip="The README, in a window")
        self._action("about", "&About Composer Assistant", self._on_about_triggered)

    def _build_menus(self) -> None:
        a = self.actions_by_name
        bar = self.menuBar()
        m = self.menus["file"] = bar.addMenu("&File")
        m.addActions([a["new"], a["open"]])
        self.recent_menu = m.addMenu("Open &Recent")
        m.addActions([a["save"], a["save_as"]])
        m.addSeparator()
        m.addActions([a["import"], a["export_midi"], a["export_selection_midi"], a["export_musicxml"]])
        m.addSeparator()
        m.addAction(a["quit"])

        m = self.menus["edit"] = bar.addMenu("&Edit")
        m.addActions([a["undo"], a["redo"]])
        m.addSeparator()
        roll_actions = {k: v for k, v in self.roll.actions_by_name.items() if k not in VIEW_ROLL_ACTIONS}
        for name in EDIT_ACTION_ORDER:
            if name is None:
                m.addSeparator()
            elif name in roll_actions:
                m.addAction(roll_actions.pop(name))
        for action in roll_actions.values():
            m.addAction(action)
        m.addSeparator()
        m.addAction(a["score_properties"])

        m = self.menus["view"] = bar.addMenu("&View")
        m.addActions([self.roll.actions_by_name[n] for n in VIEW_ROLL_ACTIONS])
        m.addActions([a["zoom_in_vertical"], a["zoom_out_vertical"]])
        m.addSeparator()
        self.grid_menu = m.addMenu("&Grid / Snap")
        self.grid_group = QActionGroup(self)
        for label in GRID_CHOICES:
            act = QAction(label, self, checkable=True)
            act.setData(label)
            self.grid_group.addAction(act)
            self.grid_menu.addAction(act)
        self.grid_group.triggered.connect(lambda act: self.roll.set_grid(act.data()))
        m.addAction(a["follow_playhead"])
        m.addSeparator()
        m.addActions([a["show_scale"], a["show_numerals"]])
        m.addSeparator()
        self._panels_menu = m.addMenu("&Panels")

        self.menus["help"] = bar.addMenu("&Help")
        self.menus["help"].addActions([a["shortcuts"], a["guide"], a["about"]])

    def _build_toolbar(self) -> None:
        tb = self.toolbar = QToolBar("Editor toolbar", self)
        tb.setObjectName("editorToolbar")
        self.addToolBar(tb)
        tb.addWidget(QLabel(" Grid "))
        self.grid_combo = QComboBox()
        self.grid_combo.setObjectName("gridCombo")
        self.grid_combo.setToolTip("Grid and snap")
        self.grid_combo.addItems(list(GRID_CHOICES))
        self.grid_combo.activated.connect(lambda i: self.roll.set_grid(self.grid_combo.itemText(i)))
        tb.addWidget(self.grid_combo)
        tb.addSeparator()
        tb.addWidget(QLabel(" Track "))
        self.track_combo = QComboBox()
        self.track_combo.setObjectName("trackCombo")
        self.track_combo.setToolTip("The track you draw on")
        self.track_combo.setMinimumContentsLength(12)
        self.track_combo.activated.connect(self._on_track_combo_activated)
        tb.addWidget(self.track_combo)
        tb.addSeparator()
        ra = self.roll.actions_by_name
        tb.addActions([ra["tool_draw"], ra["tool_select"]])
        tb.addSeparator()
        tb.addActions([ra["zoom_out"], ra["zoom_in"]])
        tb.addSeparator()
        self.clip_grip = ClipDragButton("Drag Clip")
        self.clip_grip.setObjectName("clipGrip")
        self.clip_grip.setToolTip("Drag the selection into a DAW track or a folder as a MIDI clip "
                                  "(or Alt+drag a selected note)")
        self.clip_grip.setEnabled(False)
        self.clip_grip.dragRequested.connect(self.roll.drag_selection_clip)
        self.clip_grip.clicked.connect(lambda: self.status_message(
            "Drag this grip (or Alt+drag a selected note) into a DAW or a folder: the selection arrives "
            "as a MIDI clip.", 8000))
        tb.addWidget(self.clip_grip)

    def _build_status_bar(self) -> None:
        self.position_label = QLabel()
        self.position_label.setObjectName("positionLabel")
        self.position_label.setMinimumWidth(120)
        self.statusBar().addPermanentWidget(self.position_label)
        self.show_position(0)

    def _build_docks(self) -> None:
        self.properties_panel = PropertiesPanel(self.doc)
        self.properties_panel.messageShown.connect(lambda text: self.status_message(text, 5000))
        self.properties_dock = self.add_dock(self.properties_panel, "Properties", "propertiesDock")
        self.undo_view = UndoHistoryPanel(self.doc)
        self.undo_dock = self.add_dock(self.undo_view, "Undo History", "undoHistoryDock",
                                       visible=self.settings.show_undo_history)
        self._panels_menu.addSeparator()
        self._panels_menu.addAction(self.toolbar.toggleViewAction())

    # ---- document -> window ----------------------------------------------------------------
    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.files.display_name()}[*] — Composer Assistant")
        self.setWindowModified(self.doc.is_modified)

    def _on_doc_scoreChanged(self, diff) -> None:
        if diff.tracks_changed:
            self._refresh_track_combo()

    def _on_doc_selectionChanged(self) -> None:
        has = bool(self.doc.selection)
        self.actions_by_name["export_selection_midi"].setEnabled(has)
        self.clip_grip.setEnabled(has)

    def _refresh_track_combo(self) -> None:
        self.track_combo.blockSignals(True)
        self.track_combo.clear()
        for t in self.doc.score.tracks:
            self.track_combo.addItem(t.name, t.id)
        self.track_combo.setCurrentIndex(self.doc.score.track_index(self.doc.current_track.id))
        self.track_combo.blockSignals(False)

    def _rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.files.recent_files()
        for i, path in enumerate(files):
            name = Path(path).name.replace("&", "&&")
            act = menu.addAction(f"&{i + 1}  {name}  —  {Path(path).parent}" if i < 9 else name)
            act.setData(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.files.open_path(p))
        if files:
            menu.addSeparator()
            menu.addAction("Clear Recent Files", self.files.clear_recent)
        menu.setEnabled(bool(files))

    # ---- slots ---------------------------------------------------------------------------
    def _grid_label(self) -> str:
        for label, ticks in GRID_CHOICES.items():
            if ticks == self.roll.grid_ticks:
                return label
        return "Off"

    def _on_roll_gridChanged(self, label) -> None:
        label = label if isinstance(label, str) and label in GRID_CHOICES else self._grid_label()
        self.grid_combo.setCurrentText(label)
        for act in self.grid_group.actions():
            act.setChecked(act.data() == label)
        self.settings.grid = label

    def _on_roll_seekRequested(self, tick: int) -> None:
        self.show_position(tick)

    def _on_track_combo_activated(self, index: int) -> None:
        self.doc.set_current_track(self.track_combo.itemData(index))

    def _on_score_properties_triggered(self) -> None:
        dialog = dialogs.ScorePropertiesDialog(self.doc.score, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.doc.edit("Change score properties", dialog.result_score())

    def _on_shortcuts_triggered(self) -> None:
        """F1: the user guide at its shortcuts table (a window that can stay open beside the roll)."""
        from .help import user_guide

        self.help_window = user_guide(self)

    def _on_guide_triggered(self) -> None:
        from .help import user_guide

        self.help_window = user_guide(self, section=None)

    def _on_about_triggered(self) -> None:
        from .help import AboutDialog

        model = getattr(getattr(self, "assistant", None), "model_status", None)
        self.about_dialog = AboutDialog(model.text() if model is not None else "", self)
        self.about_dialog.show()

    # ---- dropping a file on the window opens it ---------------------------------------------
    @staticmethod
    def _dropped_file(event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) == 1 and urls[0].isLocalFile():
            path = urls[0].toLocalFile()
            if path.lower().endswith(SUPPORTED_READ):
                return path
        return None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_file(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path:
            event.acceptProposedAction()
            self.files.open_path(path, ask=True)

    # ---- closing -------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.settings.window_geometry = QByteArray(self.saveGeometry())
        self.settings.window_state = QByteArray(self.saveState())
        self.settings.show_undo_history = self.undo_dock.isVisible()
        self.settings.sync()
        event.accept()
        self.closed.emit()
