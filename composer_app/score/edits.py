"""Pure edit operations on a Score: each takes a Score (and ids) and returns a new Score.

The document layer wraps every one of these in a single undo command; the GUI never mutates
anything itself. Functions that create notes return the new ids so the selection can follow them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from .chords import ChordSymbol
from .model import Chord, Note, Score
from .time import snap

# ---- notes -------------------------------------------------------------------------------


def _map_notes(score: Score, ids: set[int], fn) -> Score:
    tracks = []
    for t in score.tracks:
        if any(n.id in ids for n in t.notes):
            new = []
            for n in t.notes:
                if n.id in ids:
                    r = fn(n)
                    if r is not None:
                        new.append(r)
                else:
                    new.append(n)
            t = t.with_notes(new)
        tracks.append(t)
    return score.with_tracks(tracks)


def add_notes(score: Score, track_id: int, notes: Iterable[Note]) -> Score:
    t = score.track_by_id(track_id)
    return score.with_track(t.with_notes(t.notes + tuple(notes)))


def remove_notes(score: Score, ids: Iterable[int]) -> Score:
    ids = set(ids)
    return _map_notes(score, ids, lambda n: None)


def replace_notes(score: Score, new_notes: Iterable[Note]) -> Score:
    """Replace notes that share an id with one of ``new_notes``."""
    by_id = {n.id: n for n in new_notes}
    return _map_notes(score, set(by_id), lambda n: by_id[n.id])


def move_notes(score: Score, ids: Iterable[int], dticks: int = 0, dpitch: int = 0) -> Score:
    """Move notes in time and pitch; the whole group is clamped so none leaves the valid range."""
    ids = set(ids)
    chosen = [n for n in score.all_notes() if n.id in ids]
    if not chosen:
        return score
    dticks = max(dticks, -min(n.start for n in chosen))
    dpitch = max(min(dpitch, 127 - max(n.pitch for n in chosen)), -min(n.pitch for n in chosen))
    return _map_notes(score, ids, lambda n: replace(n, start=n.start + dticks, pitch=n.pitch + dpitch))


def transpose_notes(score: Score, ids: Iterable[int], semitones: int) -> Score:
    return move_notes(score, ids, 0, semitones)


def resize_notes(score: Score, ids: Iterable[int], dticks: int, minimum: int = 1) -> Score:
    return _map_notes(score, set(ids), lambda n: replace(n, duration=max(minimum, n.duration + dticks)))


def set_velocity(score: Score, ids: Iterable[int], velocity: int | None = None, delta: int = 0) -> Score:
    def fn(n: Note) -> Note:
        v = velocity if velocity is not None else n.velocity + delta
        return replace(n, velocity=max(1, min(127, int(v))))

    return _map_notes(score, set(ids), fn)


def quantize_notes(score: Score, ids: Iterable[int], grid: int, lengths: bool = True) -> Score:
    """Snap starts (and optionally lengths) of the notes to ``grid`` ticks."""

    def fn(n: Note) -> Note:
        start = snap(n.start, grid)
        dur = max(grid, snap(n.duration, grid)) if lengths else n.duration
        return replace(n, start=start, duration=dur)

    return _map_notes(score, set(ids), fn)


def copy_notes(notes: Iterable[Note], dticks: int, dpitch: int = 0) -> list[Note]:
    """Fresh copies (new ids) shifted by ``dticks``/``dpitch``."""
    return [Note(n.pitch + dpitch, n.start + dticks, n.duration, n.velocity) for n in notes
            if 0 <= n.pitch + dpitch <= 127 and n.start + dticks >= 0]


def duplicate_offset(score: Score, span_start: int, span_end: int) -> int:
    """How far "duplicate" shifts material spanning ``[span_start, span_end)``: by whole bars when
    the span starts inside its first bar (the usual case), else by the exact span."""
    meter = score.meter
    bar = meter.bar_at(span_start)
    length = span_end - span_start
    if bar.start <= span_start and span_end <= meter.bar_at(max(span_end - 1, 0)).end:
        bars_end = meter.bar_at(max(span_end - 1, 0)).end
        length = bars_end - bar.start if span_start - bar.start < bar.length else length
    return length


def duplicate_notes(score: Score, ids: Iterable[int]) -> tuple[Score, list[int]]:
    """Copy the notes right after the selection's span; returns the new score and the new ids."""
    out, new_ids, _ = duplicate_selection(score, ids, ())
    return out, new_ids


