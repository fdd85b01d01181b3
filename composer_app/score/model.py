"""The score: notes, timed chord symbols, tracks and the whole piece. Pure Python, immutable.

Notes and chords are frozen dataclasses with a stable ``id`` (unique in a running process; files
do not store them). Change one with :func:`dataclasses.replace`, which keeps the id. A
:class:`Score` is immutable too, so a snapshot for the model worker or the undo stack is simply the
object itself; the ``with_*`` methods return a changed copy.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Iterable

from .chords import ChordSymbol
from .keys import KeySignature
from .time import TPQ, Meter, Tempo, TimeSignature

_ids = itertools.count(1)


def new_id() -> int:
    return next(_ids)


@dataclass(frozen=True)
class Note:
    pitch: int
    start: int  # ticks
    duration: int  # ticks, > 0
    velocity: int = 90
    id: int = field(default_factory=new_id, compare=False)
    #: Where the note came from when a suggestion was accepted (model, seed, ...); ``None`` if typed.
    provenance: dict | None = field(default=None, compare=False, hash=False)

    def __post_init__(self):
        if not 0 <= self.pitch <= 127:
            raise ValueError(f"pitch {self.pitch} out of MIDI range")
        if self.duration <= 0:
            raise ValueError("note duration must be positive")
        if self.start < 0:
            raise ValueError("note start must not be negative")
        if not 1 <= self.velocity <= 127:
            raise ValueError(f"velocity {self.velocity} out of range 1-127")

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass(frozen=True)
class Chord:
    """A chord symbol on the timeline."""

    symbol: ChordSymbol
    start: int
    duration: int
    id: int = field(default_factory=new_id, compare=False)
    provenance: dict | None = field(default=None, compare=False, hash=False)

    def __post_init__(self):
        if self.duration <= 0:
            raise ValueError("chord duration must be positive")
        if self.start < 0:
            raise ValueError("chord start must not be negative")

    @property
    def end(self) -> int:
        return self.start + self.duration


@dataclass(frozen=True)
class Track:
    name: str = "Melody"
    channel: int = 0  # 0-15
    program: int = 0  # General MIDI program 0-127
    notes: tuple[Note, ...] = ()
    id: int = field(default_factory=new_id, compare=False)
    muted: bool = False

    def __post_init__(self):
        if not 0 <= self.channel <= 15:
            raise ValueError(f"MIDI channel {self.channel} out of range 0-15")
        if not 0 <= self.program <= 127:
            raise ValueError(f"GM program {self.program} out of range 0-127")
        object.__setattr__(self, "notes", tuple(sorted(self.notes, key=lambda n: (n.start, n.pitch))))

    @property
    def end(self) -> int:
        return max((n.end for n in self.notes), default=0)

    def with_notes(self, notes: Iterable[Note]) -> "Track":
        return replace(self, notes=tuple(notes))


@dataclass(frozen=True)
class Score:
    title: str = ""
    tracks: tuple[Track, ...] = (Track(),)
    chords: tuple[Chord, ...] = ()
    tempos: tuple[Tempo, ...] = (Tempo(),)
    time_signatures: tuple[TimeSignature, ...] = (TimeSignature(),)
    key_signatures: tuple[KeySignature, ...] = (KeySignature(assumed=True),)
    #: Instrument used to play the chord lane (GM program) and its channel.
    chord_program: int = 0
    chord_channel: int = 1
    tpq: int = TPQ
    #: Notated length in ticks (e.g. a file's last measure, even if it holds only rests); 0 = up to the content.
    length: int = 0
    #: Length in ticks of a pickup (anacrusis) bar before the first whole bar; 0 = none (see :class:`Meter`).
    pickup: int = 0

    def __post_init__(self):
        object.__setattr__(self, "chords", tuple(sorted(self.chords, key=lambda c: c.start)))
        for name in ("tempos", "time_signatures", "key_signatures"):
            items = tuple(sorted(getattr(self, name), key=lambda x: x.tick))
            object.__setattr__(self, name, items)
        if self.tpq != TPQ:
            raise ValueError(f"scores use {TPQ} ticks per quarter inside the model")
        if self.pickup:
            first = self.time_signatures[0] if self.time_signatures else TimeSignature()
            if first.tick == 0 and not 0 < self.pickup < first.bar_ticks:
                raise ValueError(f"a pickup of {self.pickup} ticks does not fit in a bar of {first}")

    # ---- queries -----------------------------------------------------------------------
    @property
    def meter(self) -> Meter:
        return Meter(self.time_signatures, self.pickup)

    @property
    def time_signature(self) -> TimeSignature:
        return self.time_signatures[0] if self.time_signatures else TimeSignature()

    @property
    def key(self) -> KeySignature:
        return self.key_signatures[0] if self.key_signatures else KeySignature(assumed=True)

    @property
    def tempo(self) -> float:
        return self.tempos[0].bpm if self.tempos else 120.0

    def key_at(self, tick: int) -> KeySignature:
        found = self.key
        for k in self.key_signatures:
            if k.tick <= tick:
                found = k
        return found

    def tempo_at(self, tick: int) -> float:
        found = self.tempo
        for t in self.tempos:
            if t.tick <= tick:
                found = t.bpm
        return found

    @property
    def end(self) -> int:
        """Last tick with content (notes or chords), or the notated length if that is longer."""
        return max([t.end for t in self.tracks] + [c.end for c in self.chords] + [self.length, 0])

    @property
    def end_of_last_bar(self) -> int:
        """End tick of the last bar that holds content (a whole bar, even if it ends in rests)."""
        end = self.end
        if end <= 0:
            return 0
        return self.meter.bar_at(end - 1).end

    @property
    def bar_count(self) -> int:
        return self.meter.bar_count(self.end)

    def track_by_id(self, track_id: int) -> Track:
        for t in self.tracks:
            if t.id == track_id:
                return t
        raise KeyError(track_id)

    def track_index(self, track_id: int) -> int:
        for i, t in enumerate(self.tracks):
            if t.id == track_id:
                return i
        raise KeyError(track_id)

    @property
    def melody(self) -> Track:
        """The first track: the one the assistant reads and writes."""
        return self.tracks[0]

    def all_notes(self) -> list[Note]:
        return [n for t in self.tracks for n in t.notes]

    def chord_at(self, tick: int) -> Chord | None:
        for c in self.chords:
            if c.start <= tick < c.end:
                return c
        return None

    # ---- copies with changes -------------------------------------------------------------
    def with_track(self, track: Track) -> "Score":
        """Replace the track with the same id."""
        i = self.track_index(track.id)
        return replace(self, tracks=self.tracks[:i] + (track,) + self.tracks[i + 1:])

    def with_tracks(self, tracks: Iterable[Track]) -> "Score":
        return replace(self, tracks=tuple(tracks))

    def with_chords(self, chords: Iterable[Chord]) -> "Score":
        return replace(self, chords=tuple(chords))

    def with_notes(self, notes: Iterable[Note], track_index: int = 0) -> "Score":
        t = self.tracks[track_index]
        return self.with_track(t.with_notes(notes))

    def sliced(self, start: int, end: int) -> "Score":
        """Notes and chords that start in ``[start, end)``, times unchanged."""
        tracks = [t.with_notes(n for n in t.notes if start <= n.start < end) for t in self.tracks]
        chords = [c for c in self.chords if start <= c.start < end]
        return replace(self, tracks=tuple(tracks), chords=tuple(chords))

    def transposed(self, semitones: int) -> "Score":
        """Every note, chord and key moved by ``semitones`` (notes that leave MIDI range are dropped)."""
        tracks = []
        for t in self.tracks:
            notes = [replace(n, pitch=n.pitch + semitones) for n in t.notes if 0 <= n.pitch + semitones <= 127]
            tracks.append(t.with_notes(notes))
        keys = tuple(k.transposed(semitones) for k in self.key_signatures)
        prefer_flats = keys[0].prefers_flats if keys else False
        chords = tuple(replace(c, symbol=c.symbol.transposed(semitones, prefer_flats)) for c in self.chords)
        return replace(self, tracks=tuple(tracks), chords=chords, key_signatures=keys)

    def without_pickup(self) -> "Score":
        """The same music with the pickup bar made whole: everything moves later by the beats the
        pickup lacks (the way a file without pickups writes it: a first bar that starts with rests)."""
        if not self.pickup:
            return self
        shift = self.meter.bar(0).offset

        def moved(items):
            return tuple(replace(x, tick=x.tick + shift) if x.tick else x for x in items)

        tracks = tuple(t.with_notes(replace(n, start=n.start + shift) for n in t.notes) for t in self.tracks)
        chords = tuple(replace(c, start=c.start + shift) for c in self.chords)
        return replace(self, tracks=tracks, chords=chords, tempos=moved(self.tempos),
                       time_signatures=moved(self.time_signatures), key_signatures=moved(self.key_signatures),
                       length=self.length + shift if self.length else 0, pickup=0)

    def content_equal(self, other: "Score") -> bool:
        """Same notes, chords, meter, key and tempo (ids and names ignored)."""
        mine = sorted((n.pitch, n.start, n.duration) for n in self.all_notes())
        theirs = sorted((n.pitch, n.start, n.duration) for n in other.all_notes())
        return (
            mine == theirs
            and [(c.start, c.duration, str(c.symbol)) for c in self.chords]
            == [(c.start, c.duration, str(c.symbol)) for c in other.chords]
            and self.time_signatures == other.time_signatures
            and self.pickup == other.pickup
            and [(k.tonic_pc, k.mode) for k in self.key_signatures] == [(k.tonic_pc, k.mode) for k in other.key_signatures]
            and [round(t.bpm, 2) for t in self.tempos] == [round(t.bpm, 2) for t in other.tempos]
        )
