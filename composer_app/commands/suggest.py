"""``composer-app suggest INPUT...``: ranked continuations or harmonizations as JSON Lines.

A contract other tools rely on. One JSON object per input, on its own line, in input order:
``{"input": ..., "task": ..., "candidates": [{"rank", "score", "notes", "chords"}]}`` with times
in quarter-note beats from the start of the piece; an unreadable input gives
``{"input": ..., "error": "message"}`` and a non-zero exit status after all inputs ran.
The model is loaded once. The same input, seed and settings give the same candidates.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

from ..errors import ComposerError


def add_arguments(p) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help=".mid, .musicxml, .mxl, .abc or .composer files")
    p.add_argument("--task", choices=("continue", "harmonize"), default="continue")
    p.add_argument("--bars", type=int, default=2, help="bars to continue (default 2)")
    p.add_argument("--from-bar", type=int, default=None, metavar="A", help="first bar (1-based) to harmonize")
    p.add_argument("--to-bar", type=int, default=None, metavar="B",
                   help="last bar (1-based, inclusive) to harmonize; for continue: continue after bar B")
    p.add_argument("--candidates", type=int, default=4, metavar="K", help="number of candidates, 1-16 (default 4)")
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default=None, metavar="DIR", help="model folder (default: the bundled model)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument("--key", default=None, metavar="KEY",
                   help="the key of the whole input (E, Eb minor, F# dorian), or 'auto' to read it from the "
                        "notes whatever the file says (default: the file's keys; none set: read from the notes)")
    p.add_argument("--profile", action="append", default=None, metavar="DIR",
                   help="what the editor learned, from its user data folder: a taste profile folder "
                        "(taste.json and/or decisions.jsonl; the candidates are re-ranked by that taste) and/or "
                        "a learned style (styles/NAME, used as the model); give --profile twice for both")


def _region(score, args):
    """Ticks of the requested bars (1-based, inclusive), or None for the defaults."""
    if args.from_bar is None and args.to_bar is None:
        return None
    meter = score.meter
    n = max(1, score.bar_count)
    a = args.from_bar if args.from_bar is not None else 1
    b = args.to_bar if args.to_bar is not None else n
    for flag, bar in (("--from-bar", args.from_bar), ("--to-bar", args.to_bar)):
        if bar is not None and bar > n:
            raise ComposerError(f"bar {bar} is past the end of the piece ({n} bar{'s' if n != 1 else ''}): "
                                f"{flag} must be at most {n}")
    if a < 1 or b < a:
        raise ComposerError(f"bad bar range {a}-{b}: bars count from 1 and --to-bar must not be before --from-bar")
    return meter.bar(a - 1).start, meter.bar(b - 1).end


def _taste(folder: str):
    """The taste re-ranker of a profile folder; a folder that is missing or holds no profile, or a
    damaged ``taste.json``, is an error (a typo must not silently give the plain ranking)."""
    from pathlib import Path

    from ..generation import decisions, taste

    p = Path(folder)
    if not p.is_dir():
        raise ComposerError(f"{folder}: the taste profile folder does not exist")
    if not taste.model_path(p).exists() and not decisions.log_path(p).exists():
        raise ComposerError(f"{folder}: not a taste profile (it has neither {taste.FILE_NAME} nor "
                            f"{decisions.FILE_NAME})")
    return taste.load(p)


def _profiles(folders: list[str], model: str | None):
    """``(taste re-ranker or None, model folder or None)`` from the ``--profile`` folders: a folder with
    a ``config.json`` is a learned style (a model folder, checked like ``--model``), any other a taste
    profile. At most one of each; a style and ``--model`` together are an error."""
    from pathlib import Path

    from ..music_lm.loading import check_model_dir

    taste = style = None
    for folder in folders:
        if (Path(folder) / "config.json").is_file():
            if style is not None or model is not None:
                raise ComposerError(f"{folder}: a learned style is a model; give one model (--model or one "
                                    "style in --profile), not two")
            check_model_dir(folder)
            style = folder
        else:
            if taste is not None:
                raise ComposerError(f"{folder}: give at most one taste profile folder")
            taste = _taste(folder)
    return taste, style


def _key(text: str | None):
    """The key ``--key`` sets for the whole input (an assumed one for ``auto``), or ``None``."""
    from ..score import KeySignature
    from ..score.keys import parse_key

    if text is None:
        return None
    if text.strip().lower() == "auto":
        return KeySignature(assumed=True)
    try:
        return parse_key(text)
    except ValueError as exc:
        raise ComposerError(f"--key: {exc}") from None


def run(args) -> int:
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    from ..formats import read
    from ..generation.types import SuggestionRequest, SuggestionSettings
    from ..score.keyfinding import describe as describe_readings, reading_keys

    try:
        settings = SuggestionSettings(task=args.task, candidates=args.candidates, bars=args.bars,
                                      temperature=args.temperature, top_p=args.top_p, seed=args.seed)
    except ValueError as exc:
        raise ComposerError(str(exc)) from None
    key = _key(args.key)
    taste, style = _profiles(args.profile or [], args.model)
    from ..generation.engine import SuggestionEngine
    from ..music_lm.loading import load_model

    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    engine = SuggestionEngine(load_model(style or args.model, args.device))
    failures = 0
    for i, path in enumerate(args.inputs):
        try:
            score = read(path)
            if key is not None:
                score = replace(score, key_signatures=(key,))
            region = _region(score, args)
            cands = engine.generate(SuggestionRequest(i + 1, score, settings, region, taste=taste))
            readings = reading_keys(score)[1]
            if readings:  # on stderr: the JSON lines stay as they are
                print(f"composer-app suggest: {path}: {describe_readings(readings, score)}", file=sys.stderr)
            if not cands:  # an empty answer is not a success
                raise ComposerError(f"the model found no {args.task} candidate for {path} within its window; "
                                    f"try fewer bars, another seed or a higher temperature")
            line = {"input": path, "task": args.task,
                    "candidates": [c.to_json(score.tpq) for c in cands]}
        except ComposerError as exc:
            failures += 1
            line = {"input": path, "error": str(exc)}
        print(json.dumps(line), flush=True)
    if failures:
        print(f"composer-app suggest: {failures} of {len(args.inputs)} inputs failed", file=sys.stderr)
    return 1 if failures else 0
