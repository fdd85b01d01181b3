"""``composer-app self-check``: does this installation work? One real suggestion, offline.

Prints, one ``name: value`` line each, what this copy of the app is made of and where it comes
from (version, Python, whether it is a frozen bundle, where its code and ``resources/`` are, torch
and Qt), then loads the model (the bundled one, or ``--model DIR``) and asks the real suggestion
engine for ONE continuation of a small built-in melody (K=1, one bar, a fixed seed), and reports
the time it took and the candidate. Sound and MIDI (FluidSynth, a soundfont, the MIDI systems) are
reported as information: a machine without them still edits and suggests, so their absence is
said, not failed. ``--gui`` also builds the editor's main window offscreen and closes it.

Exit status 0 only when the model loaded and the suggestion came back (and, with ``--gui``, the
window was built); otherwise one line on stderr saying what failed and what to do (exit 2).
The packaging test runs this inside the PyInstaller bundle, outside the source tree.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from importlib import metadata
from pathlib import Path

from .. import __version__, paths
from ..errors import ComposerError, InstallError, ModelError

#: The built-in prompt: two bars of "Twinkle, Twinkle" in C with its chords.
MELODY = ((60, 0, 480), (60, 480, 480), (67, 960, 480), (67, 1440, 480),
          (69, 1920, 480), (69, 2400, 480), (67, 2880, 960))
CHORDS = (("C", 0, 1920), ("F", 1920, 960), ("C", 2880, 960))
SEED = 1234

def add_arguments(p) -> None:
    p.add_argument("--model", default=None, metavar="DIR", help="model folder (default: the bundled model)")
    p.add_argument("--gui", action="store_true",
                   help="also build the editor's main window offscreen and close it")


def _say(name: str, value: str) -> None:
    print(f"{name + ':':<13} {value}", flush=True)


def _where(module) -> str:
    f = getattr(module, "__file__", None)
    return str(Path(f).resolve().parent) if f else "(built in)"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


def note_name(pitch: int) -> str:
    from ..score.chords import spell

    return f"{spell(pitch)}{pitch // 12 - 1}"


def builtin_score():
    """The small melody the check continues (a plain :class:`~composer_app.score.Score`)."""
    from ..score import Chord, ChordSymbol, Note, Score, Track

    notes = tuple(Note(p, s, d) for p, s, d in MELODY)
    chords = tuple(Chord(ChordSymbol.parse(sym), s, d) for sym, s, d in CHORDS)
    return Score(title="self-check", tracks=(Track(notes=notes),), chords=chords)


def describe(candidate, tpq: int) -> str:
    notes = " ".join(f"{note_name(n.pitch)}@{n.start / tpq:g}" for n in candidate.notes) or "no notes"
    chords = " ".join(f"{c.symbol}@{c.start / tpq:g}" for c in candidate.chords) or "no chords"
    return f"notes {notes}; chords {chords}; score {candidate.score:.3f}"


# ---- information (never fails) ---------------------------------------------------------------
def report_origin() -> None:
    import composer_app

    frozen = bool(getattr(sys, "frozen", False))
    _say("version", f"composer-app {__version__}")
    _say("python", f"{platform.python_version()} ({sys.executable})")
    _say("bundle", f"frozen, {getattr(sys, '_MEIPASS', '?')}" if frozen else "no (source tree or pip install)")
    _say("code", _where(composer_app))
    res = paths.resources_dir()
    _say("resources", f"{res}" + ("" if res.is_dir() else " (MISSING)")
         + (" (COMPOSER_APP_RESOURCES)" if os.environ.get("COMPOSER_APP_RESOURCES") else ""))
    try:
        import PySide6
        from PySide6 import QtCore

        _say("qt", f"PySide6 {PySide6.__version__}, Qt {QtCore.qVersion()} ({_where(PySide6)})")
    except ImportError as exc:
        _say("qt", f"NOT available ({exc}): the editor cannot start")


def report_sound_and_midi() -> None:
    from ..playback.errors import PlaybackError
    from ..playback.outputs import available_apis, load_fluidsynth, new_synth, resolve_api

    try:
        fs = load_fluidsynth()
        _say("fluidsynth", f"available ({getattr(fs, 'lib', None) or 'libfluidsynth'})")
        try:
            synth, _sfid, sf = new_synth()
            synth.delete()
            _say("soundfont", f"{sf} (loaded)")
        except PlaybackError as exc:
            _say("soundfont", f"none usable: {exc}")
        except Exception as exc:  # noqa: BLE001 - information only: say it, never fail on it
            _say("soundfont", f"FluidSynth could not start a synthesizer ({type(exc).__name__}: {exc})")
    except PlaybackError as exc:
        _say("fluidsynth", f"NOT available, no built-in sound (MIDI output still works): {exc}")
        _say("soundfont", "not checked (no FluidSynth)")
    try:
        compiled = available_apis()
        try:
            in_use = resolve_api("auto")
            _say("midi", f"{in_use} in use (compiled in: {', '.join(compiled) or 'none'})")
        except PlaybackError as exc:
            _say("midi", f"no MIDI system available now (compiled in: {', '.join(compiled) or 'none'}): {exc}")
    except PlaybackError as exc:
        _say("midi", f"NOT available: {exc}")
    except Exception as exc:  # noqa: BLE001 - information only
        _say("midi", f"NOT available ({type(exc).__name__}: {exc})")


# ---- checks (exit status) ------------------------------------------------------------------------
def check_suggestion(model_dir: str | None) -> None:
    """Load the model and produce one real suggestion; raise :class:`ComposerError` on failure."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from ..generation.engine import SuggestionEngine
    from ..generation.types import SuggestionRequest, SuggestionSettings
    from ..music_lm.loading import load_model

    where = Path(model_dir) if model_dir else paths.default_model_dir()
    t0 = time.perf_counter()
    try:
        loaded = load_model(where, "cpu")
    except InstallError as exc:
        raise ComposerError(f"FAILED: {exc}") from None
    except ModelError as exc:
        hint = ("pass --model DIR with a model folder (config.json, music_vocab.json, model.safetensors)"
                if model_dir else "the bundled model is missing or damaged: reinstall the app, "
                "or pass --model DIR with a model folder (config.json, music_vocab.json, model.safetensors)")
        raise ComposerError(f"FAILED: {exc}; {hint}") from None
    load_s = time.perf_counter() - t0
    torch = sys.modules.get("torch")
    if torch is not None:
        _say("torch", f"{torch.__version__} ({_where(torch)}), {torch.get_num_threads()} thread(s)")
    _say("transformers", _version("transformers"))
    n_params = sum(p.numel() for p in loaded.model.parameters())
    _say("model", f"{loaded.name} ({loaded.path}), {n_params / 1e6:.2f} M parameters, "
         f"{loaded.device}/{loaded.dtype}, loaded in {load_s:.2f} s")

    score = builtin_score()
    settings = SuggestionSettings(task="continue", candidates=1, bars=1, seed=SEED)
    t0 = time.perf_counter()
    try:
        cands = SuggestionEngine(loaded).generate(SuggestionRequest(1, score, settings))
    except ComposerError as exc:
        raise ComposerError(f"FAILED: the model loaded but could not suggest: {exc}") from None
    gen_s = time.perf_counter() - t0
    if not cands:
        raise ComposerError(f"FAILED: the model at {loaded.path} produced no suggestion for the built-in "
                            "melody; it may be damaged (try --model DIR with another model)")
    _say("suggestion", f"{len(cands)} candidate, 1 bar after bar 2, seed {SEED}, in {gen_s:.2f} s: "
         f"{describe(cands[0], score.tpq)}")


def check_gui() -> None:
    """Build the main window offscreen (when no display is chosen) and close it."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    try:
        from PySide6.QtWidgets import QApplication

        from ..app import create_main_window

        app = QApplication.instance() or QApplication(sys.argv[:1])
        window = create_main_window(load_model=False, open_devices=False)
        window.show()
        app.processEvents()
        title = window.windowTitle().replace("[*]", "")
        window.close()
        app.processEvents()
    except ComposerError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to build the window is the finding
        raise ComposerError(f"FAILED: the editor window could not be built ({type(exc).__name__}: {exc})") from None
    _say("gui", f"main window '{title}' built and closed in {time.perf_counter() - t0:.2f} s "
         f"(platform {QApplication.platformName()})")


def run(args) -> int:
    report_origin()
    report_sound_and_midi()
    check_suggestion(args.model)
    if args.gui:
        check_gui()
    print("self-check passed", flush=True)
    return 0
