"""The native project file (``.composer``): versioned JSON holding everything in a :class:`Score`.

Layout (version 1)::

    {"format": "composer-assistant-project", "version": 1, "tpq": 480,
     "title": "...", "chord_program": 0, "chord_channel": 1,
     "tempos": [{"tick": 0, "bpm": 120.0}],
     "time_signatures": [{"tick": 0, "numerator": 4, "denominator": 4}],
     "key_signatures": [{"tick": 0, "tonic": "C", "mode": "major"}],
     "tracks": [{"name": "Melody", "channel": 0, "program": 0, "muted": false,
                 "notes": [{"pitch": 60, "start": 0, "duration": 480, "velocity": 90,
                            "provenance": {...}}]}],
     "chords": [{"symbol": "Am7", "start": 0, "duration": 1920, "provenance": {...}}]}

``provenance`` is present only when set, ``"assumed": true`` only on a key nobody set (see
:class:`~composer_app.score.KeySignature`); ``"pickup": 480`` (ticks) only for a score that starts
with a pickup bar. Files are written atomically (temporary file + rename),
so a crash while saving never destroys the previous version. A file from a newer version of the
format is refused with a message saying so.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import ChordSymbolError, FileFormatError
from ..score import TPQ, Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature, Track
from ..score.time import rescale
from ._atomic import atomic_write_bytes
from ._common import MAX_TICK, read_bytes

FORMAT_NAME = "composer-assistant-project"
FORMAT_VERSION = 1


# ---- writing ---------------------------------------------------------------------------------
def _with_provenance(d: dict, provenance) -> dict:
    if provenance:
        d["provenance"] = provenance
    return d


def score_to_dict(score: Score) -> dict[str, Any]:
    """The JSON-ready dictionary for ``score`` (see the module docstring)."""
    from .. import __version__

    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "app": f"composer-app {__version__}",
        "tpq": TPQ,
        "title": score.title,
        "chord_program": score.chord_program,
        "chord_channel": score.chord_channel,
        "length": score.length,
        **({"pickup": score.pickup} if score.pickup else {}),
        "tempos": [{"tick": t.tick, "bpm": t.bpm} for t in score.tempos],
        "time_signatures": [{"tick": t.tick, "numerator": t.numerator, "denominator": t.denominator}
                            for t in score.time_signatures],
        "key_signatures": [{"tick": k.tick, "tonic": k.tonic, "mode": k.mode, **({"assumed": True} if k.assumed else {})}
                           for k in score.key_signatures],
        "tracks": [
            {
                "name": t.name, "channel": t.channel, "program": t.program, "muted": t.muted,
                "notes": [_with_provenance({"pitch": n.pitch, "start": n.start, "duration": n.duration,
                                            "velocity": n.velocity}, n.provenance) for n in t.notes],
            }
            for t in score.tracks
        ],
        "chords": [_with_provenance({"symbol": str(c.symbol), "start": c.start, "duration": c.duration},
                                    c.provenance) for c in score.chords],
    }


def write_project(score: Score, path: str | Path) -> None:
    """Save ``score`` as a project file, atomically."""
    path = Path(path)
    try:
        text = json.dumps(score_to_dict(score), indent=1, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:
        raise FileFormatError(path, f"could not be saved ({exc})") from None
    atomic_write_bytes(path, (text + "\n").encode("utf-8"))


# ---- reading ---------------------------------------------------------------------------------
class _Bad(Exception):
    """A problem at a place in the document (turned into a FileFormatError)."""


def _get(d: dict, key: str, kind, where: str, default=...):
    if not isinstance(d, dict):
        raise _Bad(f"{where} should be an object")
    if key not in d:
        if default is ...:
            raise _Bad(f"{where}.{key} is missing")
        return default
    value = d[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise _Bad(f"{where}.{key} should be {names}, not {type(value).__name__}")
    return value


def _list(d: dict, key: str, where: str) -> list:
    return _get(d, key, list, where, [])


def _provenance(d: dict, where: str):
    p = d.get("provenance") if isinstance(d, dict) else None
    if p is not None and not isinstance(p, dict):
        raise _Bad(f"{where}.provenance should be an object")
    return p or None


def _from_start(items: tuple) -> tuple:
    """Tempo/meter/key changes with the first one applying from tick 0 (as every reader gives them)."""
    items = tuple(sorted(items, key=lambda x: x.tick))
    if items[0].tick != 0:
        items = (replace(items[0], tick=0),) + items[1:]
    return items


def _length(doc: dict, t) -> int:
    """The notated length (lenient: a missing, non-integer or negative one is 0)."""
    value = doc.get("length", 0)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        return 0
    return t(value)


def _pickup(doc: dict, t) -> int:
    """The pickup bar's length (a missing one is 0; one that is not a whole number of ticks is refused)."""
    value = doc.get("pickup", 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Bad(f"project.pickup {value!r} is not a length in ticks")
    return t(value) if value else 0


def score_from_dict(doc: Any) -> Score:
    """Build a :class:`Score` from a parsed project document; raises ``ValueError`` with a place."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise _Bad("not a Composer Assistant project (the 'format' field is missing or different)")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _Bad(f"the project format version {version!r} is not valid")
    if version > FORMAT_VERSION:
        raise _Bad(f"it was saved by a newer version of Composer Assistant (project format version "
                   f"{version}; this version reads up to {FORMAT_VERSION}); please update the app")
    tpq = _get(doc, "tpq", int, "project", TPQ)
    if not 0 < tpq <= 1_000_000_000:
        raise _Bad(f"project.tpq {tpq} must be positive (and sensible)")

    def t(x: int) -> int:
        """A time in the file's ticks (a start, tick or length) in ours, within the readers' limits."""
        out = rescale(x, tpq, TPQ) if abs(x) <= 2 ** 62 else x
        if out > MAX_TICK:
            raise _Bad(f"a time of {x} ticks is past the end of any piece (the limit is {MAX_TICK * tpq // TPQ})")
        if out < 0:
            raise _Bad(f"a time of {x} ticks is negative")
        return out

    def d(x: int) -> int:
        """A duration: at least one tick (a zero or negative length in a damaged file becomes 1)."""
        return max(1, t(x)) if x > 0 else 1

    try:
        tempos = tuple(Tempo(_get(e, "bpm", float, f"tempos[{i}]"), t(_get(e, "tick", int, f"tempos[{i}]", 0)))
                       for i, e in enumerate(_list(doc, "tempos", "project")))
        sigs = tuple(TimeSignature(_get(e, "numerator", int, f"time_signatures[{i}]"),
                                   _get(e, "denominator", int, f"time_signatures[{i}]"),
                                   t(_get(e, "tick", int, f"time_signatures[{i}]", 0)))
                     for i, e in enumerate(_list(doc, "time_signatures", "project")))
        keys = tuple(KeySignature(_get(e, "tonic", str, f"key_signatures[{i}]"),
                                  _get(e, "mode", str, f"key_signatures[{i}]", "major"),
                                  t(_get(e, "tick", int, f"key_signatures[{i}]", 0)),
                                  _get(e, "assumed", bool, f"key_signatures[{i}]", False))
                     for i, e in enumerate(_list(doc, "key_signatures", "project")))
    except (ValueError, TypeError) as exc:
        if isinstance(exc, _Bad):
            raise
        raise _Bad(f"a tempo, meter or key is invalid ({exc})") from None
    tracks = []
    for i, td in enumerate(_list(doc, "tracks", "project")):
        where = f"tracks[{i}]"
        notes = []
        for j, nd in enumerate(_list(td, "notes", where)):
            w = f"{where}.notes[{j}]"
            try:
                notes.append(Note(_get(nd, "pitch", int, w), t(_get(nd, "start", int, w)),
                                  d(_get(nd, "duration", int, w)), _get(nd, "velocity", int, w, 90),
                                  provenance=_provenance(nd, w)))
                if notes[-1].end > MAX_TICK:
                    raise _Bad(f"{w} ends past the end of any piece (tick {MAX_TICK})")
            except _Bad:
                raise
            except (ValueError, TypeError) as exc:
                raise _Bad(f"{w}: {exc}") from None
        try:
            tracks.append(Track(name=_get(td, "name", str, where, f"Track {i + 1}"),
                                channel=_get(td, "channel", int, where, 0),
                                program=_get(td, "program", int, where, 0),
                                notes=tuple(notes), muted=_get(td, "muted", bool, where, False)))
        except _Bad:
            raise
        except (ValueError, TypeError) as exc:
            raise _Bad(f"{where}: {exc}") from None
    chords = []
    for i, cd in enumerate(_list(doc, "chords", "project")):
        w = f"chords[{i}]"
        try:
            chords.append(Chord(ChordSymbol.parse(_get(cd, "symbol", str, w)), t(_get(cd, "start", int, w)),
                                d(_get(cd, "duration", int, w)), provenance=_provenance(cd, w)))
            if chords[-1].end > MAX_TICK:
                raise _Bad(f"{w} ends past the end of any piece (tick {MAX_TICK})")
        except _Bad:
            raise
        except (ChordSymbolError, ValueError, TypeError) as exc:
            raise _Bad(f"{w}: {exc}") from None
    kwargs: dict[str, Any] = {}
    if tempos:
        kwargs["tempos"] = _from_start(tempos)
    if sigs:
        kwargs["time_signatures"] = _from_start(sigs)
    if keys:
        kwargs["key_signatures"] = _from_start(keys)
    if tracks:
        kwargs["tracks"] = tuple(tracks)
    chord_program = _get(doc, "chord_program", int, "project", 0)
    chord_channel = _get(doc, "chord_channel", int, "project", 1)
    if not 0 <= chord_program <= 127:
        raise _Bad(f"project.chord_program {chord_program} is not a General MIDI program (0-127)")
    if not 0 <= chord_channel <= 15:
        raise _Bad(f"project.chord_channel {chord_channel} is not a MIDI channel (0-15)")
    try:
        return Score(title=_get(doc, "title", str, "project", ""), chords=tuple(chords),
                     chord_program=chord_program, chord_channel=chord_channel,
                     length=_length(doc, t), pickup=_pickup(doc, t),
                     **kwargs)
    except _Bad:
        raise
    except (ValueError, TypeError) as exc:
        raise _Bad(str(exc)) from None


def _short(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def read_project(path: str | Path) -> Score:
    """Open a project file; any problem is a :class:`FileFormatError` naming the file and the reason."""
    path = Path(path)
    data = read_bytes(path)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileFormatError(path, "not a Composer Assistant project (it is not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, f"the project file is damaged or truncated (invalid JSON at line "
                              f"{exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise FileFormatError(path, "the project file is damaged (nested too deeply)") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise FileFormatError(path, f"the project file is damaged ({_short(exc)})") from None
    try:
        return score_from_dict(doc)
    except _Bad as exc:
        msg = str(exc)
        if not msg.startswith(("not a", "it was saved", "the project")):
            msg = f"invalid project file: {msg}"
        if len(msg) > 300:  # e.g. a number of thousands of digits quoted back
            msg = msg[:297] + "..."
        raise FileFormatError(path, msg) from None
