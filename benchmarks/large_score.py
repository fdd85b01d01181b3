"""Large scores (issue 6): a 20-minute piece with 20,000 notes in files, the piano roll and suggestions.

:func:`big_piece` builds the piece deterministically (tests use it too): 600 bars of 4/4 at 120 bpm
(20 minutes), a melody (eighth-note rhythms, 4,800 notes), a bass (quarter notes, 2,400) and a
piano comping track (triads on eighths, the rest up to 20,000 notes), and one chord per bar.

The benchmark times: reading the piece from ``.composer``, ``.mid`` and ``.musicxml``; ``doc.load``
with the piano roll rebuilding; frames while scrolling horizontally and vertically and while
zooming (each step is followed by a synchronous full repaint of the grid, ruler, chord lane,
keyboard and velocity lane: the worst case, without the scroll blit Qt does on screen); one note moved at bar 590 through the document (with the redraw it
causes), ``NoteDiff.between`` on the whole piece, undo, select-all + transpose; and one suggestion
with the bundled model (K = 4, 2 bars) at the end and in the middle of the piece, prompt building
included. Targets: a frame under 16 ms (median), an edit with its redraw under 50 ms, opening in
2-3 s. Run: ``.venv/bin/python -m benchmarks.large_score [--no-model] [--skip-files]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature, Track  # noqa: E402

BAR = 1920  # 4/4 at TPQ 480
N_BARS = 600
N_NOTES = 20_000
#: Melody rhythms (ticks), eight notes a bar each.
_RHYTHMS = (
    (240,) * 8,
    (360, 120, 240, 240, 240, 240, 240, 240),
    (480, 240, 240, 240, 120, 120, 240, 240),
    (240, 240, 480, 120, 120, 240, 240, 240),
)
#: I vi IV V, ii V I I, ... in C major: (symbol, root pitch class, triad pitch classes).
_PROGRESSION = ("C", "Am", "F", "G", "Dm", "G7", "C", "Em", "F", "Dm", "G", "C", "Am", "Dm", "G7", "C")
_SCALE = (0, 2, 4, 5, 7, 9, 11)


def _triad(symbol: str) -> tuple[int, ...]:
    """Root first, then the other pitch classes of the first three intervals."""
    c = ChordSymbol.parse(symbol)
    return tuple((c.root_pc + i) % 12 for i in c.intervals[:3])


def big_piece(n_bars: int = N_BARS, n_notes: int = N_NOTES, seed: int = 6) -> Score:
    """The large test piece: ``n_bars`` bars of 4/4 and exactly ``n_notes`` notes in three tracks
    (melody first), one chord per bar; the same for the same arguments."""
    rng = random.Random(seed)
    melody, bass, comp, chords = [], [], [], []
    pitch = 72
    for b in range(n_bars):
        t0 = b * BAR
        sym = _PROGRESSION[b % len(_PROGRESSION)]
        chords.append(Chord(ChordSymbol.parse(sym), t0, BAR))
        tones = _triad(sym)
        t = t0
        for dur in _RHYTHMS[rng.randrange(len(_RHYTHMS))]:
            step = rng.choice((-2, -1, -1, 0, 1, 1, 2))
            deg = _SCALE.index(pitch % 12) if pitch % 12 in _SCALE else 0
            deg += step
            pitch = 12 * (pitch // 12) + 12 * (deg // 7) + _SCALE[deg % 7]
            pitch = min(max(pitch, 62), 86)
            melody.append(Note(pitch, t, dur, rng.randint(70, 110)))
            t += dur
        root = 36 + tones[0] if tones[0] >= 4 else 48 + tones[0]  # E2..D#3
        for q in range(4):
            bass.append(Note(root if q % 2 == 0 else root + 7, t0 + q * 480, 480, 96 if q == 0 else 80))
    left = n_notes - len(melody) - len(bass)
    for b in range(n_bars):
        t0 = b * BAR
        tones = _triad(_PROGRESSION[b % len(_PROGRESSION)])
        k = left * (b + 1) // n_bars - left * b // n_bars
        for j in range(k):
            onset, voice = divmod(j, 3)
            pc = tones[voice % len(tones)]
            comp.append(Note(55 + (pc - 7) % 12, t0 + (onset % 8) * 240, 240, 64 + 8 * (onset % 2 == 0)))
    tracks = (Track("Melody", 0, 73, tuple(melody)), Track("Bass", 1, 33, tuple(bass)),
              Track("Piano", 2, 0, tuple(comp)))
    score = Score(title="Large piece", tracks=tracks, chords=tuple(chords), tempos=(Tempo(120.0),),
                  time_signatures=(TimeSignature(4, 4),), key_signatures=(KeySignature("C"),))
    assert len(score.all_notes()) == n_notes, len(score.all_notes())
    return score


# ---- timing helpers ---------------------------------------------------------------------------------


def _ms(fn) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _stats(times: list[float]) -> str:
    return f"median {statistics.median(times):7.1f}   max {max(times):7.1f}   (n={len(times)})"


def bench_files(score: Score, rows: list) -> None:
    from composer_app import formats

    with tempfile.TemporaryDirectory() as d:
        for ext in (".composer", ".mid", ".musicxml"):
            path = Path(d) / f"big{ext}"
            w = _ms(lambda: formats.write(score, path))
            back = []
            r = _ms(lambda: back.append(formats.read(path)))
            rows.append((f"read {ext}", f"{r:9.0f}", f"write {w:.0f} ms, {len(back[0].all_notes())} notes back"))


def bench_window(score: Score, rows: list) -> None:
    """The whole app window (every view and listener attached, no model, silent output): open the
    ``.composer`` file, then one edit and its undo with everything that follows the document."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from composer_app import formats
    from composer_app.app import create_main_window
    from composer_app.score import edits
    from composer_app.settings import Settings

    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory() as d:
        os.environ["COMPOSER_APP_DATA"] = os.environ["COMPOSER_APP_CACHE"] = d  # no autosave in the user's dirs
        os.environ["COMPOSER_APP_CONFIG"] = str(Path(d) / "settings.ini")
        path = Path(d) / "big.composer"
        formats.write(score, path)
        w = create_main_window(Settings(), load_model=False, open_devices=False)
        w.resize(1400, 900)
        w.show()
        app.processEvents()

        def open_():
            w.open_path(path)
            app.processEvents()
            w.repaint()

        rows.append(("main window: open .composer + first paint", f"{_ms(open_):9.0f}", "target < 2000-3000"))
        doc = w.doc
        target = [n for n in doc.current_track.notes if n.start >= 590 * BAR][0]
        w.roll.ensure_visible(target.start, target.pitch)
        app.processEvents()
        ed, un = [], []
        for _ in range(5):
            ed.append(_ms(lambda: (doc.edit("move", edits.move_notes(doc.score, [target.id], 0, 1)),
                                   app.processEvents())))
            un.append(_ms(lambda: (doc.undo_stack.undo(), app.processEvents())))
        rows.append(("main window: edit at bar 590 (all listeners)", _stats(ed), f"undo: {_stats(un)}"))
        doc.undo_stack.setClean()
        w.close()
        w.deleteLater()
        app.processEvents()


