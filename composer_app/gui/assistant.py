"""AssistantController: connects the assistant panel, the model worker, the piano roll and the document.

Requests carry a snapshot of the score (scores are immutable, so the snapshot is the object);
results of older requests are dropped by the service. Candidates are drawn as ghost notes and
ghost chords; accepting one is ONE ``doc.edit`` (notes and chords together, provenance kept on
them); every accept, partial accept, reject, audition and regeneration is recorded in the local
decision log with all the candidates on screen, and the composer's taste (:mod:`..generation.taste`,
the user data folder's profile) learns from it and re-ranks the next candidates while it is on.
Audition goes through the ``audition`` hook that the app wires to the player.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel

from ..errors import ComposerError
from ..generation.taste import TasteProfile
from ..generation.accept import accept_candidate
from ..generation.types import Candidate
from ..generation.worker import SuggestionService
from ..music_lm.loading import check_model_dir
from ..paths import user_data
from ..score import Score
from ..score.keyfinding import describe as describe_readings, reading_keys
from .panels.assistant import AssistantPanel, candidate_insight
from .panels.properties_ops import keys_text, set_keys_read
from .wording import plural


class AssistantController(QObject):
    #: A message for the status bar.
    messageShown = Signal(str)
    #: A candidate (or part of one) was accepted into the document (the app autosaves then).
    suggestionAccepted = Signal()

    def __init__(self, window, service: SuggestionService, settings, parent: QObject | None = None):
        super().__init__(parent or window)
        self.window = window
        self.doc = window.doc
        self.roll = window.roll
        self.settings = settings
        self.service = service
        self.panel = AssistantPanel()
        self.model_status = QLabel("Model: loading…")
        self.rejected: set[str] = set()
        self._request_id = 0
        self._region: tuple[int, int] | None = None
        self._last_task: str | None = None  # the task of the last request (Regenerate repeats it)
        self._request_score: Score | None = None
        self._streamed: list[Candidate] = []
        self._previous_model: tuple[str, str] | None = None
        self._pending_model: tuple[str, str] | None = None
        self._fallback_problem = ""  # why the model folder from the settings was not used
        #: Where the roll was scrolled before candidates were shown: restored when they are hidden
        #: without accepting one (a DAW's view does not wander off for a preview).
        self._view_before: tuple[int, int] | None = None
        self._key_offer = False  # the button that sets the key read from the notes follows the score
        #: ``audition(score, candidate)`` plays a candidate in context; ``stop_audition()`` stops it.
        self.audition: Callable[[Score, Candidate], None] | None = None
        self.switch_audition: Callable[[Candidate], None] | None = None
        self.stop_audition: Callable[[], None] | None = None
        self.auditioning = False
        #: The composer's taste: the decision log and the re-ranker in the user data folder.
        self.taste = TasteProfile(user_data(), settings.taste_enabled)
        self._auditioned: set[str] = set()  # fingerprints auditioned among the shown candidates

        p = self.panel
        p.suggestRequested.connect(self.suggest)
        p.regenerateRequested.connect(self.regenerate)
        p.cancelRequested.connect(self.cancel)
        p.acceptRequested.connect(self.accept)
        p.rejectRequested.connect(self.reject)
        p.auditionRequested.connect(self.toggle_audition)
        p.drag_button.dragRequested.connect(self.drag_candidate)
        p.drag_button.clicked.connect(lambda: self.messageShown.emit(
            "Drag this grip into a DAW or a folder: the shown candidate arrives as a MIDI clip."))
        p.candidateChosen.connect(self._on_panel_candidateChosen)
        p.tasteToggled.connect(self.set_taste_enabled)
        p.tasteResetRequested.connect(self.forget_taste)
        p.setReadKeysRequested.connect(self.set_read_keys)
        s = service
        s.modelLoading.connect(self._on_service_modelLoading)
        s.modelLoaded.connect(self._on_service_modelLoaded)
        s.modelFailed.connect(self._on_service_modelFailed)
        s.progressed.connect(self._on_service_progressed)
        s.candidateFound.connect(self._on_service_candidateFound)
        s.finished.connect(self._on_service_finished)
        s.failed.connect(self._on_service_failed)
        s.cancelled.connect(self._on_service_cancelled)
        self.doc.scoreReset.connect(self._on_doc_scoreReset)
        self.doc.scoreChanged.connect(self._on_doc_scoreChanged)
        self.actions_by_name: dict[str, QAction] = {}
        self._build_actions()
        self._show_taste()
        if self.taste.problem:
            self._report(f"What the assistant learned of your taste could not be read ({self.taste.problem}); "
                         "it starts afresh.")

    # ---- actions & menu ------------------------------------------------------------------------
    def _action(self, name, text, slot, shortcut=None, tip=""):
        a = QAction(text, self.window)
        if shortcut:
            a.setShortcuts([QKeySequence(k) for k in ([shortcut] if isinstance(shortcut, str) else shortcut)])
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.window.addAction(a)
        self.actions_by_name[name] = a
        return a

    def _build_actions(self) -> None:
        self._action("suggest", "Suggest", self.suggest, "Ctrl+G", "Ask the model for ranked ideas")
        self._action("regenerate", "Regenerate", self.regenerate, "Ctrl+Shift+G", "New ideas with the next seed")
        self._action("harmonize", "Harmonize Selection", self.harmonize, "Ctrl+H",
                     "Ranked chord progressions for the selected bars' melody")
        self._action("cancel", "Stop / Clear Suggestions", self.cancel_or_clear, "Esc",
                     "Stop generating; press again to hide the candidates")
        self._action("next", "Next Candidate", lambda: self.panel.step(1), "]")
        self._action("previous", "Previous Candidate", lambda: self.panel.step(-1), "[")
        self._action("accept", "Accept Candidate", lambda: self.accept(False), ["Return", "Enter"],
                     "Insert the shown candidate (one undo step)")
        self._action("accept_part", "Accept Part of Candidate", lambda: self.accept(True),
                     ["Shift+Return", "Shift+Enter"], "Insert only the clicked ghost notes, or the first bars")
        self._action("reject", "Reject Candidate", self.reject, "X", "Hide it and never suggest it again")
        self._action("audition", "Audition Candidate", self.toggle_audition, "A",
                     "Play the candidate in context, looping")
        self._action("choose_model", "Choose Model Folder…", self.choose_model, None,
                     "Load a compatible music model from a local folder")
        self._action("default_model", "Use the Bundled Model", lambda: self.load_model("", self._device()))
        learn = self._action("learn_taste", "Learn My Taste", self.set_taste_enabled, None,
                             "Learn from your decisions on suggestions and rank the next ones by them")
        learn.setCheckable(True)
        self._action("forget_taste", "Forget What You Learned…", self.forget_taste, None,
                     "Delete the record of your decisions and the taste learned from them")
        self._device_group = QActionGroup(self)
        self.device_actions = {}
        for dev, text in (("auto", "Automatic (GPU when present)"), ("cpu", "CPU"), ("cuda", "CUDA GPU")):
            a = QAction(text, self.window, checkable=True)
            a.setData(dev)
            a.setChecked(dev == (self.settings.model_device or "auto"))
            a.triggered.connect(lambda _=False, d=dev: self.load_model(self.settings.model_dir, d))
            self._device_group.addAction(a)
            self.device_actions[dev] = a
        self._update_action_state()

    def populate_menu(self, menu) -> None:
        for name in ("suggest", "regenerate", "harmonize", "cancel"):
            menu.addAction(self.actions_by_name[name])
        menu.addSeparator()
        for name in ("previous", "next", "audition", "accept", "accept_part", "reject"):
            menu.addAction(self.actions_by_name[name])
        menu.addSeparator()
        menu.addAction(self.actions_by_name["learn_taste"])
        menu.addAction(self.actions_by_name["forget_taste"])
        menu.addSeparator()
        from .styles import StyleMenu  # Assistant > Model and Learn from My Music… (learned styles)

        self.styles = StyleMenu(self)
        menu.addAction(self.styles.learn_action)
        menu.addMenu(self.styles.menu)
        menu.addAction(self.actions_by_name["choose_model"])
        menu.addAction(self.actions_by_name["default_model"])
        dev_menu = menu.addMenu("Device")
        for a in self.device_actions.values():
            dev_menu.addAction(a)

    def _update_action_state(self) -> None:
        has = bool(self.panel.candidates)
        for name in ("next", "previous", "accept", "accept_part", "reject", "audition"):
            self.actions_by_name[name].setEnabled(has)
        # Esc is the roll's "deselect" too: claim it only while there is something to stop or hide.
        claim = has or self.service.busy or self.auditioning
        self.actions_by_name["cancel"].setEnabled(claim)
        deselect = getattr(self.roll, "actions_by_name", {}).get("deselect")
        if deselect is not None:  # two enabled actions on one key would make Qt ignore both
            deselect.setEnabled(not claim)

    # ---- model -----------------------------------------------------------------------------------
    def _device(self) -> str:
        return self.settings.model_device or "auto"

    def load_model(self, path: str = "", device: str = "auto") -> None:
        """Load a model folder ("" = the bundled one). On failure the previous model stays."""
        if path:
            try:
                check_model_dir(path)
            except ComposerError as exc:
                if self.service.model_info is None and self._pending_model is None:
                    self._fall_back_to_bundled(str(exc), device)  # e.g. at start: the folder is gone
                    return
                self._report(f"Cannot use that model: {exc}. The previous model stays loaded.")
                self._check_device(self.settings.model_device or "auto")
                return
        self._pending_model = (path or "", device or "auto")
        self.service.load_model(path or None, device or "auto")

    def choose_model(self) -> None:
        start = self.settings.model_dir or ""
        path = QFileDialog.getExistingDirectory(self.window, "Choose a model folder", start)
        if path:
            self.load_model(path, self._device())

    def _check_device(self, dev: str) -> None:
        a = self.device_actions.get(dev)
        if a is not None:
            a.setChecked(True)

    def _on_service_modelLoading(self, path: str) -> None:
        text = f"Model: loading {path or 'the bundled model'}…"
        self.model_status.setText(text)
        self.panel.set_model_status(text)

    def _on_service_modelLoaded(self, info: dict) -> None:
        if self._pending_model is not None:
            self.settings.model_dir, self.settings.model_device = self._pending_model
            self._previous_model = self._pending_model
            self._check_device(self._pending_model[1])
        params = info.get("params", 0) / 1e6
        text = f"Model: {info['name']} ({info['device'].upper()}, {params:.1f} M parameters)"
        self.model_status.setText(text)
        self.model_status.setToolTip(info.get("path", ""))
        self.panel.set_model_status(f"Model ready ({info['device'].upper()}): {info['name']}")
        if self._fallback_problem:  # say it again: "loaded" would hide why this is not your model
            self._report(f"Using the bundled model ({info['name']}) because the model folder from your "
                         f"settings could not be used: {self._fallback_problem}. Choose another one with "
                         "Assistant > Choose Model Folder…")
            self._fallback_problem = ""
        else:
            self.messageShown.emit(f"Model loaded on {info['device'].upper()}: {info['name']}")

    def _fall_back_to_bundled(self, problem: str, device: str) -> None:
        self._fallback_problem = problem
        self._report(f"Cannot use the model folder from your settings: {problem}. Using the bundled model "
                     "instead; choose another one with Assistant > Choose Model Folder…")
        self._pending_model = ("", device or "auto")
        self.service.load_model(None, device or "auto")

    def _on_service_modelFailed(self, message: str) -> None:
        loaded = self.service.model_info
        pending, self._pending_model = self._pending_model, None
        if not loaded and pending is not None and pending[0]:
            self._fall_back_to_bundled(message, pending[1])  # nothing loaded yet: try the bundled model
            return
        if not loaded and pending is not None:
            message = (f"No model is loaded: {message}. The editor works without it; reinstall Composer "
                       "Assistant to get the bundled model back, or choose a model folder with "
                       "Assistant > Choose Model Folder…")
        if loaded:
            self._report(f"{message}. The previous model ({loaded['name']}) stays loaded.")
            self._check_device(self._previous_model[1] if self._previous_model else "auto")
            text = f"Model: {loaded['name']} · {loaded['device'].upper()}"
        else:
            self._report(message)
            text = "Model: none loaded (Assistant > Choose Model Folder…)"
        self.model_status.setText(text)
        self.panel.set_model_status(text)

    # ---- requests --------------------------------------------------------------------------------
    def selected_region(self) -> tuple[int, int] | None:
        """Whole bars covering the selected notes and chords, or None."""
        items = [(n.start, n.end) for n in self.doc.selected_notes()]
        items += [(c.start, c.end) for c in self.doc.selected_chords()]
        if not items:
            return None
        meter = self.doc.score.meter
        a = meter.bar_at(min(s for s, _ in items)).start
        b = meter.bar_at(max(e for _, e in items) - 1).end
        return a, b

    def suggest(self) -> None:
        """Suggest (Ctrl+G): the panel's task."""
        self._suggest(None)

    def _suggest(self, task: str | None) -> None:
        try:
            settings = self.panel.settings()
        except ValueError as exc:
            self._report(str(exc))
            return
        if task is not None:
            settings = replace(settings, task=task)
        self._last_task = settings.task
        score = self.doc.score
        region = self.selected_region()
        if settings.task in ("harmonize", "infill") and region is None:
            if settings.task == "infill":
                self._report("Select the bars to regenerate first (click or drag over their notes).")
                return
        if self.service.model_info is None:
            self._report("The assistant's model is not loaded yet: wait a moment (the status bar says when it is "
                         "ready), or choose a model folder with Assistant > Choose Model Folder…")
            return
        if self.auditioning:
            self._stop_audition()
        self._region = region
        self._request_score = score
        self._streamed = []
        if self._view_before is None:
            self._view_before = self.roll.view_position()
        self.panel.set_candidates([])
        self.roll.clear_candidate()
        self._auditioned = set()
        self._request_id = self.service.request(score, settings, region, frozenset(self.rejected),
                                                taste=self.taste.reranker())
        self.panel.set_busy(True, "thinking…")
        self._update_action_state()

    def harmonize(self) -> None:
        """Ctrl+H: harmonizations of the selection (or the piece), whatever the panel's task, which
        stays as it is (Ctrl+G goes on continuing, as the Start card says)."""
        self._suggest("harmonize")

    def regenerate(self) -> None:
        if self.panel.candidates and not self.service.busy:  # none of those was wanted
            self._log("regenerate", None)
        self.panel.seed_spin.setValue((self.panel.seed_spin.value() + 1) % (2**31 - 1))
        # New ideas for what is on screen (Ctrl+H's harmonizations too); else the panel's task.
        self._suggest(self._last_task if self.panel.candidates else None)

    def cancel(self) -> None:
        if self.service.busy:
            self.service.cancel()
            self.panel.set_busy(False)
            self._update_action_state()
            self.messageShown.emit("Suggestion stopped.")

    def cancel_or_clear(self) -> None:
        if self.service.busy:
            self.cancel()
        elif self.auditioning:
            self._stop_audition()
        else:
            self.clear()

    def clear(self, restore_view: bool = True) -> None:
        """Hide the candidates; the roll scrolls back to where it was before they were shown."""
        self.panel.set_candidates([])
        self.roll.clear_candidate()
        if restore_view and self._view_before is not None:
            self.roll.restore_view_position(self._view_before)
        self._view_before = None
        self._update_action_state()

    def _on_service_progressed(self, rid: int, step: int, total: int) -> None:
        self.panel.set_progress(step, total)

    def _on_service_candidateFound(self, rid: int, cand: Candidate) -> None:
        # Show each candidate as soon as it is there, best first so far.
        self._streamed.append(cand)
        ranked = sorted(self._streamed, key=lambda c: -c.score)
        self.panel.set_candidates([replace(c, rank=i + 1) for i, c in enumerate(ranked)], keep_row=True,
                                  score=self._request_score)
        self._update_action_state()

    def _on_service_finished(self, rid: int, cands: list) -> None:
        self.panel.set_busy(False)
        self.panel.set_candidates(cands, score=self._request_score)
        self._update_action_state()
        if cands and self._request_score is not None:
            # A word when no key is set (the assistant read the key of the notes) or the melody
            # leaves the key set: the composer can set the one they mean.
            readings = reading_keys(self._request_score)[1]
            if readings:
                self.panel.hint.setText(describe_readings(readings, self._request_score)
                                        + " Set the key with the button below, in the Properties panel "
                                          "or in the transport bar.")
            self._offer_read_keys(bool(readings))
        if not cands:
            self.messageShown.emit("No new candidates: try another seed (Regenerate, Ctrl+Shift+G), a higher "
                                   "temperature or fewer constraints in the Assistant panel.")
        else:
            self.messageShown.emit(plural(len(cands), "candidate") + ": [ and ] step through, A auditions, "
                                   "Return accepts, Esc hides.")

    def _on_service_failed(self, rid: int, message: str) -> None:
        self.panel.set_busy(False)
        self._update_action_state()
        self._report(message)

    def _on_service_cancelled(self, rid: int) -> None:
        self.panel.set_busy(False)
        self._update_action_state()

    # ---- showing, auditioning --------------------------------------------------------------------
    def current(self) -> Candidate | None:
        row = self.panel.current_row()
        cands = self.panel.candidates
        return cands[row] if 0 <= row < len(cands) else None

    def _on_panel_candidateChosen(self, row: int) -> None:
        cand = self.current()
        if cand is None:
            self.roll.clear_candidate()
            return
        self.roll.set_candidate(list(cand.notes), list(cand.chords), list(cand.note_confidence),
                                list(cand.chord_confidence), region=cand.region, task=cand.task)
        self.panel.show_insight(candidate_insight(cand, self._request_score or self.doc.score, self.panel.candidates))
        # Scroll only when the candidate is out of view, then show a bar of what leads into it.
        left, width = self.roll.scroll_x(), self.roll.view.viewport().width()
        x0, x1 = self.roll.geom.x(cand.region[0]), self.roll.geom.x(cand.region[1])
        if not (left <= x0 and x1 <= left + width):
            meter = self.doc.score.meter
            lead_in = meter.bar(max(0, meter.bar_at(cand.region[0]).index - 1)).start
            self.roll.ensure_visible(cand.region[1] - 1)
            self.roll.ensure_visible(lead_in)
        if self.auditioning and self.switch_audition is not None:
            self.switch_audition(cand)

    def toggle_audition(self) -> None:
        cand = self.current()
        if cand is None:
            return
        if self.auditioning:
            self._stop_audition()
            return
        if self.audition is None:
            self._report("Audition needs sound: no player is connected.")
            return
        no_sound = getattr(self.window, "sound", None)
        if no_sound is not None and not no_sound.has_output():
            self._report("No sound output, so the candidate plays silently: " + no_sound.no_output_reason())
        self.audition(self._request_score or self.doc.score, cand)
        if cand.fingerprint() not in self._auditioned:  # once per candidate: a weak sign of interest
            self._auditioned.add(cand.fingerprint())
            self._log("audition", cand)
        self.auditioning = True
        self._update_action_state()

    def drag_candidate(self) -> None:
        """Drag the shown candidate out of the app as a MIDI clip (the score's tempo, meter and key;
        starting on the bar line of its region)."""
        from ..formats.clips import clip_from_material
        from .clipdrag import drag_clip

        cand = self.current()
        if cand is None:
            return
        clip = clip_from_material(self._request_score or self.doc.score, cand.notes, cand.chords, cand.region,
                                  self.doc.current_track)
        _action, _path, message = drag_clip(self.panel.drag_button, clip, self.roll.clip_title(),
                                            tag=f"candidate-{cand.rank}")
        self.messageShown.emit(message)

    def on_player_state_changed(self, state: str) -> None:
        if state == "stopped" and self.auditioning:
            self.auditioning = False
            self._update_action_state()

    def _stop_audition(self) -> None:
        self.auditioning = False
        if self.stop_audition is not None:
            self.stop_audition()
        self._update_action_state()

    # ---- deciding ----------------------------------------------------------------------------------
    def accept(self, partial: bool = False) -> None:
        cand = self.current()
        if cand is None:
            return
        picked = self.roll.picked_candidates if partial else ()
        result = accept_candidate(self.doc.score, cand, self.doc.current_track.id, partial=partial,
                                  picked=picked, keep_bars=self.panel.keep_bars.value())
        if result is None:
            self._report("Nothing to accept: click some ghost notes first, or accept the whole candidate.")
            return
        new_notes, new_chords = result.notes, result.chords
        from ..document import Selection

        text = "Accept suggestion" + (" (part)" if partial else "")
        if self.auditioning:
            self._stop_audition()
        self.doc.edit(text, result.score, Selection(frozenset(n.id for n in new_notes),
                                                    frozenset(c.id for c in new_chords)))
        self._log("accept_partial" if partial else "accept", cand, result.kept_ids)
        self.clear(restore_view=False)  # stay on what was just added
        self.messageShown.emit(f"Accepted candidate {cand.rank} ({plural(len(new_notes), 'note')}, "
                               f"{plural(len(new_chords), 'chord')}). Ctrl+Z undoes it.")
        self.suggestionAccepted.emit()

    def reject(self) -> None:
        cand = self.current()
        if cand is None:
            return
        self.rejected.add(cand.fingerprint())
        self._log("reject", cand)
        row = self.panel.current_row()
        rest = [c for c in self.panel.candidates if c.fingerprint() != cand.fingerprint()]
        self.panel.set_candidates([replace(c, rank=i + 1) for i, c in enumerate(rest)])
        if rest:
            self.panel.list.setCurrentRow(min(row, len(rest) - 1))
        else:
            if self.auditioning:
                self._stop_audition()
            self.clear()
        self._update_action_state()
        self.messageShown.emit("Rejected: it will not be suggested again in this session.")

    def _log(self, decision: str, cand: Candidate | None, kept_ids=None) -> None:
        """Record the decision with every candidate on screen; the taste learns from it when on."""
        try:
            self.taste.decide(decision, cand, self.panel.candidates, self._request_score or self.doc.score,
                              self._region, kept_note_ids=kept_ids)
        except OSError as exc:  # a full disk must not stop composing
            self.messageShown.emit(f"Could not record the decision ({exc}).")
        self._show_taste()

    # ---- the composer's taste ---------------------------------------------------------------------
    def _show_taste(self) -> None:
        on = self.taste.learning
        self.panel.set_taste(on, self.taste.describe())
        self.actions_by_name["learn_taste"].setChecked(on)

    def set_taste_enabled(self, on: bool) -> None:
        """Switch the taste re-ranker (and learning) on or off; remembered in the settings."""
        self.settings.taste_enabled = on
        self.taste.learning = bool(on)
        self._show_taste()
        self.messageShown.emit("The assistant learns your taste from your decisions and ranks by it." if on else
                               "The assistant no longer learns your taste: candidates keep its own order.")

    def forget_taste(self) -> None:
        """"Forget what you learned": after asking, delete the decision log and the learned taste, and
        (asked separately, as they took minutes to learn) the styles learned from the composer's music."""
        from ..music_lm.styles import list_styles
        from .dialogs import ask_forget_styles, ask_forget_taste

        if not ask_forget_taste(self.window):
            return
        try:
            gone = [p.name for p in self.taste.forget()]
        except OSError as exc:
            self._report(f"Could not delete what the assistant learned: {exc}")
            return
        self._show_taste()
        styles = list_styles()
        if styles and ask_forget_styles(self.window, [s.name for s in styles]):
            gone += self.styles.delete_all(styles)
        self.messageShown.emit("Forgot your decisions and the taste learned from them"
                               + (f" ({', '.join(gone)} deleted)." if gone else "."))

    def _report(self, message: str) -> None:
        self.messageShown.emit(message)
        self.panel.hint.setText(message)

    def _on_doc_scoreReset(self) -> None:
        self.rejected.clear()
        self.clear()
        self._offer_read_keys(False)

    # ---- the key read from the notes ---------------------------------------------------------------

    def _offer_read_keys(self, show: bool) -> None:
        """Show (or hide) the button that sets the keys read from the current score's notes,
        labelled with them; hidden when there is nothing to set. Once offered, the offer follows
        the score (an undone "Set key" brings it back) until the document is replaced."""
        self._key_offer = show
        button = self.panel.key_button
        new = set_keys_read(self.doc.score) if show else None
        if new is None:
            button.hide()
            return
        text = keys_text(new)
        button.setText(f"Set the key to {text}" if len(new.key_signatures) == 1 else f"Set the keys: {text}")
        button.show()

    def _on_doc_scoreChanged(self, _diff) -> None:
        if self._key_offer:
            self._offer_read_keys(True)  # the notes or the key changed: what to offer may have too

    def set_read_keys(self) -> None:
        """Set the keys the assistant reads the notes in (one undo step)."""
        new = set_keys_read(self.doc.score)
        if new is None:
            self.panel.key_button.hide()
            return
        text = keys_text(new)
        self.doc.edit(f"Set key to {text}", new)
        message = f"Key set: {text}. Ctrl+Z undoes."
        self.panel.hint.setText(message)
        self.messageShown.emit(message)

    def shutdown(self) -> None:
        self.service.shutdown()
