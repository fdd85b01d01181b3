"""Conversion between music21 streams and our :class:`~composer_app.score.Score`. Pure Python, no Qt.

``score_from_m21`` reads any music21 score (parsed MusicXML, ABC, or music21's own corpus):

* each part becomes a track; the first is the melody track ("Melody" unless the part is named);
* tied notes are merged, grace notes dropped, chords (several pitches) become several notes;
* a pickup (anacrusis) measure stays a partial first bar (``Score.pickup``), so bar lines of the
  score model fall where the notation has them; on export it is written as a short measure 0;
* ``<harmony>`` / quoted ABC chord symbols become :class:`~composer_app.score.Chord` objects; a
  chord lasts until the next chord (or a "N.C.") or the end of the piece;
* tempo, time signature and key signature changes are kept (time signature changes are moved to
  the next bar line of the score model when the notation puts them elsewhere).

``m21_from_score`` builds a music21 score (one part per track, chord symbols as
:class:`music21.harmony.ChordSymbol` in the first part) that music21 writes as MusicXML with
``<harmony>`` elements; see :mod:`composer_app.formats.musicxml`.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Callable

from music21 import chord as m21chord
from music21 import harmony, key, meter, note, stream, tempo

from ..errors import ChordSymbolError
from ..score import TPQ, Chord, ChordSymbol, KeySignature, Meter, Note, Score, Tempo, TimeSignature, Track
from ..score.chords import QUALITIES, pitch_class, spell
from ..score.keyfinding import reading_key_at
from ._common import MAX_TICK, normalize_keys, normalize_tempos, normalize_time_signatures

#: music21 ``chordKind`` (the MusicXML ``<kind>`` value) -> our canonical quality.
KIND_TO_QUALITY: dict[str, str] = {
    "major": "", "minor": "m", "augmented": "aug", "diminished": "dim",
    "dominant": "7", "dominant-seventh": "7", "major-seventh": "maj7", "minor-seventh": "m7",
    "diminished-seventh": "dim7", "augmented-seventh": "aug7", "half-diminished": "m7b5",
    "half-diminished-seventh": "m7b5", "major-minor": "mmaj7", "minor-major-seventh": "mmaj7",
    "major-sixth": "6", "minor-sixth": "m6", "dominant-ninth": "9", "major-ninth": "maj9",
    "minor-ninth": "m9", "dominant-11th": "11", "major-11th": "maj9", "minor-11th": "m11",
    "dominant-13th": "13", "major-13th": "maj9", "minor-13th": "m11", "suspended-second": "sus2",
    "suspended-fourth": "sus4", "power": "5", "pedal": "", "Neapolitan": "", "Italian": "7",
    "French": "7", "German": "7", "Tristan": "m7b5", "augmented-ninth": "aug7",
}
#: our quality -> music21 kind used when exporting (round-trips through KIND_TO_QUALITY).
QUALITY_TO_KIND: dict[str, tuple[str, tuple[tuple[str, int, int], ...]]] = {
    "": ("major", ()), "m": ("minor", ()), "dim": ("diminished", ()), "aug": ("augmented", ()),
    "sus2": ("suspended-second", ()), "sus4": ("suspended-fourth", ()), "5": ("power", ()),
    "6": ("major-sixth", ()), "m6": ("minor-sixth", ()), "7": ("dominant-seventh", ()),
    "maj7": ("major-seventh", ()), "m7": ("minor-seventh", ()), "mmaj7": ("minor-major-seventh", ()),
    "dim7": ("diminished-seventh", ()), "m7b5": ("half-diminished-seventh", ()),
    "aug7": ("augmented-seventh", ()), "7sus4": ("suspended-fourth", (("add", 7, -1),)),
    "add9": ("major", (("add", 9, 0),)), "9": ("dominant-ninth", ()), "maj9": ("major-ninth", ()),
    "m9": ("minor-ninth", ()), "7b9": ("dominant-seventh", (("add", 9, -1),)),
    "7#9": ("dominant-seventh", (("add", 9, 1),)), "11": ("dominant-11th", ()),
    "m11": ("minor-11th", ()), "13": ("dominant-13th", ()),
}
_MODES = {"major": "major", "ionian": "major", "minor": "minor", "aeolian": "minor", "dorian": "dorian",
          "phrygian": "phrygian", "lydian": "lydian", "mixolydian": "mixolydian", "locrian": "locrian"}

#: Sentinel returned by a chord mapper for "N.C." (no chord): it ends the previous chord.
NO_CHORD = object()

ChordMapper = Callable[[harmony.ChordSymbol], "ChordSymbol | object | None"]


def ticks(ql) -> int:
    """music21 quarter lengths (float or Fraction) to ticks."""
    return int(round(Fraction(ql).limit_denominator(100_000) * TPQ))


def _name(pitch_name: str) -> str:
    """music21 spelling ('B-', 'F#', 'E--') to ours ('Bb', 'F#'); double accidentals respelled."""
    name = pitch_name[:1].upper() + pitch_name[1:].replace("-", "b")
    if len(name) > 2:
        return spell(pitch_class(name), prefer_flats="b" in name)
    return name


def chord_from_fields(root: str, kind: str, bass: str | None = None,
                      mods: set[tuple[str, int, int]] | frozenset = frozenset(), text: str = ""):
    """Our symbol from MusicXML-style fields: root/bass names (``Bb`` or ``B-``), ``<kind>`` value and
    ``<degree>`` changes as ``(type, degree, alter)``; ``NO_CHORD`` for kind ``none``; ``None`` if unusable.
    ``text`` (``<kind text="...">``) spells an extended chord such as ``maj13#11`` that no kind names:
    without degree changes it is taken as written when it is one (see :func:`_m21_symbol_proto`)."""
    kind = (kind or "major").strip()
    if kind == "none":
        return NO_CHORD
    quality = KIND_TO_QUALITY.get(kind, "")
    extended = _extended_quality(text) if text and not mods else None
    if extended is not None:
        quality = extended
    elif quality == "sus4" and any(t == "add" and d == 7 for t, d, _ in mods):
        quality = "7sus4"
    elif quality == "7":
        if ("add", 9, -1) in mods:
            quality = "7b9"
        elif ("add", 9, 1) in mods:
            quality = "7#9"
        elif ("alter", 5, 1) in mods or ("add", 5, 1) in mods:
            quality = "aug7"
    elif quality == "" and ("add", 9, 0) in mods:
        quality = "add9"
    elif quality == "m7" and ("alter", 5, -1) in mods:
        quality = "m7b5"
    try:
        root_name = _name(root)
        bass_name = _name(bass) if bass else None
        if bass_name is not None and pitch_class(bass_name) == pitch_class(root_name):
            bass_name = None
        return ChordSymbol(root_name, quality, bass_name)
    except (ChordSymbolError, ValueError):
        return None


def _extended_quality(text: str) -> str | None:
    """The quality ``text`` spells when it is an extended one (``maj13#11``, ``7alt``), else None."""
    try:
        quality = ChordSymbol.parse("C" + text.strip()).quality
    except (ChordSymbolError, ValueError):
        return None
    return None if quality in QUALITIES else quality


def chord_from_m21(cs: harmony.ChordSymbol):
    """Map a music21 chord symbol to ours; ``NO_CHORD`` for N.C.; ``None`` when it has no root."""
    if isinstance(cs, harmony.NoChord):
        return NO_CHORD
    try:
        root = cs.root()
        b = cs.bass()
    except Exception:  # music21 raises on empty symbols
        return None
    if root is None:
        return None
    mods = {(m.modType, m.degree, m.interval.semitones if m.interval is not None else 0)
            for m in cs.chordStepModifications}
    return chord_from_fields(root.name, cs.chordKind or "major", b.name if b is not None else None, mods,
                             getattr(cs, "chordKindStr", "") or "")


def _parts(s: stream.Stream) -> list[stream.Stream]:
    if isinstance(s, stream.Opus):
        scores = list(s.scores)
        if not scores:
            return []
        s = scores[0]
    parts = list(s.parts) if isinstance(s, stream.Score) else []
    return parts or [s]


def _pickup_length(part: stream.Stream) -> int:
    """Length in ticks of a short first measure (anacrusis), or 0."""
    measures = list(part.getElementsByClass(stream.Measure))
    if len(measures) < 2:
        return 0
    m0, m1 = measures[0], measures[1]
    actual = ticks(m1.offset - m0.offset)
    ts = m0.timeSignature or m0.getContextByClass(meter.TimeSignature)
    if ts is None:
        return 0
    full = ticks(ts.barDuration.quarterLength)
    return actual if 0 < actual < full else 0


def _meta_tick(offset, shift: int) -> int:
    t = ticks(offset)
    return 0 if t == 0 else t + shift


def _time_signatures(flat: stream.Stream, shift: int, pickup: int = 0) -> tuple[TimeSignature, ...]:
    raw: dict[int, tuple[int, int]] = {}
    for ts in flat.getElementsByClass(meter.TimeSignature):
        try:
            raw[_meta_tick(flat.elementOffset(ts), shift)] = (int(ts.numerator), int(ts.denominator))
        except (ValueError, TypeError):
            continue
    return normalize_time_signatures(raw, pickup)


def _key_signatures(flat: stream.Stream, shift: int) -> tuple[KeySignature, ...]:
    found: dict[int, KeySignature] = {}
    for ks in flat.getElementsByClass(key.KeySignature):
        tick = _meta_tick(flat.elementOffset(ks), shift)
        if tick in found:
            continue
        try:
            if isinstance(ks, key.Key):
                mode = _MODES.get((ks.mode or "major").lower(), "major")
                found[tick] = KeySignature(_name(ks.tonic.name), mode, tick)
            else:
                found[tick] = KeySignature.from_sharps(int(ks.sharps), "major", tick)
        except (ValueError, TypeError):
            continue
    return normalize_keys(found)


def _tempos(flat: stream.Stream, shift: int) -> tuple[Tempo, ...]:
    found: dict[int, float] = {}
    for mm in flat.getElementsByClass(tempo.MetronomeMark):
        try:
            bpm = mm.getQuarterBPM()
        except Exception:
            bpm = None
        if bpm:
            found.setdefault(_meta_tick(flat.elementOffset(mm), shift), float(bpm))
    return normalize_tempos(found)


def _tie_type(el, p) -> str | None:
    t = None
    if isinstance(el, m21chord.Chord):
        try:
            t = el.getTie(p)
        except Exception:
            t = None
    if t is None:
        t = el.tie
    return t.type if t is not None and t.type in ("start", "stop", "continue") else None


def _notes(part: stream.Stream, shift: int) -> list[Note]:
    """Notes of one part, tied notes merged (by MIDI number, so a tie from ``G natural`` to ``G``
    still merges; music21's stripTies compares spellings), grace notes dropped."""
    flat = part.flatten()
    done: list[tuple[int, int, int, int]] = []  # (midi, start, end, velocity)
    open_: dict[int, list[int]] = {}  # midi -> [start, end, velocity] of a chain waiting for its next note
    for el in flat.notes:
        if isinstance(el, harmony.Harmony) or el.duration.isGrace:
            continue
        start = ticks(flat.elementOffset(el)) + shift
        dur = ticks(el.duration.quarterLength)
        if dur <= 0 or start < 0:
            continue
        vel = el.volume.velocity if el.volume is not None and el.volume.velocity else 90
        vel = max(1, min(127, int(vel)))
        pitches = el.pitches if isinstance(el, m21chord.Chord) else (el.pitch,) if isinstance(el, note.Note) else ()
        for p in pitches:
            midi = int(round(p.ps))
            if not 0 <= midi <= 127:
                continue
            tie = _tie_type(el, p)
            chain = open_.get(midi)
            if tie in ("stop", "continue") and chain is not None and chain[1] == start:
                chain[1] = start + dur
                if tie == "stop":
                    done.append((midi, chain[0], chain[1], chain[2]))
                    del open_[midi]
                continue
            if chain is not None:  # a tie that never arrived: close what we have
                done.append((midi, chain[0], chain[1], chain[2]))
                del open_[midi]
            if tie in ("start", "continue"):
                open_[midi] = [start, start + dur, vel]
            else:
                done.append((midi, start, start + dur, vel))
    done += [(midi, c[0], c[1], c[2]) for midi, c in open_.items()]
    out: dict[tuple[int, int], Note] = {}
    for midi, start, end, vel in done:
        prev = out.get((midi, start))
        if prev is None or prev.duration < end - start:  # unison doubling: keep the longer
            out[(midi, start)] = Note(midi, start, end - start, vel)
    return sorted(out.values(), key=lambda n: (n.start, n.pitch))


#: Chords found outside music21 (see musicxml.py): part index -> [(measure index, quarter offset, symbol)].
ChordEvents = dict[int, list[tuple[int, Fraction, object]]]


def _chords(parts: list[stream.Stream], shift: int, end: int, meter_: Meter,
            mapper: ChordMapper, chord_events: ChordEvents | None = None) -> list[Chord]:
    events: dict[int, object] = {}
    for pi, part in enumerate(parts):
        if chord_events is not None:
            measures = list(part.getElementsByClass(stream.Measure))
            for mi, offset, sym in chord_events.get(pi, []):
                base = measures[mi].offset if mi < len(measures) else part.highestTime
                events.setdefault(ticks(Fraction(base).limit_denominator(100_000) + offset) + shift, sym)
            continue
        flat = part.flatten()
        for cs in flat.getElementsByClass(harmony.ChordSymbol):
            sym = mapper(cs)
            if sym is None:
                continue
            events.setdefault(ticks(flat.elementOffset(cs)) + shift, sym)
    chords: list[Chord] = []
    ordered = sorted(events.items())
    for i, (tick, sym) in enumerate(ordered):
        if not isinstance(sym, ChordSymbol) or not 0 <= tick < MAX_TICK:  # NO_CHORD, or nothing
            continue
        nxt = ordered[i + 1][0] if i + 1 < len(ordered) else end
        if nxt <= tick:
            nxt = tick + meter_.signature_at(tick).beat_ticks
        chords.append(Chord(sym, tick, min(nxt, MAX_TICK) - tick))
    return chords


def title_of(s: stream.Stream) -> str:
    md = s.metadata if isinstance(s, stream.Stream) else None
    if md is None:
        return ""
    for attr in ("title", "movementName"):
        value = getattr(md, attr, None)
        if value:
            return str(value).strip()
    return ""


def score_from_m21(s: stream.Stream, *, chords: bool = True, chord_mapper: ChordMapper | None = None,
                   title: str | None = None, chord_events: ChordEvents | None = None) -> Score:
    """Convert a parsed music21 stream (Score, Part, Opus: its first score) to a :class:`Score`.

    ``chord_mapper`` turns a music21 chord symbol into ours (default :func:`chord_from_m21`);
    ``chord_events`` supplies chords read outside music21 instead (by measure, see musicxml.py).
    """
    if isinstance(s, stream.Opus) and list(s.scores):
        s = list(s.scores)[0]
    parts = _parts(s)
    if not parts:
        return Score(title=title or "")
    pickup = _pickup_length(parts[0])
    shift = 0  # times are the notation's own: a pickup stays a partial bar 0
    meta_flat = parts[0].flatten()
    top_flat = s.flatten() if s is not parts[0] else meta_flat
    time_sigs = _time_signatures(meta_flat, shift, pickup)
    if not 0 < pickup < time_sigs[0].bar_ticks:
        pickup = 0
    key_sigs = _key_signatures(meta_flat if meta_flat.getElementsByClass(key.KeySignature) else top_flat, shift)
    tempos = _tempos(top_flat, shift)
    tracks = []
    channel = 0
    for i, part in enumerate(parts):
        notes = _notes(part, shift)
        name = (getattr(part, "partName", None) or "").strip()
        name = "Melody" if i == 0 and (not name or len(parts) == 1) else (name or f"Part {i + 1}")
        program = 0
        inst = part.getInstrument(returnDefault=False) if hasattr(part, "getInstrument") else None
        if inst is not None and inst.midiProgram is not None and 0 <= inst.midiProgram <= 127:
            program = int(inst.midiProgram)
        tracks.append(Track(name=name, channel=channel, program=program, notes=tuple(notes)))
        channel += 1
        while channel in (1, 9):  # 1 plays the chord lane, 9 is GM drums
            channel += 1
        channel = min(channel, 15)
    end = max([t.end for t in tracks] + [ticks(p.highestTime) + shift for p in parts] + [0])
    if end > MAX_TICK:  # absurd durations in a damaged file: refuse rather than build endless bars
        raise ValueError(f"the music lasts past tick {MAX_TICK} ({MAX_TICK // (4 * TPQ):,} bars of 4/4), "
                         f"more than a score can hold")
    chord_list: list[Chord] = []
    if chords:
        chord_list = _chords(parts, shift, end, Meter(time_sigs, pickup), chord_mapper or chord_from_m21,
                             chord_events)
    return Score(
        title=title if title is not None else title_of(s),
        tracks=tuple(tracks),
        chords=tuple(chord_list),
        tempos=tempos,
        time_signatures=time_sigs,
        key_signatures=key_sigs,
        length=end,  # the notated length: trailing measures of rests count
        pickup=pickup,
    )


# ---- export ----------------------------------------------------------------------------------
_PLAIN = [3840, 1920, 960, 480, 240, 120, 60, 30, 15]
_NICE = sorted({v for p in _PLAIN for v in (p, p * 3 // 2, p * 7 // 4) if v * 4 % 4 == 0}
               | {p * 2 // 3 for p in _PLAIN if p * 2 % 3 == 0}, reverse=True)


def _pieces(length: int) -> list[int]:
    """Split a duration in ticks into lengths that notation can show (plain, dotted, triplet)."""
    if length in _NICE:
        return [length]
    out, rest = [], length
    for v in _NICE:
        while rest >= v:
            out.append(v)
            rest -= v
    if rest:
        from music21 import duration

        if duration.Duration(Fraction(length, TPQ)).type != "inexpressible":
            return [length]
        if rest * 2 >= _NICE[-1] or not out:
            out.append(_NICE[-1])
    return out


def _m21_symbol(sym: ChordSymbol) -> harmony.ChordSymbol:
    """A fresh music21 chord symbol (copied from a cached prototype: building one is slow)."""
    import copy

    return copy.deepcopy(_m21_symbol_proto(sym))


@functools.lru_cache(maxsize=512)
def _m21_symbol_proto(sym: ChordSymbol) -> harmony.ChordSymbol:
    """Named qualities are a ``<kind>`` (with ``<degree>``s); an extended one (``maj13#11``) is the kind
    of its nearest named quality with the symbol's own spelling as the kind's text, which MuseScore
    shows and :func:`chord_from_fields` reads back."""
    extended = sym.quality not in QUALITY_TO_KIND
    kind, mods = QUALITY_TO_KIND.get(sym.vocab_quality if extended else sym.quality, ("major", ()))
    if extended:
        mods = ()
    root = sym.root.replace("b", "-") if len(sym.root) > 1 else sym.root
    kwargs = {"root": root, "kind": kind}
    if sym.bass:
        kwargs["bass"] = sym.bass.replace("b", "-") if len(sym.bass) > 1 else sym.bass
    cs = harmony.ChordSymbol(**kwargs)
    for mod_type, degree, alter in mods:
        cs.addChordStepModification(harmony.ChordStepModification(mod_type, degree, alter), updatePitches=False)
    if extended:
        cs.chordKindStr = sym.quality
    return cs


def _m21_key(k: KeySignature):
    mode = "minor" if k.mode == "harmonic minor" else k.mode
    return key.Key(k.tonic.replace("b", "-") if len(k.tonic) > 1 else k.tonic, mode)


def _voices(notes: tuple[Note, ...]) -> list[list[tuple[int, int, list[Note]]]]:
    """Group notes into chords (same start and length), then into non-overlapping voices."""
    groups: dict[tuple[int, int], list[Note]] = {}
    for n in notes:
        groups.setdefault((n.start, n.duration), []).append(n)
    voices: list[list[tuple[int, int, list[Note]]]] = []
    for (start, dur), group in sorted(groups.items()):
        for v in voices:
            if v[-1][0] + v[-1][1] <= start:
                v.append((start, dur, group))
                break
        else:
            voices.append([(start, dur, group)])
    return voices


def _pitch(midi: int, prefer_flats: bool):
    from music21 import pitch

    name = spell(midi % 12, prefer_flats).replace("b", "-")
    return pitch.Pitch(name, octave=midi // 12 - 1)


def _element(group: list[Note] | None, length: int, tie_type: str | None, prefer_flats: bool = False):
    ql = Fraction(length, TPQ)
    if group is None:
        el = note.Rest(quarterLength=ql)
    elif len(group) == 1:
        el = note.Note(_pitch(group[0].pitch, prefer_flats), quarterLength=ql)
        el.volume.velocity = group[0].velocity
    else:
        pitches = [_pitch(n.pitch, prefer_flats) for n in sorted(group, key=lambda n: n.pitch)]
        el = m21chord.Chord(pitches, quarterLength=ql)
        el.volume.velocity = max(n.velocity for n in group)
    if tie_type and group is not None:
        from music21 import tie

        el.tie = tie.Tie(tie_type)
    return el


def _finish_measure(m: stream.Measure, k: KeySignature) -> None:
    """Light notation (music21's makeNotation copies the whole score and is slow): accidentals shown
    only where the key or an earlier note of the bar does not imply them, beams, tuplet brackets."""
    from music21 import pitch

    key_alter = {p.step: int(p.alter) for p in key.KeySignature(max(-7, min(7, k.sharps))).alteredPitches}
    state: dict[tuple[str, int], int] = {}
    containers = [m] + list(m.voices)
    items = []
    for c in containers:
        for el in c.notes:
            items.append((c.elementOffset(el), el))
    for _, el in sorted(items, key=lambda x: x[0]):
        held = el.tie is not None and el.tie.type in ("stop", "continue")
        for p in el.pitches:
            alter = int(p.alter)
            if el.tie is not None and p.accidental is None:  # same spelling on both ends of a tie
                p.accidental = pitch.Accidental("natural")
                p.accidental.displayStatus = False
            current = state.get((p.step, p.octave), key_alter.get(p.step, 0))
            if held or alter == current:
                if p.accidental is not None:
                    p.accidental.displayStatus = False
            else:
                if p.accidental is None:
                    p.accidental = pitch.Accidental("natural")
                p.accidental.displayStatus = True
            state[(p.step, p.octave)] = alter
    for c in containers:
        if c is m and m.voices:
            continue
        try:
            c.makeBeams(inPlace=True)
        except Exception:  # odd groupings: leave unbeamed (readers beam by default)
            pass
        try:
            stream.makeNotation.makeTupletBrackets(c, inPlace=True)
        except Exception:
            pass


def _fill_voice(voice, bar_start: int, bar_end: int, prefer_flats: bool = False) -> list:
    """music21 elements (notes, chords, rests; tied where split) for one voice within one bar."""
    out = []
    pos = bar_start
    items = [(s, d, g) for s, d, g in voice if s < bar_end and s + d > bar_start]
    for start, dur, group in items:
        s, e = max(start, bar_start), min(start + dur, bar_end)
        if s > pos:
            out += [_element(None, p, None) for p in _pieces(s - pos)]
        parts = _pieces(e - s)
        for i, p in enumerate(parts):
            first = s == start and i == 0
            last = e == start + dur and i == len(parts) - 1
            tie_type = None if first and last else "start" if first else "stop" if last else "continue"
            out.append(_element(group, p, tie_type, prefer_flats))
        pos = e
    if pos < bar_end:
        out += [_element(None, p, None) for p in _pieces(bar_end - pos)]
    return out


def m21_from_score(score: Score) -> stream.Score:
    """A music21 score for ``score``: one part per track, chord symbols and tempo on the first part."""
    from music21 import clef, instrument, metadata

    s = stream.Score()
    s.metadata = metadata.Metadata()
    s.metadata.title = score.title or ""
    s.metadata.movementName = score.title or ""
    meter_ = score.meter
    end = max(score.end_of_last_bar, meter_.bar(0).end)
    bars = list(meter_.bars(end))
    for ti, track in enumerate(score.tracks):
        part = stream.Part()
        part.partName = track.name
        part.id = f"P{ti + 1}"
        inst = instrument.Instrument()
        inst.partName = track.name
        inst.midiProgram = track.program
        inst.midiChannel = track.channel
        part.insert(0, inst)
        voices = _voices(track.notes)
        prev_sig = None
        low = bool(track.notes) and sum(n.pitch for n in track.notes) / len(track.notes) < 55
        for bar in bars:
            m = stream.Measure(number=meter_.bar_number(bar.index))
            if bar.is_pickup:  # a short measure 0, written implicit="yes"
                m.paddingLeft = Fraction(bar.offset, TPQ)
                m.showNumber = stream.enums.ShowNumber.NEVER
            if bar.index == 0:
                m.clef = clef.BassClef() if low else clef.TrebleClef()
            k_here = score.key_at(bar.start)
            # A key nobody set is not written (as in MIDI files): the notation shows no key
            # signature, and opening the file again reads the key from the notes rather than
            # declaring C major. Accidentals are still spelled in the key the notes are in.
            flats = (reading_key_at(score, bar.start) if k_here.assumed else k_here).prefers_flats
            if prev_sig is None or bar.meter != prev_sig:
                m.timeSignature = meter.TimeSignature(f"{bar.meter.numerator}/{bar.meter.denominator}")
            prev_sig = bar.meter
            for k in score.key_signatures:
                if k.assumed:
                    continue
                if bar.start <= k.tick < bar.end or (bar.index == 0 and k.tick == 0):
                    m.insert(Fraction(k.tick - bar.start, TPQ), _m21_key(k))
            if ti == 0:
                for t in score.tempos:
                    if bar.start <= t.tick < bar.end:
                        mm = tempo.MetronomeMark(number=t.bpm, referent=1.0)
                        mm.numberImplicit = False
                        m.insert(Fraction(t.tick - bar.start, TPQ), mm)
                for i, c in enumerate(score.chords):
                    if bar.start <= c.start < bar.end:
                        m.insert(Fraction(c.start - bar.start, TPQ), _m21_symbol(c.symbol))
                    nxt = score.chords[i + 1].start if i + 1 < len(score.chords) else end
                    if bar.start <= c.end < bar.end and c.end < nxt:  # a gap follows: mark "N.C."
                        m.insert(Fraction(c.end - bar.start, TPQ), harmony.NoChord())
            if len(voices) <= 1:
                offset = Fraction(0)
                for el in _fill_voice(voices[0] if voices else [], bar.start, bar.end, flats):
                    m.insert(offset, el)
                    offset += el.duration.quarterLength
            else:
                for vi, voice in enumerate(voices):
                    v = stream.Voice(id=str(vi + 1))
                    offset = Fraction(0)
                    for el in _fill_voice(voice, bar.start, bar.end, flats):
                        v.insert(offset, el)
                        offset += el.duration.quarterLength
                    m.insert(0, v)
            _finish_measure(m, k_here)
            part.append(m)
        s.insert(0, part)
    return s
