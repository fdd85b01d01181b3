"""Composition root: builds the objects of the GUI application and wires them together.

No logic lives here. ``main(argv)`` is what ``composer-app`` (no arguments, or one file) runs;
``create_main_window()`` builds a fully wired window and is what the GUI tests use too, so they
exercise the same wiring as the real app.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from . import __version__
from .document import ScoreDocument
from .generation.worker import SuggestionService
from .gui.assistant import AssistantController
from .gui.dialogs import ExceptionDialogHook
from .gui.main_window import MainWindow
from .gui.panels.chord_palette import ChordPalettePanel
from .gui.recovery import install_recovery, offer_recovery
from .gui.sound import install_sound
from .logs import setup_logging
from .paths import APP_NAME, resources_dir
from .settings import Settings


def create_main_window(settings: Settings | None = None, document: ScoreDocument | None = None,
                       load_model: bool = True, open_devices: bool = True) -> MainWindow:
    """Build the document, the window and everything attached to it.

    ``load_model=False`` skips loading the music model and ``open_devices=False`` leaves sound and
    MIDI on a silent output; GUI tests use both and get the same wiring otherwise.
    """
    from .gui.gc_guard import install as collect_in_gui_thread

    collect_in_gui_thread()  # Qt objects are never freed by the model's worker thread
    settings = settings or Settings()
    document = document or ScoreDocument()
    window = MainWindow(document, settings)
    document.setParent(window)

    # ---- sound & MIDI (issue 5): player, outputs, transport toolbar and menu, MIDI input ----
    window.sound = install_sound(window, document, settings, open_devices=open_devices)

    # ---- assistant (issue 4): the suggestions panel and the model worker ----
    service = SuggestionService(window)
    assistant = AssistantController(window, service, settings)
    window.assistant = assistant
    assistant_dock = window.add_dock(assistant.panel, "Assistant", "assistantDock")

    # ---- theory on screen (issue 14): the chord palette with the assistant's next-chord chances ----
    palette = ChordPalettePanel(window.roll)
    palette.messageShown.connect(lambda text: window.status_message(text, 5000))
    palette.audition = window.sound.preview_chord
    window.palette_panel = palette
    window.palette_dock = window.add_dock(palette, "Chord Palette", "chordPaletteDock")
    window.splitDockWidget(window.properties_dock, window.palette_dock, Qt.Orientation.Vertical)
    window.tabifyDockWidget(window.properties_dock, assistant_dock)  # Properties | Assistant above the palette
    assistant_dock.raise_()
    window.resizeDocks([window.palette_dock], [230], Qt.Orientation.Vertical)
    service.nextChordReady.connect(lambda _rid, result: palette.set_distribution(result))
    service.nextChordFailed.connect(lambda _rid, message: palette.set_status(message))
    service.modelLoaded.connect(lambda _info: (setattr(palette, "request", service.request_next_chord),
                                               palette.refresh()))
    assistant.populate_menu(window.add_menu("&Assistant"))
    window.add_status_widget(assistant.model_status)
    assistant.messageShown.connect(lambda text: window.status_message(text, 8000))
    window.closed.connect(assistant.shutdown)
    player = window.sound.player  # auditioning a candidate: its notes on the current track, in context
    assistant.audition = lambda score, cand: player.play_candidate(
        score, cand.region[0], cand.notes, cand.chords, track_index=_track_index(score, document.current_track.id))
    assistant.switch_audition = lambda cand: player.switch_candidate(cand.notes, cand.chords)
    assistant.stop_audition = player.stop
    player.stateChanged.connect(assistant.on_player_state_changed)  # stopped from the transport too
    if load_model:
        assistant.load_model(settings.model_dir, settings.model_device)

    # ---- safety net (issue 6): autosave to a crash-recovery file, at once after an accept ----
    window.autosaver = install_recovery(window, settings)
    assistant.suggestionAccepted.connect(window.autosaver.save_now)

    window.restore_layout()  # last: every dock and toolbar exists now
    return window


def _track_index(score, track_id: int) -> int:
    return next((i for i, t in enumerate(score.tracks) if t.id == track_id), 0)


def main(argv: list[str] | None = None) -> int:
    """Open the editor; ``argv`` may hold one file to open (a project, MIDI, MusicXML or ABC)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    setup_logging()
    QCoreApplication.setOrganizationName(APP_NAME)
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationDisplayName("Composer Assistant")
    icon = resources_dir() / "icons" / "composer-app.svg"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))

    app.setDesktopFileName("composer-app")  # packaging/linux/composer-app.desktop

    window = create_main_window()
    hook = ExceptionDialogHook(lambda: window).install()
    # Ctrl+C in the terminal closes the window the normal way (unsaved-changes prompt included);
    # the timer lets Python run its signal handler while Qt's event loop is waiting.
    signal.signal(signal.SIGINT, lambda *_: window.close())
    wake = QTimer(window, interval=250)
    wake.timeout.connect(lambda: None)
    wake.start()
    window.show()

    def after_start() -> None:  # once the window is on screen
        recovered = offer_recovery(window, window.autosaver)  # work left by an editor that was killed
        if argv and not recovered:
            window.open_path(Path(argv[0]))
        elif argv:
            window.status_message(f"Recovered unsaved work instead of opening {Path(argv[0]).name}; "
                                  "open it with File > Open.", 15000)

    QTimer.singleShot(0, after_start)
    try:
        return app.exec()
    finally:
        hook.uninstall()