def duplicate_selection(score: Score, note_ids: Iterable[int], chord_ids: Iterable[int]
                        ) -> tuple[Score, list[int], list[int]]:
    """Copy notes and chords together right after their common span (see :func:`duplicate_offset`).
    Returns the new score, the new note ids and the new chord ids."""
    note_ids, chord_ids = set(note_ids), set(chord_ids)
    notes = [n for n in score.all_notes() if n.id in note_ids]
    chords = [c for c in score.chords if c.id in chord_ids]
    if not notes and not chords:
        return score, [], []
    span_start = min([n.start for n in notes] + [c.start for c in chords])
    span_end = max([n.end for n in notes] + [c.end for c in chords])
    length = duplicate_offset(score, span_start, span_end)
    out = score
    new_ids: list[int] = []
    for t in score.tracks:
        mine = [n for n in t.notes if n.id in note_ids]
        if mine:
            copies = copy_notes(mine, length)
            new_ids += [c.id for c in copies]
            out = add_notes(out, t.id, copies)
    new_chords = [Chord(c.symbol, c.start + length, c.duration) for c in chords]
    if new_chords:
        out = _place_chords(out, new_chords)
    return out, new_ids, [c.id for c in new_chords]


def paste_notes(score: Score, track_id: int, clip: list[Note], at: int) -> tuple[Score, list[int]]:
    """Paste clipboard notes (times relative to their earliest start) at tick ``at``."""
    if not clip:
        return score, []
    base = min(n.start for n in clip)
    copies = copy_notes(clip, at - base)
    return add_notes(score, track_id, copies), [c.id for c in copies]


# ---- chords ------------------------------------------------------------------------------


def add_chord(score: Score, symbol: ChordSymbol | str, start: int, duration: int) -> tuple[Score, Chord]:
    """Insert a chord; chords it overlaps are trimmed or removed so the lane stays one chord at a time."""
    if isinstance(symbol, str):
        symbol = ChordSymbol.parse(symbol)
    chord = Chord(symbol, start, duration)
    return _place_chords(score, [chord]), chord


def _place_chords(score: Score, placed: list[Chord], ignore: frozenset[int] | set[int] = frozenset()) -> Score:
    """Put ``placed`` chords in the lane, trimming/removing the others they overlap."""
    kept: list[Chord] = []
    placed_ids = {c.id for c in placed}
    for c in score.chords:
        if c.id in placed_ids or c.id in ignore:
            continue
        pieces = [c]
        for p in placed:
            nxt = []
            for q in pieces:
                if q.end <= p.start or q.start >= p.end:
                    nxt.append(q)
                    continue
                if q.start < p.start:
                    nxt.append(replace(q, duration=p.start - q.start))
                if q.end > p.end and q.start >= p.start:
                    nxt.append(replace(q, start=p.end, duration=q.end - p.end))
                elif q.end > p.end:
                    nxt.append(Chord(q.symbol, p.end, q.end - p.end))
            pieces = nxt
        kept.extend(pieces)
    return score.with_chords(kept + list(placed))


def remove_chords(score: Score, ids: Iterable[int]) -> Score:
    ids = set(ids)
    return score.with_chords(c for c in score.chords if c.id not in ids)


def change_chord(score: Score, chord_id: int, *, symbol: ChordSymbol | str | None = None,
                 start: int | None = None, duration: int | None = None) -> Score:
    old = next((c for c in score.chords if c.id == chord_id), None)
    if old is None:
        raise KeyError(chord_id)
    if isinstance(symbol, str):
        symbol = ChordSymbol.parse(symbol)
    new = replace(old, symbol=symbol or old.symbol,
                  start=old.start if start is None else max(0, start),
                  duration=old.duration if duration is None else max(1, duration))
    return _place_chords(score.with_chords(c for c in score.chords if c.id != chord_id), [new])


def move_chords(score: Score, ids: Iterable[int], dticks: int) -> Score:
    ids = set(ids)
    chosen = [c for c in score.chords if c.id in ids]
    if not chosen:
        return score
    dticks = max(dticks, -min(c.start for c in chosen))
    moved = [replace(c, start=c.start + dticks) for c in chosen]
    return _place_chords(score.with_chords(c for c in score.chords if c.id not in ids), moved)


def transpose_chords(score: Score, ids: Iterable[int], semitones: int) -> Score:
    ids = set(ids)
    flats = score.key.prefers_flats
    return score.with_chords(replace(c, symbol=c.symbol.transposed(semitones, flats)) if c.id in ids else c
                             for c in score.chords)


def insert_material(score: Score, track_id: int, notes: Iterable[Note], chords: Iterable[Chord],
                    replace_range: tuple[int, int] | None = None) -> Score:
    """Add notes and chords (e.g. an accepted suggestion). With ``replace_range`` the notes of the
    track that start inside it are removed first (infill / regenerate)."""
    if replace_range is not None:
        a, b = replace_range
        t = score.track_by_id(track_id)
        score = score.with_track(t.with_notes(n for n in t.notes if not a <= n.start < b))
    score = add_notes(score, track_id, notes)
    chords = list(chords)
    if chords:
        score = _place_chords(score, chords)
    return score