def bench_roll(score: Score, rows: list, steps: int = 40) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from composer_app.document import NoteDiff, ScoreDocument
    from composer_app.gui.pianoroll import PianoRollWidget
    from composer_app.score import edits

    app = QApplication.instance() or QApplication(sys.argv)
    doc = ScoreDocument()
    roll = PianoRollWidget(doc)
    roll.resize(1400, 800)
    roll.show()
    app.processEvents()

    def load():
        doc.load(score)
        app.processEvents()
        roll.view.viewport().repaint()

    rows.append(("doc.load + roll build + first paint", f"{_ms(load):9.1f}", "target < 2000-3000"))
    h, v = roll.view.horizontalScrollBar(), roll.view.verticalScrollBar()

    def frame(change) -> float:
        """``change``, then one full repaint of the grid and every lane (no scroll blit), painted by
        the event loop as on screen: each widget is painted once, in full."""
        t = time.perf_counter()
        change()
        for w in (roll.view.viewport(), roll.ruler, roll.chord_lane, roll.velocity_lane, roll.keyboard):
            w.update()
        app.processEvents()
        return (time.perf_counter() - t) * 1000

    def smooth(bar, delta, n):
        return [frame(lambda: bar.setValue(bar.value() + delta)) for _ in range(n)]

    def on_screen(bar, delta, n):
        """Scroll steps painted the way Qt paints them on screen: the view scrolls what it
        already shows and paints only the uncovered strip; the lanes repaint."""
        out = []
        for _ in range(n):
            t = time.perf_counter()
            bar.setValue(bar.value() + delta)
            app.processEvents()
            out.append((time.perf_counter() - t) * 1000)
        return out

    rng = random.Random(1)
    h.setValue(h.maximum() // 2)
    frame(lambda: None)
    rows.append(("frame: scroll horizontally (wheel steps)", _stats(smooth(h, 120, 60) + smooth(h, -120, 60)),
                 "target median < 16"))
    rows.append(("  the same, as painted on screen (scroll blit)", _stats(on_screen(h, 120, 60) + on_screen(h, -120, 60)), ""))
    jumps = [frame(lambda i=i: h.setValue(int(h.maximum() * i / steps))) for i in range(steps + 1)]
    rows.append(("frame: scrollbar jumps across the piece", _stats(jumps), ""))
    h.setValue(h.maximum() // 2)
    vy = smooth(v, 60, 20) + smooth(v, -60, 20) + [frame(lambda: v.setValue(rng.randint(0, v.maximum())))
                                                  for _ in range(steps // 2)]
    rows.append(("frame: scroll vertically", _stats(vy), ""))
    zx = [frame(lambda i=i: roll.zoom_horizontal(1.25 if (i // 6) % 2 == 0 else 0.8)) for i in range(steps)]
    zx += [frame(lambda i=i: roll.zoom_vertical(1.15 if (i // 4) % 2 == 0 else 1 / 1.15)) for i in range(steps // 2)]
    rows.append(("frame: zoom (time and pitch)", _stats(zx), ""))
    roll.zoom_horizontal(MIN_PPT_FOR_OVERVIEW / roll.geom.px_per_tick)
    over = smooth(h, 120, 20) + [frame(lambda i=i: h.setValue(int(h.maximum() * i / 10))) for i in range(11)]
    rows.append(("frame: scroll, zoomed out fully", _stats(over), "about 70 bars on screen"))
    h.setValue(h.maximum() // 3)
    rows.append(("  the same, as painted on screen (scroll blit)", _stats(on_screen(h, 120, 40)), ""))
    roll.zoom_horizontal(0.1 / roll.geom.px_per_tick)

    # one edit at bar 590: move a melody note through the document, with the redraw it causes
    target = [n for n in doc.current_track.notes if n.start >= 590 * BAR][:1]
    roll.ensure_visible(target[0].start, target[0].pitch)
    frame(lambda: None)
    edit_t, undo_t = [], []
    for k in range(7):
        edit_t.append(frame(lambda k=k: doc.edit("move", edits.move_notes(doc.score, [target[0].id], 0, 1))))
        undo_t.append(frame(doc.undo_stack.undo))
    rows.append(("edit: move 1 note at bar 590 + redraw", _stats(edit_t), "target < 50"))
    rows.append(("undo of it + redraw", _stats(undo_t), ""))
    other = edits.move_notes(doc.score, [target[0].id], 0, 1)
    diffs = [_ms(lambda: NoteDiff.between(doc.score, other)) for _ in range(7)]
    rows.append(("NoteDiff.between (20k notes, 1 changed)", _stats(diffs), ""))
    sel = frame(roll.actions_by_name["select_all"].trigger)
    tr = frame(roll.actions_by_name["transpose_up"].trigger)
    un = frame(doc.undo_stack.undo)
    rows.append(("select all (melody) + redraw", f"{sel:9.1f}", f"{len(doc.selection.notes)} notes"))
    rows.append(("transpose selection + redraw", f"{tr:9.1f}", f"undo {un:.1f} ms"))
    roll.close()
    roll.deleteLater()
    app.processEvents()


MIN_PPT_FOR_OVERVIEW = 0.01


def bench_suggest(score: Score, rows: list, model_dir: str | None) -> None:
    import torch

    from composer_app.generation.engine import SuggestionEngine
    from composer_app.generation.types import SuggestionRequest, SuggestionSettings
    from composer_app.music_lm.loading import load_model

    torch.set_num_threads(1)
    loaded = load_model(model_dir)
    engine = SuggestionEngine(loaded)
    tok = loaded.tokenizer
    settings = SuggestionSettings(candidates=4, bars=2, seed=3)
    mid = 300 * BAR
    for label, region, start in (("end", None, score.end_of_last_bar), ("middle (bar 301)", (mid - BAR, mid), mid)):
        prompts = []
        p = _ms(lambda: prompts.append(tok.build_prompt(score, "continue", start, n_bars=2, max_len=loaded.max_len,
                                                        reserve=min(loaded.max_len // 2, 64 * 2 + 8))))
        got = []
        g = _ms(lambda: got.extend(engine.generate(SuggestionRequest(1, score, settings, region))))
        rows.append((f"build_prompt at the {label}", f"{p:9.1f}",
                     f"{len(prompts[0].ids)} tokens (window {loaded.max_len}), "
                     f"context bars {prompts[0].context_first_bar + 1}-{prompts[0].first_bar}"))
        rows.append((f"suggestion K=4 x 2 bars at the {label}", f"{g:9.0f}", f"{len(got)} candidates"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-model", action="store_true", help="skip the suggestion timings")
    ap.add_argument("--skip-files", action="store_true", help="skip reading/writing files")
    ap.add_argument("--skip-window", action="store_true", help="skip the main-window timings")
    ap.add_argument("--model", default=None, help="model directory (default: the bundled model)")
    args = ap.parse_args(argv)
    rows: list[tuple[str, str, str]] = []
    t = time.perf_counter()
    score = big_piece()
    rows.append(("build the piece (big_piece)", f"{(time.perf_counter() - t) * 1000:9.1f}",
                 f"{len(score.all_notes())} notes, {score.bar_count} bars, {len(score.chords)} chords"))
    if not args.skip_files:
        bench_files(score, rows)
    bench_roll(score, rows)
    if not args.skip_window:
        bench_window(score, rows)
    if not args.no_model:
        bench_suggest(score, rows, args.model)
    w = max(len(r[0]) for r in rows)
    print(f"{'what':<{w}}  {'ms':>9}")
    for name, ms, note in rows:
        print(f"{name:<{w}}  {ms}   {note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
