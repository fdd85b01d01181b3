"""Score -> a time-ordered list of MIDI events. Pure: no Qt, no threads, no audio.

Times come from the score's tempo map (:class:`TempoMap`) as absolute seconds from tick 0, so a
region that starts in bar 9 starts at that bar's real time; the scheduler plays the region by
seeking there. Each event also keeps its tick (for the playhead).

What is played:

* every unmuted track on its own channel with its General MIDI program;
* the chord lane as voiced chords (:func:`voice_chords`: a bass note plus close upper voices
  that move as little as possible) on ``Score.chord_channel`` with ``Score.chord_program``;
* optional metronome clicks on the GM percussion channel (channel 10, index 9).

:func:`candidate_events` builds the "candidate in context" list the suggestion panel auditions:
one or two bars of the score as a lead-in, then the candidate's notes and/or chords.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import mido

from ..score import Chord, ChordSymbol, Note, Score, TimeSignature
from ..score.time import Meter, Tempo

PERCUSSION_CHANNEL = 9  # "channel 10" in General MIDI
CLICK_ACCENT = 76  # Hi Wood Block
CLICK_BEAT = 77  # Low Wood Block
CHORD_VELOCITY = 72

# Order of simultaneous events: set-up first, then note-offs (so a repeated pitch re-strikes), then note-ons.
_ORDER_SETUP, _ORDER_OFF, _ORDER_ON = 0, 1, 2


class TempoMap:
    """Ticks <-> seconds over a list of tempo changes."""

    def __init__(self, tempos: Sequence[Tempo], tpq: int = 480):
        tempos = sorted(tempos or [Tempo()], key=lambda t: t.tick)
        if tempos[0].tick != 0:
            tempos.insert(0, Tempo(tempos[0].bpm, 0))
        self.tpq = tpq
        self._ticks: list[int] = []
        self._secs: list[float] = []
        self._spt: list[float] = []  # seconds per tick in each segment
        sec = 0.0
        for i, t in enumerate(tempos):
            if self._ticks and t.tick == self._ticks[-1]:
                self._spt[-1] = 60.0 / (t.bpm * tpq)  # the last change at a tick wins
                continue
            if i:
                sec += (t.tick - self._ticks[-1]) * self._spt[-1]
            self._ticks.append(t.tick)
            self._secs.append(sec)
            self._spt.append(60.0 / (t.bpm * tpq))

    @classmethod
    def of(cls, score: Score) -> "TempoMap":
        return cls(score.tempos, score.tpq)

    def seconds(self, tick: int | float) -> float:
        i = max(0, bisect.bisect_right(self._ticks, tick) - 1)
        return self._secs[i] + (tick - self._ticks[i]) * self._spt[i]

    def tick_at(self, seconds: float) -> int:
        """The tick sounding at ``seconds`` (rounded down)."""
        i = max(0, bisect.bisect_right(self._secs, seconds) - 1)
        return int(self._ticks[i] + (seconds - self._secs[i]) / self._spt[i] + 1e-6)

    def bpm_at(self, tick: int) -> float:
        i = max(0, bisect.bisect_right(self._ticks, tick) - 1)
        return 60.0 / (self._spt[i] * self.tpq)


@dataclass(frozen=True)
class MidiEvent:
    """One MIDI message at an absolute time (seconds from tick 0) and tick."""

    time: float
    tick: int
    message: mido.Message = field(compare=False)
    order: int = 2

    @property
    def is_note_on(self) -> bool:
        return self.message.type == "note_on" and self.message.velocity > 0

    @property
    def is_note_off(self) -> bool:
        m = self.message
        return m.type == "note_off" or (m.type == "note_on" and m.velocity == 0)


@dataclass(frozen=True)
class EventList:
    """Sorted events of a region ``[start_tick, end_tick)`` plus what the scheduler needs to play it.

    ``setup`` messages (program changes, volume) are sent before playing and after every seek or
    loop wrap; ``channels`` are all channels used (for All Notes Off).
    """

    events: tuple[MidiEvent, ...]
    start_tick: int
    end_tick: int
    tempo_map: TempoMap
    setup: tuple[mido.Message, ...] = ()
    channels: frozenset[int] = frozenset()

    @property
    def start_time(self) -> float:
        return self.tempo_map.seconds(self.start_tick)

    @property
    def end_time(self) -> float:
        return self.tempo_map.seconds(self.end_tick)

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    def times(self) -> list[float]:
        return [e.time for e in self.events]

    def note_ons(self) -> list[MidiEvent]:
        return [e for e in self.events if e.is_note_on]


# ---- chord voicing ------------------------------------------------------------------------------
def voice_chord(symbol: ChordSymbol, previous: Sequence[int] | None = None) -> list[int]:
    """One chord as MIDI pitches: a bass note in octave 2, upper voices in close position around
    middle C, choosing the inversion nearest to ``previous`` (smooth voice leading)."""
    bass = 36 + (symbol.bass_pc - 36) % 12  # C2..B2
    upper_pcs = sorted({(symbol.root_pc + i) % 12 for i in symbol.intervals})
    if len(upper_pcs) > 4:  # 9ths/11ths/13ths: drop the fifth, then the root, to keep four voices
        fifth = (symbol.root_pc + 7) % 12
        if fifth in upper_pcs:
            upper_pcs.remove(fifth)
        while len(upper_pcs) > 4 and symbol.root_pc in upper_pcs:
            upper_pcs.remove(symbol.root_pc)
        upper_pcs = upper_pcs[:4]
    candidates = []
    for lowest in range(52, 64):  # lowest upper voice between E3 and D#4
        if lowest % 12 not in upper_pcs:
            continue
        voices = [lowest]
        for pc in upper_pcs:
            if pc != lowest % 12:
                voices.append(lowest + (pc - lowest) % 12)
        candidates.append(sorted(voices))
    prev_upper = [p for p in (previous or [])[1:]]
    if prev_upper:
        centre_prev = sum(prev_upper) / len(prev_upper)
        best = min(candidates, key=lambda v: (abs(sum(v) / len(v) - centre_prev), v[0]))
    else:
        best = min(candidates, key=lambda v: abs(sum(v) / len(v) - 62))
    return [bass] + best


def voice_chords(symbols: Iterable[ChordSymbol]) -> list[list[int]]:
    """Voicings for a progression, each led smoothly from the one before."""
    out: list[list[int]] = []
    for s in symbols:
        out.append(voice_chord(s, out[-1] if out else None))
    return out


# ---- building event lists -----------------------------------------------------------------------
def _note_events(pitch, start, end, velocity, channel, tm, region_end):
    end = min(end, region_end)
    if end <= start:
        return []
    return [
        MidiEvent(tm.seconds(start), start, mido.Message("note_on", channel=channel, note=pitch, velocity=velocity), _ORDER_ON),
        MidiEvent(tm.seconds(end), end, mido.Message("note_off", channel=channel, note=pitch, velocity=0), _ORDER_OFF),
    ]


def _click_events(meter: Meter, start: int, end: int, tm: TempoMap) -> list[MidiEvent]:
    out = []
    for bar in meter.bars(end):
        if bar.end <= start:
            continue
        for i, beat in enumerate(meter.beats_of_bar(bar)):
            if start <= beat < end:
                pitch, vel = (CLICK_ACCENT, 110) if i == 0 else (CLICK_BEAT, 80)
                dur = min(60, end - beat)
                out += _note_events(pitch, beat, beat + dur, vel, PERCUSSION_CHANNEL, tm, end)
    return out


def build_events(
    score: Score,
    start_tick: int = 0,
    end_tick: int | None = None,
    *,
    metronome: bool = False,
    chords: bool = True,
    extra_notes: Sequence[tuple[Note, int]] = (),
) -> EventList:
    """Events of notes and chords that start in ``[start_tick, end_tick)``; notes are cut at ``end_tick``.

    ``end_tick`` defaults to the end of the last bar with content. ``extra_notes`` are
    ``(note, channel)`` pairs played too (candidates). Muted tracks are skipped.
    """
    tm = TempoMap.of(score)
    if end_tick is None:
        end_tick = max(score.end_of_last_bar, start_tick)
    events: list[MidiEvent] = []
    setup: list[mido.Message] = []
    channels: set[int] = set()
    for track in score.tracks:
        if track.muted:
            continue
        channels.add(track.channel)
        setup.append(mido.Message("program_change", channel=track.channel, program=track.program))
        for n in track.notes:
            if start_tick <= n.start < end_tick:
                events += _note_events(n.pitch, n.start, n.end, n.velocity, track.channel, tm, end_tick)
    for n, ch in extra_notes:
        if start_tick <= n.start < end_tick:
            channels.add(ch)
            events += _note_events(n.pitch, n.start, n.end, n.velocity, ch, tm, end_tick)
    if chords and score.chords:
        ch = score.chord_channel
        setup.append(mido.Message("program_change", channel=ch, program=score.chord_program))
        channels.add(ch)
        voicings = voice_chords(c.symbol for c in score.chords)
        for c, pitches in zip(score.chords, voicings):
            if start_tick <= c.start < end_tick:
                for p in pitches:
                    events += _note_events(p, c.start, c.end, CHORD_VELOCITY, ch, tm, end_tick)
    if metronome:
        channels.add(PERCUSSION_CHANNEL)
        events += _click_events(score.meter, start_tick, end_tick, tm)
    # Program changes are deduplicated per channel (first wins: the melody track keeps its sound).
    seen: set[int] = set()
    setup_unique = []
    for m in setup:
        if m.channel not in seen:
            seen.add(m.channel)
            setup_unique.append(m)
    events.sort(key=lambda e: (e.tick, e.order, e.message.channel, e.message.bytes()[1] if len(e.message.bytes()) > 1 else 0))
    return EventList(tuple(events), start_tick, end_tick, tm, tuple(setup_unique), frozenset(channels))


def candidate_region(score: Score, start_tick: int, candidate_end: int, lead_in_bars: int = 1) -> tuple[int, int]:
    """``(start, end)`` ticks for auditioning: ``lead_in_bars`` whole bars before the bar holding
    ``start_tick`` (fewer at the beginning of the piece), up to the end of the bar where the candidate ends."""
    meter = score.meter
    bar = meter.bar_at(start_tick)
    first = max(0, bar.index - lead_in_bars)
    region_start = meter.bar(first).start
    last_bar = meter.bar_at(max(start_tick, candidate_end) - 1) if candidate_end > start_tick else bar
    return region_start, last_bar.end


def candidate_events(
    score: Score,
    start_tick: int,
    notes: Sequence[Note] = (),
    chords: Sequence[Chord] = (),
    *,
    lead_in_bars: int = 1,
    track_index: int = 0,
    metronome: bool = False,
) -> EventList:
    """A suggestion candidate in context: the score's last ``lead_in_bars`` bars before
    ``start_tick``, then the candidate.

    From ``start_tick`` on, the candidate's ``notes`` replace the notes of track ``track_index``
    and its ``chords`` (if any) replace the chord lane; the rest of the score keeps playing
    underneath (so a chord candidate is heard under the existing melody and vice versa).
    """
    cand_end = max([n.end for n in notes] + [c.end for c in chords] + [start_tick + 1])
    region_start, region_end = candidate_region(score, start_tick, cand_end, lead_in_bars)
    tracks = list(score.tracks)
    if notes:
        t = tracks[track_index]
        kept = [n for n in t.notes if n.start < start_tick]
        # Notes that would ring into the candidate are cut at its start.
        kept = [n if n.end <= start_tick else _cut(n, start_tick) for n in kept]
        tracks[track_index] = t.with_notes(kept + list(notes))
    new_chords = list(score.chords)
    if chords:
        new_chords = [c for c in score.chords if c.start < start_tick]
        new_chords = [c if c.end <= start_tick else _cut(c, start_tick) for c in new_chords] + list(chords)
    ctx = score.with_tracks(tracks).with_chords(new_chords)
    return build_events(ctx, region_start, region_end, metronome=metronome)


def _cut(item, tick):
    from dataclasses import replace

    return replace(item, duration=max(1, tick - item.start))


def count_in_events(score: Score, start_tick: int, bars: int = 1) -> EventList:
    """Metronome clicks for ``bars`` bars of count-in, laid out as the bars just before
    ``start_tick`` would be (times shifted so the list starts at 0 s and ends at ``start_tick``'s beat grid)."""
    sig = score.meter.signature_at(start_tick)
    length = bars * sig.bar_ticks
    tempo = score.tempo_at(start_tick)
    tmp = Score(tempos=(Tempo(tempo, 0),), time_signatures=(TimeSignature(sig.numerator, sig.denominator, 0),))
    return build_events(tmp, 0, length, metronome=True)
