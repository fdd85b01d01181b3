"""Which key a melody is in, and whether the key a score declares fits it. Pure Python.

A MIDI file from a DAW rarely carries a key signature, and a new document starts in C major, so
the key a score says it is in is often not the key its melody is in. The assistant's models
count every note and chord from the tonic, so they read a melody in E flat under "C major" as
chromatic music in C. :func:`reading_keys` gives the keys the assistant reads: the ones the
composer or the file set, and where none is set (:attr:`KeySignature.assumed`) the keys estimated
from the notes, bar by bar (:func:`_estimate_keys`). Where the melody clearly leaves a set key,
over its whole span (a DAW's default C major over a melody in E flat) or for a stretch (a last
chorus a step up that nobody marked), it too is read as the key of the notes there, with a word
saying so: a musician harmonizing the melody would, and the score keeps the key set. Reading a
stretch in the key set had put "C7 D7" under a plain C major tune and "A7 Ab7" under its D flat
chorus; on the development and held-out pieces, whose keys are notated, it changes nothing.

The estimate is the Krumhansl-Schmuckler method (the correlation of the melody's duration-weighted
pitch classes with a major and a minor key profile, rotated to each of the 12 tonics), with the
profiles as :mod:`music21.analysis.discrete` and Humdrum's ``keycor`` publish them. It is written
out here rather than run through music21 because it is a dozen lines over 12 numbers, and the
harmonize path must not build a music21 stream (tens of milliseconds per call) or import music21
(seconds) for it.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .keys import KeySignature
from .model import Score

#: Major and minor key profiles (weights of the 12 pitch classes above the tonic).
PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "krumhansl": ((6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
                  (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)),
    "aarden": ((17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624, 8.15494,
                0.232998, 4.95122),
               (18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621, 1.93186,
                7.37619, 1.75623)),
    "bellman": ((16.80, 0.86, 12.95, 1.41, 13.49, 11.93, 1.25, 20.28, 1.80, 8.04, 0.62, 10.57),
                (18.16, 0.69, 12.99, 13.34, 1.07, 11.15, 1.38, 21.07, 7.49, 1.53, 0.92, 10.21)),
    "temperley": ((0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
                  (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330)),
}
#: Temperley-Kostka-Payne: on the training titles of this project's data (folk tunes, lead sheets,
#: pop songs) it finds the notated key most often (Nottingham 89 %, OpenEWLD 70 %, POP909 81 %;
#: the notated scale 93 %, 83 %, 92 %), against Krumhansl-Kessler's 80 %, 54 %, 69 %.
DEFAULT_PROFILE = "temperley"
#: A melody says enough about its key with this many quarter notes' worth of sound or this many
#: notes (16 clicked sixteenths are a tune, though they sound for 4 beats); less keeps the key as it
#: is, unless the chords (as many beats' worth) stand in.
MIN_BEATS = 8.0
MIN_NOTES = 8
#: A set key does not fit the melody (of its span, or of a stretch of it) when at least this share
#: of the melody's sounding time lies outside its scale and that share is :data:`MISFIT_RATIO`
#: times the estimate's (and the estimate's scale is another): a "C major" a DAW wrote by default
#: over a melody in E flat, not a chromatic passage in a key the composer chose.
MISFIT_SHARE = 0.05
MISFIT_RATIO = 3.0
#: Where no key is set the key may change (a pop song's last chorus a step up): each bar's key is
#: read from the melody of :data:`WINDOW_BARS` bars on each side of it, and the keys of the bars
#: are chosen together, a change of key costing :data:`CHANGE_COST` (in correlation units, the
#: best path over the 24 keys). On the development pop songs with no key set this read 0.430 of
#: the chord roots against 0.418 for one key per piece (0.438 with the notated keys); the folk
#: tunes and lead sheets were unchanged. Costs from 4 to 6 gave the same; 2 and 3 found changes
#: that are not there.
WINDOW_BARS = 4
CHANGE_COST = 4.0


def pitch_class_weights(notes: Iterable, start: int = 0, end: int | None = None) -> list[float]:
    """Per pitch class, how long the ``notes`` (anything with ``pitch``, ``start``, ``end``) sound
    inside ``[start, end)``, in ticks."""
    w = [0.0] * 12
    for n in notes:
        a, b = max(n.start, start), n.end if end is None else min(n.end, end)
        if b > a:
            w[n.pitch % 12] += b - a
    return w


def _centred(profile: str) -> list[tuple[str, list[float], float]]:
    """Per mode of ``profile``: the profile minus its mean, and its sum of squares."""
    out = []
    for mode, p in zip(("major", "minor"), PROFILES[profile]):
        m = sum(p) / 12
        out.append((mode, [v - m for v in p], sum((v - m) ** 2 for v in p)))
    return out


def key_correlations(weights: list[float], profile: str = DEFAULT_PROFILE) -> list[tuple[float, int, str]]:
    """``(correlation, tonic pitch class, mode)`` of the 24 major and minor keys, best first (the
    Pearson correlation of the weights, rotated to each tonic, with the mode's profile)."""
    mx = sum(weights) / 12
    x = [w - mx for w in weights]
    sxx = sum(v * v for v in x)  # the same for every rotation
    out = []
    for mode, y, syy in _centred(profile):
        norm = math.sqrt(sxx * syy)
        for tonic in range(12):
            dot = sum(x[(tonic + i) % 12] * y[i] for i in range(12))  # x[(tonic + i) % 12]: degree i
            out.append((dot / norm if norm > 0 else 0.0, tonic, mode))
    return sorted(out, key=lambda r: -r[0])


def estimate_key(weights: list[float], tick: int = 0, profile: str = DEFAULT_PROFILE) -> KeySignature:
    """The best-correlated major or minor key for pitch-class ``weights``, spelled with the fewer accidentals."""
    _r, tonic, mode = key_correlations(weights, profile)[0]
    k = KeySignature("C", mode, tick).transposed(tonic)
    return KeySignature(k.tonic, mode, tick)


def in_scale_share(weights: list[float], key: KeySignature) -> float:
    """The share of the melody's sounding time on notes of ``key``'s scale (1.0 for no melody)."""
    total = sum(weights)
    return sum(weights[pc] for pc in key.scale_pcs) / total if total > 0 else 1.0


@dataclass(frozen=True)
class KeyReading:
    """A word about a key span: ``why`` is ``"not set"`` (the key was assumed: the assistant reads
    the ``estimate``) or ``"does not fit"`` (a set key the melody clearly leaves: the score keeps it,
    the assistant reads the ``estimate``, the key of its notes, there). A set key the melody leaves for a stretch
    only (a last chorus a step up that nobody marked) has an ``estimate`` from a later tick, and
    ``until`` the tick where that stretch ends (``None``: the end of the span)."""

    declared: KeySignature
    estimate: KeySignature
    why: str
    until: int | None = None

    @property
    def read(self) -> KeySignature:
        """The key the assistant reads there (from the notes, in both cases)."""
        return self.estimate

    def describe(self) -> str:
        if self.why == "not set":
            return f"No key is set, so the assistant reads the melody in {self.estimate}, the key its notes suggest."
        return (f"The melody leaves the key set ({self.declared}): its notes are in {self.estimate}, so the "
                f"assistant reads it in {self.estimate}.")


def _evidence(score: Score, start: int, end: int) -> tuple[list[float], bool, bool]:
    """The pitch-class weights of ``[start, end)``, whether they say enough about a key, and whether
    the melody alone does (:data:`MIN_BEATS`, :data:`MIN_NOTES`; else the chords' tones are added)."""
    notes = score.melody.notes if score.tracks else ()
    w = pitch_class_weights(notes, start, end)
    melody = sum(w) >= MIN_BEATS * score.tpq or sum(1 for n in notes if start <= n.start < end) >= MIN_NOTES
    if not melody:
        for c in score.chords:
            a, b = max(c.start, start), min(c.end, end)
            for pc in c.symbol.pitch_classes if b > a else ():
                w[pc] += b - a
    return w, melody or sum(w) >= MIN_BEATS * score.tpq, melody


#: The last answer of :func:`reading_keys` (scores are immutable: the same object, the same keys).
#: The editor asks on every repaint of the rows and every move of the chord palette's target.
_last: tuple | None = None


def reading_keys(score: Score, profile: str = DEFAULT_PROFILE) -> tuple[tuple[KeySignature, ...], list[KeyReading]]:
    """The keys the assistant reads ``score`` in, and a :class:`KeyReading` for each span worth a word.

    A key the composer or the file set is read as set. An assumed key (none set) becomes the keys
    estimated from the notes of its span, bar by bar (too few notes keep it). Where the melody
    clearly leaves a set key (:data:`MISFIT_SHARE`), over its span or for a stretch of bars, the key
    of the notes is read there instead (assumed), and noted.
    """
    keys, _shown, changed = _cached(score, profile)
    return keys, list(changed)


def shown_keys(score: Score) -> tuple[KeySignature, ...]:
    """The keys the editor shows ``score`` in (scale rows, spelling, chord palette, roman numerals):
    the keys set, and where none is set the keys read from the notes. Unlike :func:`reading_keys`,
    a set key the melody leaves is shown as set: it is the composer's frame (the hint says what the
    assistant reads instead, and the key button sets it)."""
    return _cached(score, DEFAULT_PROFILE)[1]


def _cached(score: Score, profile: str) -> tuple:
    global _last
    last = _last
    if last is not None and last[0] is score and last[1] == profile:
        return last[2:]
    found = _reading_keys(score, profile)
    _last = (score, profile, *found)
    return found


def reading_key_at(score: Score, tick: int) -> KeySignature:
    """The key the editor shows at ``tick`` (as :meth:`Score.key_at`, over :func:`shown_keys`):
    what the editor's scale rows, chord palette and roman numerals follow."""
    keys = shown_keys(score)
    found = keys[0] if keys else score.key
    for k in keys:
        if k.tick <= tick:
            found = k
    return found


def _reading_keys(score: Score, profile: str):
    """(keys read, keys shown, readings): see :func:`reading_keys` and :func:`shown_keys`."""
    keys = sorted(score.key_signatures, key=lambda k: k.tick) or [score.key]
    end = max(score.end_of_last_bar, score.end)
    out: list[KeySignature] = []
    shown: list[KeySignature] = []
    changed: list[KeyReading] = []
    for i, k in enumerate(keys):
        b = keys[i + 1].tick if i + 1 < len(keys) else end
        w, enough, melody = _evidence(score, k.tick, b)
        if not k.assumed:
            shown.append(k)
        if not enough:
            out.append(k)
            if k.assumed:
                shown.append(k)
            continue
        est = estimate_key(w, k.tick, profile)
        if k.assumed:
            found = _estimate_keys(score, k.tick, b, est, profile) if melody else [replace(est, assumed=True)]
            for e in found:
                changed.append(KeyReading(k, e, "not set"))
            if [(e.tonic_pc, e.mode) for e in found] == [(k.tonic_pc, k.mode)]:
                changed.pop()
            out += found
            shown += found
            continue
        # Set by the composer or the file: read as set, unless the melody clearly leaves it, over
        # the whole span (a DAW's default C major over a melody in E flat) or for a stretch (a last
        # chorus a step up that nobody marked). There the assistant reads the key of the notes, as
        # a musician harmonizing it would, and says so; the score keeps the key set.
        if _leaves(w, k, est):
            changed.append(KeyReading(k, est, "does not fit"))
            out.append(replace(est, assumed=True))
            continue
        out.append(k)
        if not melody:
            continue
        found = _estimate_keys(score, k.tick, b, k, profile)  # bar by bar, the key set given a head start
        ends = [e.tick for e in found[1:]] + [b]
        for e, until in zip(found, ends):
            if _leaves(pitch_class_weights(score.melody.notes, e.tick, until), k, e):
                changed.append(KeyReading(k, replace(e, assumed=False), "does not fit", until if until < b else None))
                if out[-1].tick == e.tick:
                    out.pop()
                out.append(e)  # assumed: read from the notes
                if until < b:
                    out.append(replace(k, tick=until))  # and back to the key set
    return tuple(out), tuple(shown), changed


def _leaves(weights: list[float], key: KeySignature, other: KeySignature) -> bool:
    """Whether the melody (``weights``) clearly leaves ``key`` for ``other``: :data:`MISFIT_SHARE`
    of its time outside ``key``'s scale, :data:`MISFIT_RATIO` times as much as outside ``other``'s."""
    outside, outside_other = 1.0 - in_scale_share(weights, key), 1.0 - in_scale_share(weights, other)
    return outside >= MISFIT_SHARE and outside >= MISFIT_RATIO * outside_other and other.scale_pcs != key.scale_pcs


def _estimate_keys(score: Score, start: int, end: int, whole: KeySignature, profile: str) -> list[KeySignature]:
    """The keys of the bars of ``[start, end)`` (assumed; a change only on a bar line), read bar by
    bar from the melody around each (:data:`WINDOW_BARS`), chosen together with a cost per change
    (:data:`CHANGE_COST`) and a head start for ``whole``, the key of the whole span."""
    meter = score.meter
    bars = []
    bar = meter.bar_at(start)
    while bar.start < end:
        bars.append((max(bar.start, start), min(bar.end, end)))
        bar = meter.bar(bar.index + 1)
    per_bar = [[0.0] * 12 for _ in bars]
    starts = [a for a, _b in bars]
    for n in score.melody.notes if score.tracks else ():  # each note into the bars it sounds in
        j = max(0, bisect.bisect_right(starts, n.start) - 1)
        while j < len(bars) and bars[j][0] < n.end:
            overlap = min(n.end, bars[j][1]) - max(n.start, bars[j][0])
            if overlap > 0:
                per_bar[j][n.pitch % 12] += overlap
            j += 1
    keys = [(t, m) for t in range(12) for m in ("major", "minor")]
    here = (whole.tonic_pc, whole.mode)
    total = {k: 0.0 if k == here else -CHANGE_COST for k in keys}
    back: list[dict] = []
    for i in range(len(bars)):
        lo, hi = max(0, i - WINDOW_BARS), min(len(bars), i + WINDOW_BARS + 1)
        w = [sum(per_bar[j][pc] for j in range(lo, hi)) for pc in range(12)]
        fit = {(t, m): r for r, t, m in key_correlations(w, profile)} if sum(w) > 0 else {}
        best = max(total, key=lambda key: total[key])
        step, came = {}, {}
        for k in keys:
            stay, move = total[k], total[best] - CHANGE_COST
            step[k] = max(stay, move) + fit.get(k, 0.0)
            came[k] = k if stay >= move else best
        back.append(came)
        total = step
    k = max(total, key=lambda key: total[key])
    path = [k]
    for came in reversed(back[1:]):
        k = came[k]
        path.append(k)
    path.reverse()
    out: list[KeySignature] = []
    for (a, _b), (tonic, mode) in zip(bars, path):
        if not out or (out[-1].tonic_pc, out[-1].mode) != (tonic, mode):
            spelled = KeySignature("C", mode).transposed(tonic)
            out.append(KeySignature(spelled.tonic, mode, a, assumed=True))
    return out


def describe(readings: list[KeyReading], score: Score) -> str:
    """The readings in a sentence or two, for the editor's hint and ``suggest``'s stderr."""
    unset = [r for r in readings if r.why == "not set"]
    parts = []
    if unset:
        later = [f"from bar {score.meter.bar_number(score.meter.bar_at(r.estimate.tick).index)}: {r.estimate}"
                 for r in unset[1:]]
        more = f" ({'; '.join(later)})" if later else ""
        which = "keys its notes suggest" if later else "key its notes suggest"
        parts.append(f"No key is set, so the assistant reads the melody in {unset[0].estimate}{more}, the {which}.")
    for r in readings:
        if r.why == "not set":
            continue
        if r.estimate.tick > r.declared.tick or r.until is not None:  # a stretch of the span only
            bar = score.meter.bar_number(score.meter.bar_at(r.estimate.tick).index)
            upto = ""
            if r.until is not None:
                upto = f" to bar {score.meter.bar_number(score.meter.bar_at(r.until - 1).index)}"
            parts.append(f"From bar {bar}{upto} the melody leaves the key set ({r.declared}) for {r.estimate}, "
                         f"so the assistant reads it there in {r.estimate}.")
        else:
            parts.append(r.describe())
    return " ".join(parts)


def reading_score(score: Score, profile: str = DEFAULT_PROFILE) -> tuple[Score, list[KeyReading]]:
    """``score`` with the keys the assistant reads it in (:func:`reading_keys`), and the words about them."""
    keys, notes = reading_keys(score, profile)
    return (replace(score, key_signatures=keys) if notes else score), notes
