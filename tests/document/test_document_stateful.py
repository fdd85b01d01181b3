"""Stateful property test of ScoreDocument and its undo stack.

Hypothesis drives random sequences of the edits the GUI makes (the same pure functions from
``score/edits.py`` and ``gui/panels/properties_ops.py``, composed the way the piano-roll actions,
tools, chord lane, properties panel and MIDI input compose them), invalid edits that must be
refused before anything is pushed, accepted suggestions (whole and partial, through
``generation.accept.accept_candidate`` like the assistant), selection changes, undo/redo (one,
all, or a jump), and save marks. A model of the history (one exact fingerprint per undo index,
ids included) is checked after every step, with the score invariants, the clean state and what
every signal said.

CI runs a short, derandomized version. A long run:
``STATEFUL_EXAMPLES=2000 STATEFUL_STEPS=60 .venv/bin/python -m pytest -q -s tests/document/test_document_stateful.py``
(``STATEFUL_RANDOM=1`` draws fresh random examples instead of the fixed ones).
"""

from __future__ import annotations

import os
from dataclasses import replace



from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test  # noqa: E402
from doc_strategies import SYMBOLS, candidates, initial_scores, notes_strategy  # noqa: E402
from score_checks import diff_problems, fingerprint, score_problems  # noqa: E402

from composer_app.document import ScoreDocument, Selection  # noqa: E402
from composer_app.errors import ComposerError  # noqa: E402
from composer_app.generation.accept import accept_candidate  # noqa: E402
from composer_app.generation.types import TASKS  # noqa: E402
from composer_app.gui.panels import properties_ops as ops  # noqa: E402
from composer_app.score import MODES, Chord, Note, Score, edits  # noqa: E402
from composer_app.score.time import GRID_CHOICES  # noqa: E402

#: Refusing an invalid edit means raising one of these before ``doc.edit`` (the GUI reports them).
REFUSED = (ValueError, KeyError, ComposerError)
BOGUS_ID = 10**12
GRIDS = [g for g in GRID_CHOICES.values() if g]
BAD_SYMBOLS = ["", "H7", "C#x9", "/", "m7"]
BAD_METERS = ["0/4", "3/5", "4/", "waltz", "65/4"]
METER_TEXTS = ["4/4", "3/4", "6/8", "5/4", "7/8", "2/2", "12/8"] + BAD_METERS
TONICS = list(ops.TONICS) + ["H", "Fx"]
MODE_NAMES = list(MODES) + ["bogus"]
STATS = {"examples": 0, "steps": 0, "edits_tried": 0, "pushed": 0, "refused": 0, "no_op": 0, "accepts": 0,
         "undos": 0, "redos": 0}


