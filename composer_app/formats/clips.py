"""MIDI clips: a part of a score as a small Standard MIDI File for a DAW. Pure Python, no Qt.

A clip holds the chosen notes (the selection, or a suggestion candidate) and the chords in the
same span of whole bars, with the score's tempo, meter and key in force there. Times are shifted
so that the clip starts at the bar line of its first bar: dropped on a bar in a DAW, it lines up.

* :func:`clip_from_selection` — from a score and the ids of selected notes (and chords);
* :func:`clip_from_material` — from loose notes and chords (a suggestion candidate) on a score;
* :func:`clip_filename` — a readable file name, e.g. ``My-Song-bars-3-6.mid``;
* :func:`write_clip` — write a clip into a folder (by default ``<cache>/clips``) and keep only the
  newest few files there (the drag-and-drop files of earlier drags).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable

from ..score import Chord, Note, Score, Tempo, Track

#: How many clip files :func:`write_clip` keeps in its folder (oldest go first).
KEEP_CLIPS = 20
CLIP_SUFFIX = ".mid"


@dataclass(frozen=True)
class Clip:
    """``score`` starts at tick 0 on a bar line; ``offset`` is the tick in the source score that
    became 0; ``first_bar``/``last_bar`` are the 0-based indices of the source bars it covers."""

    score: Score
    offset: int
    first_bar: int
    last_bar: int
    #: The number the ruler gives the bar with index 0: 1, or 0 for a pickup.
    bar_base: int = 1

    @property
    def bars_label(self) -> str:
        """``"bar-3"`` or ``"bars-3-6"`` (bar numbers as the ruler shows them: a pickup is bar 0)."""
        a, b = self.first_bar + self.bar_base, self.last_bar + self.bar_base
        return f"bar-{a}" if a == b else f"bars-{a}-{b}"

    @property
    def bars_text(self) -> str:
        """``"bar 3"`` or ``"bars 3-6"`` for messages."""
        return self.bars_label.replace("-", " ", 1)

    @property
    def note_count(self) -> int:
        return len(self.score.all_notes())

    @property
    def summary(self) -> str:
        """``"7 notes and 2 chords"`` for messages."""
        n, c = self.note_count, len(self.score.chords)
        notes = f"{n} note{'s' if n != 1 else ''}"
        return notes + (f" and {c} chord{'s' if c != 1 else ''}" if c else "")


def _shifted_meta(items, offset: int, end: int, at_start):
    """The item in force at ``offset`` moved to tick 0, then the changes inside ``(offset, end)`` shifted."""
    first = replace(at_start, tick=0)
    later = [replace(x, tick=x.tick - offset) for x in items if offset < x.tick < end]
    return (first, *later)


def _span(score: Score, ranges: list[tuple[int, int]], region: tuple[int, int] | None) -> tuple[int, int]:
    """Whole bars from the bar of the earliest start to the end of the bar of the latest end."""
    if region is not None:
        ranges = ranges + [region]
    meter = score.meter
    start = meter.bar_at(min(s for s, _ in ranges)).start
    end = meter.bar_at(max(e for _, e in ranges) - 1).end
    return start, end


def _build(score: Score, tracks: list[Track], chords: Iterable[Chord], span: tuple[int, int]) -> Clip:
    start, end = span
    shifted_tracks = tuple(t.with_notes(replace(n, start=n.start - start) for n in t.notes) for t in tracks)
    clipped = []
    for c in chords:
        a, b = max(c.start, start), min(c.end, end)
        if b > a:
            clipped.append(replace(c, start=a - start, duration=b - a))
    meter = score.meter
    clip_score = replace(
        score,
        tracks=shifted_tracks or (replace(score.melody, notes=()),),
        chords=tuple(clipped),
        tempos=_shifted_meta(score.tempos, start, end, _tempo_at(score, start)),
        time_signatures=_shifted_meta(score.time_signatures, start, end, meter.signature_at(start)),
        key_signatures=_shifted_meta(score.key_signatures, start, end, score.key_at(start)),
        length=end - start,  # whole bars: the DAW's clip ends on a bar line
        pickup=score.pickup if start == 0 else 0,  # a clip from the pickup keeps it partial
    )
    return Clip(clip_score, start, meter.bar_at(start).index, meter.bar_at(end - 1).index,
                meter.bar_number(0))


def _tempo_at(score: Score, tick: int) -> Tempo:
    found = score.tempos[0] if score.tempos else Tempo()
    for t in score.tempos:
        if t.tick <= tick:
            found = t
    return found


def clip_from_selection(score: Score, note_ids: Iterable[int], chord_ids: Iterable[int] = ()) -> Clip | None:
    """The selected notes (each on a copy of its track) and every chord that sounds in the bars they
    span (selected chords widen the span too). ``None`` when nothing of ``score`` is selected."""
    note_ids, chord_ids = set(note_ids), set(chord_ids)
    tracks = [t.with_notes(n for n in t.notes if n.id in note_ids) for t in score.tracks]
    tracks = [t for t in tracks if t.notes]
    chosen_chords = [c for c in score.chords if c.id in chord_ids]
    ranges = [(n.start, n.end) for t in tracks for n in t.notes] + [(c.start, c.end) for c in chosen_chords]
    if not ranges:
        return None
    span = _span(score, ranges, None)
    chords = [c for c in score.chords if c.start < span[1] and c.end > span[0]]
    return _build(score, tracks, chords, span)


def clip_from_material(score: Score, notes: Iterable[Note], chords: Iterable[Chord] = (),
                       region: tuple[int, int] | None = None, track: Track | None = None) -> Clip | None:
    """Loose notes and chords (e.g. a suggestion candidate placed on ``score``) as a clip with the
    score's tempo, meter and key. ``region`` (ticks) widens the span to its bars (a candidate that
    opens with a rest still starts on its bar); the notes go on a copy of ``track`` (default: the
    melody track) so the DAW gets its name and instrument. ``None`` when there is nothing."""
    notes, chords = list(notes), list(chords)
    ranges = [(n.start, n.end) for n in notes] + [(c.start, c.end) for c in chords]
    if not ranges:
        return None
    base = track if track is not None else score.melody
    tracks = [base.with_notes(notes)] if notes else []
    return _build(score, tracks, chords, _span(score, ranges, region))


def _slug(text: str, limit: int = 40) -> str:
    """Letters, digits, ``-`` and ``_`` only (any script's letters are kept), spaces as ``-``."""
    s = re.sub(r"[^\w\-]+", "-", text.strip(), flags=re.UNICODE).strip("-_")
    return s[:limit].rstrip("-_")


def clip_filename(title: str, clip: Clip, tag: str = "") -> str:
    """``<title>[-<tag>]-bars-3-6.mid``; ``clip`` when the title has nothing usable."""
    parts = [_slug(title) or "clip"]
    if tag:
        parts.append(_slug(tag))
    parts.append(clip.bars_label)
    return "-".join(p for p in parts if p) + CLIP_SUFFIX


def default_clips_dir() -> Path:
    """``<user cache>/clips`` (created)."""
    from ..paths import cache_dir

    folder = cache_dir() / "clips"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clip_bytes(clip: Clip) -> bytes:
    """The clip as Standard MIDI File bytes."""
    import io

    from .midi import midi_from_score

    buf = io.BytesIO()
    midi_from_score(clip.score).save(file=buf)
    return buf.getvalue()


def write_clip(clip: Clip, title: str, folder: str | Path | None = None, tag: str = "",
               keep: int = KEEP_CLIPS) -> Path:
    """Write ``clip`` as ``<folder>/<clip_filename>`` and return the path. A file of that name with
    other content is kept (a DAW may still be reading it): the new one gets ``-2``, ``-3`` ...
    Afterwards only the ``keep`` newest clip files of the folder remain. Raises
    :class:`~composer_app.errors.FileFormatError` when the folder cannot be written."""
    from ._atomic import atomic_write_bytes

    folder = Path(folder) if folder is not None else default_clips_dir()
    folder.mkdir(parents=True, exist_ok=True)
    data = clip_bytes(clip)
    name = clip_filename(title, clip, tag)
    path = folder / name
    n = 1
    while path.exists():
        try:
            if path.read_bytes() == data:
                os.utime(path)  # the same clip again: reuse it, newest now
                break
        except OSError:
            pass
        n += 1
        path = folder / f"{name[:-len(CLIP_SUFFIX)]}-{n}{CLIP_SUFFIX}"
    else:
        atomic_write_bytes(path, data)
    prune_clips(folder, keep, protect=path)
    return path


def prune_clips(folder: str | Path, keep: int = KEEP_CLIPS, protect: Path | None = None) -> list[Path]:
    """Delete all but the ``keep`` most recently written ``.mid`` files in ``folder`` (never
    ``protect``); returns what was deleted. Files that cannot be deleted are left alone."""
    folder = Path(folder)
    try:
        files = [p for p in folder.iterdir() if p.suffix.lower() == CLIP_SUFFIX and p.is_file()
                 and not p.name.startswith(".")]
    except OSError:
        return []

    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime_ns
        except OSError:
            return 0

    files.sort(key=lambda p: (mtime(p), p.name), reverse=True)
    removed = []
    for p in files[max(0, keep):]:
        if protect is not None and p == protect:
            continue
        try:
            p.unlink()
            removed.append(p)
        except OSError:
            pass
    return removed
