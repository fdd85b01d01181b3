"""Pure score-property edits used by the properties panel and dialog (no Qt).

Each function returns a new :class:`~composer_app.score.Score`; the GUI pushes it with one
``ScoreDocument.edit`` so every change is one undo step. Only the settings in force at tick 0 are
edited here; later tempo, meter and key changes in the score are kept as they are.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ...score import KeySignature, Score, Tempo, TimeSignature, Track
from ...score.gm import PERCUSSION_CHANNEL
from ...score.keyfinding import reading_keys

#: Meters offered in the editor (any n/d with d a power of two can be typed).
COMMON_METERS = ("4/4", "3/4", "2/4", "6/8", "9/8", "12/8", "2/2", "3/8", "5/4", "7/8")
#: Tonic spellings offered for a key.
TONICS = ("C", "C#", "Db", "D", "Eb", "E", "F", "F#", "Gb", "G", "Ab", "A", "Bb", "B")
#: The key choice that sets none: the assistant reads the key from the melody (KeySignature.assumed).
AUTO_KEY = "auto"
AUTO_KEY_TIP = ("Key: tonic. 'auto': none set; the assistant reads the key from the notes "
                "(choose a tonic to set it)")

_METER_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")


def parse_time_signature(text: str) -> TimeSignature:
    """``"6/8"`` -> TimeSignature(6, 8); ``ValueError`` with a readable reason otherwise."""
    m = _METER_RE.match(text or "")
    if not m:
        raise ValueError(f"'{text}' is not a time signature (write it like 3/4 or 6/8)")
    try:
        return TimeSignature(int(m.group(1)), int(m.group(2)))
    except ValueError as exc:
        raise ValueError(f"'{text.strip()}' is not a time signature: {exc}") from None


def _replace_at_zero(items: tuple, new) -> tuple:
    rest = tuple(x for x in items if x.tick != 0)
    return (new,) + rest


def set_title(score: Score, title: str) -> Score:
    return replace(score, title=title.strip())


def set_tempo(score: Score, bpm: float) -> Score:
    return replace(score, tempos=_replace_at_zero(score.tempos, Tempo(float(bpm), 0)))


def set_time_signature(score: Score, numerator: int, denominator: int) -> Score:
    """The meter at the start; a pickup that no longer fits in a bar of it is made a whole bar."""
    sig = TimeSignature(numerator, denominator, 0)
    pickup = score.pickup if score.pickup < sig.bar_ticks else 0
    return replace(score, time_signatures=_replace_at_zero(score.time_signatures, sig), pickup=pickup)


def set_key(score: Score, tonic: str, mode: str) -> Score:
    """The key at the start; ``tonic`` :data:`AUTO_KEY` sets none (an assumed C major)."""
    key = KeySignature("C", "major", 0, assumed=True) if tonic == AUTO_KEY else KeySignature(tonic, mode, 0)
    return replace(score, key_signatures=_replace_at_zero(score.key_signatures, key))


#: Key names offered for a key change, as musicians spell them (majors with flats from Db, minors
#: with sharps up to G#).
MAJOR_TONICS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_TONICS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


def set_key_from(score: Score, tick: int, key: KeySignature | None) -> Score:
    """A key change at ``tick`` (at 0: the key of the piece); ``None`` removes the key change at
    ``tick`` (at 0: no key set). Keys that only restate the one before are dropped."""
    keys = [k for k in score.key_signatures if k.tick != tick]
    if key is not None:
        keys.append(KeySignature(key.tonic, key.mode, tick))
    elif tick == 0:
        keys.append(KeySignature("C", "major", 0, assumed=True))
    out: list[KeySignature] = []
    for k in sorted(keys, key=lambda k: k.tick):
        if out and (out[-1].tonic_pc, out[-1].mode, out[-1].assumed) == (k.tonic_pc, k.mode, k.assumed):
            continue
        out.append(k)
    return replace(score, key_signatures=tuple(out))


def set_keys_read(score: Score) -> Score | None:
    """``score`` with the keys the assistant reads it in set, as the composer would set them: each
    key nobody set becomes the key its notes suggest (bar by bar: a later key change is set where
    it was found), and where the melody clearly leaves a set key (the whole span, or a stretch and
    back) the key of its notes is set there (:func:`~composer_app.score.keyfinding.reading_keys`).
    ``None`` when the reading has nothing to offer (every key set and fitting, or too few notes)."""
    keys, readings = reading_keys(score)
    if not readings:
        return None
    out: list[KeySignature] = []
    for k in keys:
        k = KeySignature(k.tonic, k.mode, k.tick)  # set, no longer assumed
        if out and (out[-1].tonic_pc, out[-1].mode) == (k.tonic_pc, k.mode):
            continue  # a restatement of the key before
        out.append(k)
    return replace(score, key_signatures=tuple(out))


def keys_text(score: Score) -> str:
    """``score``'s keys in words: "E major", or "C major, Db major from bar 17"."""
    meter = score.meter
    keys = sorted(score.key_signatures, key=lambda k: k.tick)
    return ", ".join(str(k) if k.tick == 0 else f"{k} from bar {meter.bar_number(meter.bar_at(k.tick).index)}"
                     for k in keys)


def key_choice(key: KeySignature) -> tuple[str, str]:
    """What the tonic and mode boxes show for ``key``."""
    return (AUTO_KEY, key.mode) if key.assumed else (key.tonic, key.mode)


def free_channel(score: Score) -> int:
    """The lowest MIDI channel (0-based) that no track, the chord lane or percussion uses."""
    used = {t.channel for t in score.tracks} | {score.chord_channel, PERCUSSION_CHANNEL}
    for ch in range(16):
        if ch not in used:
            return ch
    return 0


def add_track(score: Score, name: str | None = None, program: int = 0) -> tuple[Score, Track]:
    names = {t.name for t in score.tracks}
    if not name:
        i = len(score.tracks) + 1
        while f"Track {i}" in names:
            i += 1
        name = f"Track {i}"
    track = Track(name=name, channel=free_channel(score), program=program)
    return score.with_tracks(score.tracks + (track,)), track


def remove_track(score: Score, track_id: int) -> Score:
    if len(score.tracks) <= 1:
        raise ValueError("a score keeps at least one track")
    score.track_by_id(track_id)  # KeyError for an unknown id
    return score.with_tracks(t for t in score.tracks if t.id != track_id)


def update_track(score: Score, track_id: int, **changes) -> Score:
    """Change ``name``, ``channel``, ``program`` or ``muted`` of one track (id kept)."""
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise ValueError("a track needs a name")
    return score.with_track(replace(score.track_by_id(track_id), **changes))


def set_chord_instrument(score: Score, program: int | None = None, channel: int | None = None) -> Score:
    return replace(score,
                   chord_program=score.chord_program if program is None else program,
                   chord_channel=score.chord_channel if channel is None else channel)