class DocumentMachine(RuleBasedStateMachine):
    # ---- set-up and bookkeeping ------------------------------------------------------------
    @initialize(score=initial_scores())
    def start(self, score):
        STATS["examples"] += 1
        self.doc = doc = ScoreDocument(score)
        self.original = fingerprint(score)
        self.history = [self.original]  # fingerprint at each undo index
        self.pos = 0
        self.clean: int | None = 0  # undo index that is saved (None: no longer reachable)
        self.clip: tuple[list[Note], list[Chord]] | None = None
        self.problems: list[str] = []
        self.emitted = 0
        self.seen_score = doc.score
        self.seen_selection = doc.selection
        self.seen_track = doc.current_track.id
        self.seen_modified = False
        doc.scoreChanged.connect(self._on_doc_scoreChanged)
        doc.selectionChanged.connect(self._on_doc_selectionChanged)
        doc.currentTrackChanged.connect(self._on_doc_currentTrackChanged)
        doc.modifiedChanged.connect(self._on_doc_modifiedChanged)

    def teardown(self) -> None:
        # Break the machine <-> document cycle now (slots hold the machine, the machine the
        # document), so no QObject is left for the cycle collector to tear down in bulk.
        doc = getattr(self, "doc", None)
        if doc is None:
            return
        doc.scoreChanged.disconnect(self._on_doc_scoreChanged)
        doc.selectionChanged.disconnect(self._on_doc_selectionChanged)
        doc.currentTrackChanged.disconnect(self._on_doc_currentTrackChanged)
        doc.modifiedChanged.disconnect(self._on_doc_modifiedChanged)
        self.doc = None

    def _on_doc_scoreChanged(self, diff) -> None:
        # Exceptions in slots are only printed by Qt: collect, assert in the invariant.
        self.emitted += 1
        self.problems += [f"scoreChanged: {p}" for p in diff_problems(diff, self.seen_score, self.doc.score)]
        self.seen_score = self.doc.score

    def _on_doc_selectionChanged(self) -> None:
        self.seen_selection = self.doc.selection

    def _on_doc_currentTrackChanged(self, track_id: int) -> None:
        self.seen_track = track_id

    def _on_doc_modifiedChanged(self, modified: bool) -> None:
        self.seen_modified = modified

    # ---- helpers -----------------------------------------------------------------------------
    @property
    def score(self) -> Score:
        return self.doc.score

    def _ids(self):
        return [n.id for n in self.score.all_notes()], [c.id for c in self.score.chords]

    def _some(self, data, items, *, bogus=False):
        pool = list(items) + ([BOGUS_ID] if bogus else [])
        return data.draw(st.lists(st.sampled_from(pool), unique=True) if pool else st.just([]))

    def _edit(self, text, make, *, keeps_note_ids=False, refuse: bool | None = False):
        """Run ``make(score) -> (new_score, selection | None)`` and push it like the GUI does.

        Returns whether one undo step was pushed. ``refuse``: the input is invalid and must be
        refused (True), is valid and must not be (False), or either (None). A refusal (exception
        from ``REFUSED``) must leave the document untouched; any other exception fails the test."""
        STATS["edits_tried"] += 1
        doc, before, before_fp = self.doc, self.doc.score, fingerprint(self.doc.score)
        count, index, emitted = doc.undo_stack.count(), doc.undo_stack.index(), self.emitted
        try:
            new_score, selection = make(before)
        except REFUSED as exc:
            assert refuse is not False, f"{text}: a valid edit was refused: {exc!r}"
            assert str(exc), "a refusal needs a message for the composer"
            assert doc.score is before and fingerprint(doc.score) == before_fp
            assert (doc.undo_stack.count(), doc.undo_stack.index(), self.emitted) == (count, index, emitted)
            STATS["refused"] += 1
            return False
        assert refuse is not True, f"{text}: an invalid edit was not refused"
        assert fingerprint(before) == before_fp, f"{text}: the edit mutated the old score"
        pushed = doc.edit(text, new_score, selection)
        if not pushed:
            assert fingerprint(new_score) == before_fp, f"{text}: a real change was dropped as a no-op"
            assert doc.score is before and self.emitted == emitted and doc.undo_stack.count() == count
            STATS["no_op"] += 1
            return False
        STATS["pushed"] += 1
        assert fingerprint(new_score) != before_fp, f"{text}: an edit that changed nothing was pushed"
        assert doc.score is new_score and self.emitted == emitted + 1, f"{text}: one scoreChanged per edit"
        assert doc.undo_stack.count() == index + 1 and doc.undo_stack.index() == index + 1, "one command per edit"
        assert doc.undo_stack.undoText() == text
        if self.clean is not None and self.clean > self.pos:
            self.clean = None  # the saved state was in the redo branch that this edit dropped
        self.history = self.history[:self.pos + 1] + [fingerprint(new_score)]
        self.pos += 1
        if selection is not None:
            existing = set(self._ids()[0]) | set(self._ids()[1])
            assert doc.selection.notes | doc.selection.chords == (selection.notes | selection.chords) & existing
        if keeps_note_ids:
            assert sorted(n.id for n in new_score.all_notes()) == sorted(n.id for n in before.all_notes())
        return True

    def _selected_current(self):
        """Selected notes of the current track, like the roll's drag tools take them."""
        mine = {n.id for n in self.doc.current_track.notes}
        return [i for i in self.doc.selection.notes if i in mine]

    # ---- notes (piano-roll tools and actions) ------------------------------------------------
    @rule(pitch=st.integers(-2, 129), start=st.integers(-10, 12000), duration=st.integers(-5, 3000),
          velocity=st.integers(0, 128))
    def draw_note(self, pitch, start, duration, velocity):
        def make(s):
            note = Note(pitch, start, duration, velocity)
            return edits.add_notes(s, self.doc.current_track.id, [note]), Selection(frozenset({note.id}))
        valid = 0 <= pitch <= 127 and start >= 0 and duration > 0 and 1 <= velocity <= 127
        self._edit("Draw note", make, refuse=not valid)

    @rule(data=st.data())
    def add_notes_to_some_track(self, data):
        track_id = data.draw(st.sampled_from([t.id for t in self.score.tracks] + [BOGUS_ID]))
        notes = data.draw(notes_strategy(4))
        self._edit("Add notes", lambda s: (edits.add_notes(s, track_id, notes), None), refuse=track_id == BOGUS_ID)

    @rule(data=st.data(), dticks=st.integers(-3000, 3000), dpitch=st.integers(-140, 140), copy=st.booleans())
    def drag_notes(self, data, dticks, dpitch, copy):
        ids = self._selected_current() or self._some(data, [n.id for n in self.doc.current_track.notes])[:1]
        notes = [n for n in self.doc.current_track.notes if n.id in set(ids)]
        if not notes:
            return
        dticks = max(dticks, -min(n.start for n in notes))  # the tool clamps while dragging
        dpitch = max(min(dpitch, 127 - max(n.pitch for n in notes)), -min(n.pitch for n in notes))
        if copy:
            def make(s):
                copies = edits.copy_notes(notes, dticks, dpitch)
                return (edits.add_notes(s, self.doc.current_track.id, copies),
                        Selection(frozenset(c.id for c in copies)))
            self._edit("Copy notes", make)
        else:
            self._edit("Move notes", lambda s: (edits.move_notes(s, ids, dticks, dpitch), None), keeps_note_ids=True)

    @rule(data=st.data(), ddur=st.integers(-3000, 3000), grid=st.sampled_from(GRIDS + [None]),
          bad_minimum=st.booleans())
    def resize_notes(self, data, ddur, grid, bad_minimum):
        ids = self._selected_current() or self._some(data, [n.id for n in self.doc.current_track.notes])
        notes = [n for n in self.score.all_notes() if n.id in set(ids)]
        if not notes:
            return
        minimum = 0 if bad_minimum else min(grid or 1, min(n.duration for n in notes))
        self._edit("Resize notes", lambda s: (edits.resize_notes(s, ids, ddur, minimum=minimum), None),
                   keeps_note_ids=True, refuse=bad_minimum and any(n.duration + ddur <= 0 for n in notes))

    @rule(data=st.data(), delta=st.sampled_from([-8, 8, -200, 200]), absolute=st.integers(-5, 140))
    def velocity(self, data, delta, absolute):
        ids = list(self.doc.selection.notes) or self._some(data, self._ids()[0])
        if data.draw(st.booleans()):  # Velocity up/down action
            self._edit("Velocity", lambda s: (edits.set_velocity(s, ids, delta=delta), None), keeps_note_ids=True)
        else:  # velocity lane: replace() validates, so an out-of-range value is refused
            chosen = [n for n in self.score.all_notes() if n.id in set(ids)]
            self._edit("Change velocity",
                       lambda s: (edits.replace_notes(s, [replace(n, velocity=absolute) for n in chosen]), None),
                       keeps_note_ids=True, refuse=bool(chosen) and not 1 <= absolute <= 127)

    @rule(grid=st.sampled_from(GRIDS), lengths=st.booleans())
    def quantize(self, grid, lengths):
        sel = self.doc.selection.notes
        if sel:
            self._edit("Quantize", lambda s: (edits.quantize_notes(s, sel, grid, lengths), None), keeps_note_ids=True)

    @rule(semitones=st.sampled_from([1, -1, 12, -12, 7, -30, 60, 0]))
    def transpose(self, semitones):
        sel = self.doc.selection

        def make(s):  # RollActions._transpose
            if sel.notes:
                s = edits.transpose_notes(s, sel.notes, semitones)
            if sel.chords:
                s = edits.transpose_chords(s, sel.chords, semitones)
            return s, None
        self._edit("Transpose", make, keeps_note_ids=True)

    @rule(direction=st.sampled_from([-1, 1]), grid=st.sampled_from(GRIDS))
    def nudge(self, direction, grid):
        sel = self.doc.selection

        def make(s):  # RollActions._nudge
            if sel.notes:
                s = edits.move_notes(s, sel.notes, direction * grid, 0)
            if sel.chords:
                s = edits.move_chords(s, sel.chords, direction * grid)
            return s, None
        self._edit("Nudge", make, keeps_note_ids=True)

    @rule()
    def duplicate(self):
        sel = self.doc.selection
        if not sel:
            return

        def make(s):
            s, note_ids, chord_ids = edits.duplicate_selection(s, sel.notes, sel.chords)
            return s, Selection(frozenset(note_ids), frozenset(chord_ids))
        self._edit("Duplicate", make)

    @rule(cut=st.booleans())
    def delete(self, cut):
        sel = self.doc.selection
        if not sel:
            return
        if cut:
            self.copy()
        self._edit("Cut" if cut else "Delete",
                   lambda s: (edits.remove_chords(edits.remove_notes(s, sel.notes), sel.chords), Selection()))

    @rule()
    def copy(self):
        notes, chords = self.doc.selected_notes(), self.doc.selected_chords()
        if notes or chords:
            self.clip = (notes, chords)

    @rule(playhead=st.integers(0, 20000), notes_only=st.booleans())
    def paste(self, playhead, notes_only):
        if self.clip is None:
            return
        notes, chords = self.clip
        if notes_only:
            self._edit("Paste notes", lambda s: (lambda r: (r[0], Selection(frozenset(r[1]))))(
                edits.paste_notes(s, self.doc.current_track.id, notes, playhead)))
            return

        def make(s):  # RollActions.paste
            shift = playhead - min([n.start for n in notes] + [c.start for c in chords])
            new = edits.copy_notes(notes, shift)
            new_chords = [Chord(c.symbol, c.start + shift, c.duration) for c in chords if c.start + shift >= 0]
            s = edits.insert_material(s, self.doc.current_track.id, new, new_chords)
            return s, Selection(frozenset(n.id for n in new), frozenset(c.id for c in new_chords))
        self._edit("Paste", make)

    @rule(data=st.data())
    def record_or_step_input(self, data):
        notes = data.draw(notes_strategy(3))

        def make(s):  # sound.py: step input / record
            track = s.track_index(self.doc.current_track.id)
            return s.with_notes(list(s.tracks[track].notes) + notes, track), None
        self._edit("Record", make)

    @rule(data=st.data())
    def delete_note_under_mouse(self, data):
        ids = self._ids()[0]
        if ids:
            hit = data.draw(st.sampled_from(ids))
            self._edit("Delete note", lambda s: (edits.remove_notes(s, [hit]), None))

    # ---- chords (chord lane) ----------------------------------------------------------------
    @rule(symbol=st.sampled_from(SYMBOLS + BAD_SYMBOLS), start=st.integers(0, 12000),
          duration=st.integers(-10, 4000))
    def add_chord(self, symbol, start, duration):
        def make(s):
            s, chord = edits.add_chord(s, symbol, start, duration)
            return s, Selection(frozenset(), frozenset({chord.id}))
        self._edit(f"Add chord {symbol}", make, refuse=symbol in BAD_SYMBOLS or duration <= 0)

    @rule(data=st.data(), symbol=st.sampled_from(SYMBOLS + BAD_SYMBOLS + [None]),
          start=st.none() | st.integers(-500, 12000), duration=st.none() | st.integers(-500, 4000))
    def change_chord(self, data, symbol, start, duration):
        target = data.draw(st.sampled_from(self._ids()[1] + [BOGUS_ID]))
        self._edit("Change chord",
                   lambda s: (edits.change_chord(s, target, symbol=symbol, start=start, duration=duration), None),
                   refuse=target == BOGUS_ID or symbol in BAD_SYMBOLS)

    @rule(data=st.data(), dticks=st.integers(-4000, 4000))
    def move_chords(self, data, dticks):
        ids = list(self.doc.selection.chords) or self._some(data, self._ids()[1], bogus=True)
        self._edit("Move chords", lambda s: (edits.move_chords(s, ids, dticks), None))

    @rule(data=st.data(), semitones=st.integers(-13, 13))
    def transpose_chords(self, data, semitones):
        ids = self._some(data, self._ids()[1], bogus=True)
        self._edit("Transpose chords", lambda s: (edits.transpose_chords(s, ids, semitones), None))

    @rule(data=st.data())
    def remove_chords(self, data):
        ids = self._some(data, self._ids()[1], bogus=True)
        self._edit("Remove chords", lambda s: (edits.remove_chords(s, ids), None))

    # ---- tracks and score properties (properties panel / dialog) ------------------------------
    @rule(name=st.sampled_from([None, "Bass", "Track 2"]), program=st.integers(0, 128))
    def add_track(self, name, program):
        made = {}

        def make(s):
            new, made["track"] = ops.add_track(s, name, program)
            return new, None
        if self._edit("Add track", make, refuse=program > 127):
            self.doc.set_current_track(made["track"].id)

    @rule()
    def remove_current_track(self):
        track = self.doc.current_track
        self._edit("Remove track", lambda s: (ops.remove_track(s, track.id), None), refuse=len(self.score.tracks) == 1)

    @rule(data=st.data(), name=st.sampled_from(["Lead", "  Pad  ", "", "   ", "T0"]))
    def rename_track(self, data, name):
        track_id = data.draw(st.sampled_from([t.id for t in self.score.tracks] + [BOGUS_ID]))
        self._edit("Rename track", lambda s: (ops.update_track(s, track_id, name=name), None),
                   refuse=track_id == BOGUS_ID or not name.strip())

    @rule(field=st.sampled_from(["program", "channel", "muted"]), value=st.integers(-1, 128))
    def update_current_track(self, field, value):
        track = self.doc.current_track
        value = (not track.muted) if field == "muted" else value
        limit = {"program": 127, "channel": 15, "muted": True}[field]
        self._edit(f"Set {field}", lambda s: (ops.update_track(s, track.id, **{field: value}), None),
                   refuse=not 0 <= value <= limit)

    @rule(program=st.none() | st.integers(0, 127), channel=st.none() | st.integers(0, 15))
    def chord_instrument(self, program, channel):
        self._edit("Chord instrument", lambda s: (ops.set_chord_instrument(s, program, channel), None))

    @rule(bpm=st.sampled_from([0.5, 40.0, 120.0, 133.3, 999.0, 1200.0]))
    def tempo(self, bpm):
        self._edit("Set tempo", lambda s: (ops.set_tempo(s, bpm), None), refuse=not 1 <= bpm <= 1000)

    @rule(text=st.sampled_from(METER_TEXTS))
    def meter(self, text):
        def make(s):
            sig = ops.parse_time_signature(text)
            return ops.set_time_signature(s, sig.numerator, sig.denominator), None
        self._edit("Set time signature", make, refuse=text in BAD_METERS)

    @rule(tonic=st.sampled_from(TONICS), mode=st.sampled_from(MODE_NAMES))
    def key(self, tonic, mode):
        # "Fx" is let through: pitch_class() ignores characters it does not know (reported)
        self._edit("Set key", lambda s: (ops.set_key(s, tonic, mode), None),
                   refuse=None if tonic == "Fx" and mode in MODES else tonic == "H" or mode not in MODES)

    @rule(title=st.sampled_from(["", "Air", "  Air ", "Étude"]))
    def title(self, title):
        self._edit("Change title", lambda s: (ops.set_title(s, title), None))

    @rule(data=st.data())
    def choose_current_track(self, data):
        self.doc.set_current_track(data.draw(st.sampled_from([t.id for t in self.score.tracks])))

    # ---- accepting a suggestion ---------------------------------------------------------------
    @rule(data=st.data(), task=st.sampled_from(sorted(TASKS)), partial=st.booleans(),
          keep_bars=st.integers(1, 4))
    def accept(self, data, task, partial, keep_bars):
        cand = data.draw(candidates(self.score, task))
        notes, (a, b) = cand.notes, cand.region
        picked = self._some(data, [n.id for n in notes]) if partial else ()
        track_id = self.doc.current_track.id
        result = {}

        def make(score):
            got = accept_candidate(score, cand, track_id, partial=partial, picked=picked, keep_bars=keep_bars)
            if got is None:
                raise ValueError("Nothing to accept")  # the assistant reports it; nothing is pushed
            result["r"] = got
            return got.score, Selection(frozenset(n.id for n in got.notes), frozenset(c.id for c in got.chords))
        if not self._edit("Accept suggestion" + (" (part)" if partial else ""), make, refuse=None):
            return
        STATS["accepts"] += 1
        got = result["r"]
        mine = {n.id: n for n in self.score.track_by_id(track_id).notes}
        for n in got.notes:
            assert mine[n.id] is n and n.provenance["rank"] == cand.rank and n.provenance["model"] == "test"
        want = [(n.pitch, n.start) for n in notes if not partial or not picked or n.id in set(picked)]
        if not partial:
            assert sorted((n.pitch, n.start, n.duration) for n in got.notes) == sorted(
                (n.pitch, n.start, n.duration) for n in notes)
        elif picked:
            assert sorted((n.pitch, n.start) for n in got.notes) == sorted(want)
        placed = {c.id: c for c in self.score.chords}
        for c in got.chords:
            assert placed[c.id] is c and c.provenance["rank"] == cand.rank
        if task == "infill":
            kept_old = [n for n in mine.values() if a <= n.start < b and n.id not in {x.id for x in got.notes}]
            assert not kept_old, "infill replaces the track's notes in the region"

    # ---- selection ------------------------------------------------------------------------------
    @rule(data=st.data(), mode=st.sampled_from(["set", "add", "toggle"]))
    def select(self, data, mode):
        notes = self._some(data, self._ids()[0], bogus=True)
        chords = self._some(data, self._ids()[1], bogus=True)
        self.doc.select(notes, chords, add=mode == "add", toggle=mode == "toggle")

    @rule(all_=st.booleans())
    def select_all_or_none(self, all_):
        if all_:
            self.doc.select_all()
            assert self.doc.selection.notes == {n.id for n in self.doc.current_track.notes}
        else:
            self.doc.clear_selection()
            assert not self.doc.selection

    # ---- history ---------------------------------------------------------------------------------
    def _moved(self, emitted_before: int, steps: int) -> None:
        assert self.emitted == emitted_before + steps, "one scoreChanged per command undone or redone"

    @rule()
    def undo(self):
        e = self.emitted
        can = self.doc.undo_stack.canUndo()
        assert can == (self.pos > 0)
        self.doc.undo_stack.undo()
        if can:
            self.pos -= 1
            STATS["undos"] += 1
        self._moved(e, int(can))

    @rule()
    def redo(self):
        e = self.emitted
        can = self.doc.undo_stack.canRedo()
        assert can == (self.pos < len(self.history) - 1)
        self.doc.undo_stack.redo()
        if can:
            self.pos += 1
            STATS["redos"] += 1
        self._moved(e, int(can))

    @rule()
    def undo_then_redo(self):
        if not self.doc.undo_stack.canUndo():
            return
        before, e = fingerprint(self.score), self.emitted
        self.doc.undo_stack.undo()
        assert fingerprint(self.score) == self.history[self.pos - 1]
        self.doc.undo_stack.redo()
        assert fingerprint(self.score) == before, "redo after undo reproduces exactly the same score"
        STATS["undos"] += 1
        STATS["redos"] += 1
        self._moved(e, 2)

    @rule()
    def undo_all(self):
        e, n = self.emitted, self.pos
        while self.doc.undo_stack.canUndo():
            self.doc.undo_stack.undo()
        self.pos = 0
        STATS["undos"] += n
        self._moved(e, n)
        assert fingerprint(self.score) == self.original, "undoing everything restores the original exactly"

    @rule()
    def redo_all(self):
        e, n = self.emitted, len(self.history) - 1 - self.pos
        while self.doc.undo_stack.canRedo():
            self.doc.undo_stack.redo()
        self.pos = len(self.history) - 1
        STATS["redos"] += n
        self._moved(e, n)

    @rule(data=st.data())
    def jump_in_history(self, data):  # the undo view's click: QUndoStack.setIndex
        target = data.draw(st.integers(0, len(self.history) - 1))
        e, n = self.emitted, abs(target - self.pos)
        self.doc.undo_stack.setIndex(target)
        self.pos = target
        self._moved(e, n)

    @rule(score=initial_scores())
    def open_another(self, score):  # New/Open/Import: a fresh history, nothing modified
        resets = []
        self.doc.scoreReset.connect(lambda: resets.append(1))
        self.doc.load(score, "/tmp/opened.composer")
        assert resets and self.doc.undo_stack.count() == 0 and not self.doc.is_modified
        assert self.doc.score is score and not self.doc.selection
        # scoreReset tells the views that everything changed, the current track included
        self.seen_score, self.seen_track = score, self.doc.current_track.id
        self.original = fingerprint(score)
        self.history, self.pos, self.clean = [self.original], 0, 0

    @rule()
    def save(self):
        self.doc.mark_saved("/tmp/stateful-test.composer")
        self.clean = self.pos
        assert not self.doc.is_modified

    # ---- invariants ------------------------------------------------------------------------------
    @invariant()
    def document_is_consistent(self):
        STATS["steps"] += 1  # runs after the initial score and after every rule
        doc, s = self.doc, self.doc.score
        assert not self.problems, self.problems
        assert not score_problems(s), score_problems(s)
        # history: one command per successful edit, and the score at each index is exactly the recorded one
        assert doc.undo_stack.count() == len(self.history) - 1
        assert doc.undo_stack.index() == self.pos
        assert fingerprint(s) == self.history[self.pos]
        assert self.seen_score is s, "every change of the score was signalled"
        # clean state and its signal
        assert doc.is_modified == (self.pos != self.clean)
        assert self.seen_modified == doc.is_modified, "modifiedChanged tracks is_modified"
        # current track and selection exist, and their signals told the views
        track_ids = {t.id for t in s.tracks}
        assert doc.current_track.id in track_ids
        assert self.seen_track == doc.current_track.id, "currentTrackChanged tracks the current track"
        sel = doc.selection
        assert sel.notes <= {n.id for n in s.all_notes()} and sel.chords <= {c.id for c in s.chords}
        assert self.seen_selection == sel, "selectionChanged tracks the selection"


def _settings() -> settings:
    return settings(
        max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "200")),
        stateful_step_count=int(os.environ.get("STATEFUL_STEPS", "50")),
        derandomize=not os.environ.get("STATEFUL_RANDOM"),
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


def test_document_and_undo_stack_keep_their_invariants(qapp):
    for k in STATS:
        STATS[k] = 0
    run_state_machine_as_test(DocumentMachine, settings=_settings())
    STATS["steps"] -= STATS["examples"]  # the invariant also ran once on each initial score
    print("\nstateful document test:", ", ".join(f"{k}={v}" for k, v in STATS.items()))
    assert STATS["pushed"] > 0 and STATS["accepts"] > 0 and STATS["undos"] > 0 and STATS["refused"] > 0
