"""Checks shared by the document tests: an exact fingerprint of a score (ids included), the score
model's invariants, and an independent recomputation of what a ``NoteDiff`` must say."""

from __future__ import annotations

import json

from composer_app.score import MODES, Score
from composer_app.score.chords import pitch_class


def _prov(p) -> str | None:
    return None if p is None else json.dumps(p, sort_keys=True, default=str)


def fingerprint(s: Score) -> tuple:
    """Everything in the score, ids and provenance included: equal fingerprints = the same score."""
    tracks = tuple(
        (t.id, t.name, t.channel, t.program, t.muted,
         tuple((n.id, n.pitch, n.start, n.duration, n.velocity, _prov(n.provenance)) for n in t.notes))
        for t in s.tracks)
    chords = tuple((c.id, str(c.symbol), c.start, c.duration, _prov(c.provenance)) for c in s.chords)
    meta = (s.title, s.tempos, s.time_signatures, s.key_signatures, s.chord_program, s.chord_channel,
            s.length, s.tpq)
    return meta, tracks, chords


def score_problems(s: Score) -> list[str]:
    """Violations of the score model's invariants (empty list = fine)."""
    bad: list[str] = []
    if not s.tracks:
        bad.append("no track")
    ids = [t.id for t in s.tracks] + [n.id for n in s.all_notes()] + [c.id for c in s.chords]
    if len(ids) != len(set(ids)):
        bad.append("duplicate ids across tracks/notes/chords")
    for t in s.tracks:
        if not 0 <= t.channel <= 15 or not 0 <= t.program <= 127 or not t.name.strip():
            bad.append(f"bad track {t!r}")
        keys = [(n.start, n.pitch) for n in t.notes]
        if keys != sorted(keys):
            bad.append(f"notes of track {t.id} not sorted by (start, pitch)")
        for n in t.notes:
            if n.start < 0 or n.duration <= 0 or not 0 <= n.pitch <= 127 or not 1 <= n.velocity <= 127:
                bad.append(f"bad note {n!r}")
    starts = [c.start for c in s.chords]
    if starts != sorted(starts):
        bad.append("chords not sorted by start")
    for c in s.chords:
        if c.start < 0 or c.duration <= 0:
            bad.append(f"bad chord {c!r}")
    for a, b in zip(s.chords, s.chords[1:]):
        if a.end > b.start:
            bad.append(f"chords overlap in the lane: {a} / {b}")
    if not all(1 <= t.bpm <= 1000 and t.tick >= 0 for t in s.tempos):
        bad.append(f"bad tempo {s.tempos}")
    for k in s.key_signatures:
        pitch_class(k.tonic)
        if k.mode not in MODES:
            bad.append(f"bad key {k}")
    if not 0 <= s.chord_program <= 127 or not 0 <= s.chord_channel <= 15:
        bad.append("bad chord instrument")
    return bad


def diff_problems(diff, old: Score, new: Score) -> list[str]:
    """Where ``diff`` (a NoteDiff emitted for old -> new) disagrees with the real difference."""
    bad: list[str] = []
    on = {n.id: n for n in old.all_notes()}
    nn = {n.id: n for n in new.all_notes()}
    key = lambda n: (n.pitch, n.start, n.duration, n.velocity)  # noqa: E731
    want_added, want_removed = set(nn) - set(on), set(on) - set(nn)
    want_changed = {i for i in set(on) & set(nn) if key(on[i]) != key(nn[i])}
    if {n.id for n in diff.added} != want_added:
        bad.append(f"added {sorted(n.id for n in diff.added)} != {sorted(want_added)}")
    if {n.id for n in diff.removed} != want_removed:
        bad.append(f"removed {sorted(n.id for n in diff.removed)} != {sorted(want_removed)}")
    if {b.id for _a, b in diff.changed} != want_changed:
        bad.append(f"changed {sorted(b.id for _a, b in diff.changed)} != {sorted(want_changed)}")
    for n in diff.added:
        if nn.get(n.id) is not n:
            bad.append(f"added note {n} is not the score's note")
    for a, b in diff.changed:
        if a.id != b.id or on.get(a.id) is not a or nn.get(b.id) is not b:
            bad.append(f"changed pair {a} -> {b} does not match the scores")
    oc = {c.id: c for c in old.chords}
    nc = {c.id: c for c in new.chords}
    ckey = lambda c: (str(c.symbol), c.start, c.duration)  # noqa: E731
    if {c.id for c in diff.chords_added} != set(nc) - set(oc):
        bad.append("chords_added wrong")
    if {c.id for c in diff.chords_removed} != set(oc) - set(nc):
        bad.append("chords_removed wrong")
    if {b.id for _a, b in diff.chords_changed} != {i for i in set(oc) & set(nc) if ckey(oc[i]) != ckey(nc[i])}:
        bad.append("chords_changed wrong")
    tracks = lambda s: [(t.id, t.name, t.channel, t.program, t.muted) for t in s.tracks]  # noqa: E731
    if diff.tracks_changed != (tracks(old) != tracks(new)):
        bad.append(f"tracks_changed={diff.tracks_changed} but tracks {tracks(old)} -> {tracks(new)}")
    meta = lambda s: (s.tempos, s.time_signatures, s.key_signatures, s.title,  # noqa: E731
                      s.chord_program, s.chord_channel, s.length)
    if diff.meta_changed != (meta(old) != meta(new)):
        bad.append(f"meta_changed={diff.meta_changed} but meta {meta(old)} -> {meta(new)}")
    if fingerprint(old) != fingerprint(new) and not (
            diff.notes_touched or diff.chords_touched or diff.tracks_changed or diff.meta_changed):
        bad.append("the score changed but the diff is empty")
    return bad
