"""Accepting a suggestion: the pure part (no Qt, no torch).

:func:`accept_candidate` turns a :class:`~composer_app.generation.types.Candidate` (whole, or the
picked ghost notes, or its first bars) into the new score that the GUI pushes as ONE
``ScoreDocument.edit``. The assistant controller calls it; so does the document's stateful test,
which is why it is not inside the widget code.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable

from ..score import Chord, Note, Score, edits
from .types import Candidate


@dataclass(frozen=True)
class Acceptance:
    """The result of accepting: the new score and the fresh notes and chords it gained."""

    score: Score
    notes: tuple[Note, ...]
    chords: tuple[Chord, ...]
    #: Candidate note ids the composer kept (partial accept), for the decision log; None = all.
    kept_ids: frozenset[int] | None


def accept_candidate(score: Score, cand: Candidate, track_id: int, *, partial: bool = False,
                     picked: Iterable[int] = (), keep_bars: int = 1) -> Acceptance | None:
    """The score with ``cand`` inserted into track ``track_id``; ``None`` when nothing is left to accept.

    With ``partial``, only the ``picked`` candidate notes (and the candidate's chords in their bars)
    are kept, or, when nothing is picked, the first ``keep_bars`` bars of the candidate (notes and
    chords cut at that bar line). Harmonize and infill candidates replace the chords starting in
    their region; infill also replaces the track's notes starting there. Every inserted note and
    chord is new (fresh id) and carries the candidate's provenance with its rank and score.
    """
    notes, chords = list(cand.notes), list(cand.chords)
    kept_ids = None
    meter = score.meter
    if partial:
        picked = set(picked)
        if picked:
            notes = [n for n in notes if n.id in picked]
            bars = {meter.bar_at(n.start).index for n in notes}
            chords = [c for c in chords if meter.bar_at(c.start).index in bars]
            kept_ids = frozenset(picked)
        else:
            first = meter.bar_at(cand.region[0]).index
            limit = meter.bar(first + keep_bars).start
            notes = [replace(n, duration=min(n.duration, limit - n.start)) for n in notes if n.start < limit]
            chords = [replace(c, duration=min(c.duration, limit - c.start)) for c in chords if c.start < limit]
            kept_ids = frozenset(n.id for n in notes)
    if not notes and not chords:
        return None
    prov = dict(cand.provenance, rank=cand.rank, score=round(cand.score, 4))
    new_notes = tuple(Note(n.pitch, n.start, n.duration, n.velocity, provenance=prov) for n in notes)
    new_chords = tuple(Chord(c.symbol, c.start, c.duration, provenance=prov) for c in chords)
    a, b = cand.region
    if cand.task in ("harmonize", "infill"):
        score = score.with_chords(c for c in score.chords if not (a <= c.start < b))
    new_score = edits.insert_material(score, track_id, new_notes, new_chords,
                                      replace_range=(a, b) if cand.task == "infill" else None)
    return Acceptance(new_score, new_notes, new_chords, kept_ids)
