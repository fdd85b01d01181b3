"""Assistant > Learn from My Music… and Assistant > Model: learning a style and choosing a model.

The learning runs as a separate process (``composer-app learn ... --progress-json``, built by
:func:`~composer_app.music_lm.styles.learn_command`) under a :class:`QProcess`: the GUI only reads
its JSON progress lines and never waits for it, and Cancel kills it (the learning writes its
folder under a hidden name and renames it at the end, so a killed run leaves no model; the
dialog also removes what it left). A finished style is loaded through the assistant's ordinary
model loading, as Choose Model Folder… does.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QMenu, QMessageBox, QProgressBar, QPushButton, QSpinBox,
                               QTextBrowser, QVBoxLayout)

from ..errors import ComposerError
from ..formats import dialog_filters
from ..music_lm.learn import remove_partials
from ..music_lm.styles import (delete_style, describe_time, folder_for, learn_command, list_styles,
                               parse_progress)


class LearnStyleDialog(QDialog):
    """Pick files or folders and a name; learn in a background process with progress and Cancel."""

    #: The style's folder, once the learning finished and wrote it.
    styleLearned = Signal(str)

    def __init__(self, parent, base_model: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Learn from My Music")
        self.base_model = base_model  # "" = the bundled model
        #: Extra options for ``learn`` (tests use a few steps).
        self.extra_args: list[str] = []
        self.process: QProcess | None = None
        self.out: Path | None = None
        self._buffer = b""
        self._last_error = ""
        self.cancelled = False
        self._t_steps: float | None = None  # when the first step was reported

        self.paths = QListWidget()
        add_files = QPushButton("Add Files…")
        add_files.clicked.connect(self._on_addFiles_clicked)
        add_folder = QPushButton("Add Folder…")
        add_folder.clicked.connect(self._on_addFolder_clicked)
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: [self.paths.takeItem(self.paths.row(i)) for i in self.paths.selectedItems()])
        row = QHBoxLayout()
        for b in (add_files, add_folder, remove):
            row.addWidget(b)
        row.addStretch(1)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. My reels")
        self.minutes = QSpinBox()
        self.minutes.setRange(1, 120)
        self.minutes.setValue(10)
        self.minutes.setSuffix(" min at most")
        form = QFormLayout()
        form.addRow("Style name:", self.name)
        form.addRow("Time:", self.minutes)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel("Pick MIDI, MusicXML, ABC or project files, or folders of them (a few pieces at "
                             "least; a few of them are held out to measure what the model learned).")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.learn_button = self.buttons.addButton("Learn", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.learn_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Your music:"))
        lay.addWidget(self.paths)
        lay.addLayout(row)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        lay.addWidget(self.buttons)
        self.resize(520, 420)

    # ---- inputs ----------------------------------------------------------------------------------
    def add_paths(self, paths) -> None:
        known = {self.paths.item(i).text() for i in range(self.paths.count())}
        for p in paths:
            if p and str(p) not in known:
                self.paths.addItem(str(p))
                known.add(str(p))
        if not self.name.text() and self.paths.count():
            self.name.setText(Path(self.paths.item(0).text()).stem.replace("_", " ")[:40])

    def _on_addFiles_clicked(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Music to learn from", "", dialog_filters())
        self.add_paths(files)

    def _on_addFolder_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of music to learn from")
        self.add_paths([folder])

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    # ---- the process -----------------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        files = [self.paths.item(i).text() for i in range(self.paths.count())]
        if not files:
            self.status.setText("Add some files or folders first.")
            return
        try:
            self.out = folder_for(self.name.text())
        except ComposerError as exc:
            self.status.setText(str(exc).capitalize() + ".")
            return
        if self.out.exists() and QMessageBox.question(
                self, "Learn from My Music", f"A style called “{self.out.name}” exists. Replace it?") \
                != QMessageBox.StandardButton.Yes:
            return
        remove_partials(self.out)  # what an earlier run, killed with the app, may have left
        program, args = learn_command(files, self.out, self.base_model or None, self.name.text().strip(),
                                      self.minutes.value(), self.extra_args)
        self.process = proc = QProcess(self)
        proc.readyReadStandardOutput.connect(self._on_process_output)
        proc.readyReadStandardError.connect(self._on_process_errors)
        proc.finished.connect(self._on_process_finished)
        self._buffer, self._last_error, self.cancelled, self._t_steps = b"", "", False, None
        self.progress.setValue(0)
        self.status.setText("Reading your music…")
        self.learn_button.setEnabled(False)
        proc.start(program, args)

    def _on_process_output(self) -> None:
        assert self.process is not None
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            event = parse_progress(line.decode("utf-8", "replace"))
            if event is not None:
                self.show_event(event)

    def _on_process_errors(self) -> None:
        assert self.process is not None
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace").strip()
        if text:
            self._last_error = text.splitlines()[-1]

    def show_event(self, e: dict) -> None:
        kind = e.get("event")
        if kind == "start":
            self.status.setText(f"Learning from {e['train_pieces']} pieces; {e['held_out_pieces']} held out to "
                                "measure…")
        elif kind == "step":
            # The run ends at the step limit or when its time is up, whichever comes first.
            left = float(e.get("eta_s") or 0)
            if self._t_steps is None:
                self._t_steps = time.monotonic()
            spent = time.monotonic() - self._t_steps
            done = max(e["step"] / max(1, e["total"]), spent / (spent + left) if spent + left > 0 else 1.0)
            self.progress.setValue(max(self.progress.value(), int(1000 * min(1.0, done))))
            self.status.setText(f"Step {e['step']}: about {describe_time(left)} left at most")
        elif kind == "eval" and e.get("step"):
            self.status.setText(self.status.text().split(" · ")[0]
                                + f" · held-out loss {e['held_out_nll_per_note']:.3f} nats per note")
        elif kind == "done":
            self.progress.setValue(1000)
            b, a = e["held_out_nll_per_note_before"], e["held_out_nll_per_note_after"]
            self.status.setText(f"Learned. On your held-out pieces: {b:.3f} → {a:.3f} nats per note "
                                f"({100 * (a / b - 1):+.1f} %).")

    def _on_process_finished(self, code: int, status) -> None:
        self.learn_button.setEnabled(True)
        if self.cancelled:
            return
        self._on_process_output()
        self._on_process_errors()
        ok = code == 0 and status == QProcess.ExitStatus.NormalExit and self.out is not None and self.out.is_dir()
        if ok:
            self.cancel_button.setText("Close")
            self.styleLearned.emit(str(self.out))
        else:
            if self.out is not None:
                remove_partials(self.out)
            self.status.setText(f"Could not learn the style: {self._last_error or 'the learning process stopped'}")

    def cancel(self) -> None:
        """Stop a run (the process is killed; nothing half-written stays)."""
        if not self.running:
            return
        assert self.process is not None
        self.cancelled = True
        self.process.kill()
        self.process.waitForFinished(5000)
        if self.out is not None:
            remove_partials(self.out)
        self.progress.setValue(0)
        self.status.setText("Cancelled: no style was made.")

    def _on_cancel_clicked(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.reject()

    def done(self, result: int) -> None:  # closing the dialog stops the run
        self.cancel()
        super().done(result)


class StyleMenu(QObject):
    """Assistant > Model (the bundled model and every learned style) and Learn from My Music…"""

    def __init__(self, assistant):
        super().__init__(assistant)
        self.assistant = assistant
        window = assistant.window
        self.menu = QMenu("Model", window)
        self.menu.aboutToShow.connect(self.rebuild)
        self.learn_action = QAction("Learn from My Music…", window)
        self.learn_action.setStatusTip("Fine-tune the model on your own files: a new style in Assistant > Model")
        self.learn_action.triggered.connect(self.open_learn_dialog)
        self.dialog: LearnStyleDialog | None = None
        self._group = QActionGroup(self)
        self.rebuild()

    def _current(self) -> str:
        return self.assistant.settings.model_dir or ""

    def rebuild(self) -> None:
        m = self.menu
        for a in self._group.actions():
            self._group.removeAction(a)
        m.clear()
        current = self._current()
        entries = [("Bundled Model", "")] + [(s.name, str(s.path)) for s in list_styles()]
        for text, path in entries:
            a = m.addAction(text)
            a.setCheckable(True)
            a.setData(path)
            a.setChecked(bool(path) == bool(current) and (not path or Path(path) == Path(current)))
            a.triggered.connect(lambda _=False, p=path: self.choose(p))
            self._group.addAction(a)
        m.addSeparator()
        m.addAction("Show Model Card…", self.show_card)
        delete = m.addAction("Delete This Style…", self.delete_current)
        delete.setEnabled(any(Path(s.path) == Path(current) for s in list_styles()) if current else False)
        m.addAction(self.learn_action)

    def style_actions(self) -> dict[str, QAction]:
        """Entry text -> action (after a rebuild)."""
        return {a.text(): a for a in self._group.actions()}

    def choose(self, path: str) -> None:
        self.assistant.load_model(path, self.assistant._device())

    def open_learn_dialog(self) -> LearnStyleDialog:
        if self.dialog is None or not self.dialog.isVisible():
            self.dialog = LearnStyleDialog(self.assistant.window, self._current())
            self.dialog.styleLearned.connect(self._on_dialog_styleLearned)
        self.dialog.show()
        self.dialog.raise_()
        return self.dialog

    def _on_dialog_styleLearned(self, path: str) -> None:
        self.rebuild()
        self.assistant.messageShown.emit(f"Learned a new style: {Path(path).name}. Loading it…")
        self.choose(path)

    def card_text(self) -> str:
        from ..paths import default_model_dir

        folder = Path(self._current() or default_model_dir())
        try:
            return (folder / "README.md").read_text(encoding="utf-8")[:200_000]
        except OSError:
            return f"The model folder {folder} has no model card."

    def show_card(self) -> QDialog:
        d = QDialog(self.assistant.window)
        d.setWindowTitle("Model Card")
        view = QTextBrowser()
        text = self.card_text()
        if text.startswith("---"):  # front matter for the Hugging Face hub: not for reading
            text = text.split("---", 2)[-1]
        view.setMarkdown(text)
        lay = QVBoxLayout(d)
        lay.addWidget(view)
        d.resize(640, 560)
        d.show()
        return d

    def delete_current(self) -> None:
        current = self._current()
        style = next((s for s in list_styles() if current and Path(s.path) == Path(current)), None)
        if style is None:
            return
        if QMessageBox.question(self.assistant.window, "Delete Style",
                                f"Delete the learned style “{style.name}” ({style.path})?") \
                != QMessageBox.StandardButton.Yes:
            return
        self.delete_all([style])

    def delete_all(self, styles) -> list[str]:
        """Delete these styles (the bundled model is loaded first when one of them is in use);
        returns the names of those deleted. A style that cannot be deleted is reported, not fatal."""
        current = self._current()
        if current and any(Path(s.path) == Path(current) for s in styles):
            self.assistant.load_model("", self.assistant._device())
        gone = []
        for style in styles:
            try:
                delete_style(style)
                gone.append(f"style “{style.name}”")
            except OSError as exc:
                self.assistant.messageShown.emit(f"Could not delete the style “{style.name}” ({style.path}): {exc}")
        self.rebuild()
        return gone

