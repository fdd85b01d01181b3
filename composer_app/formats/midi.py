"""Standard MIDI File import and export with mido. Pure Python, no Qt.

Export (type 1, 480 ticks per quarter):

* track 0 (conductor): the title as track name, tempo, time signature and key signature events
  (plus a ``key: <tonic> <mode>`` text event so modes other than major/minor survive);
* one track per score track: track name, program change on its channel, its notes;
* a track named ``Chords``: each chord symbol as a marker event at its start (``N.C.`` where a
  chord ends without another following) and the chord voiced as notes on ``chord_channel`` with
  ``chord_program`` so the file sounds in a DAW. On import that track's notes are not taken as a
  melody: its markers become chords and its program/channel the chord settings.

Import: any resolution is rescaled to 480 ticks per quarter; type 0 files (and tracks that use
several channels) are split by channel; note-on with velocity 0 is a note-off; overlapping notes
of the same pitch are closed first-in first-out. Marker and text events that spell a chord become
chords lasting until the next chord (or ``N.C.``), or to the end of their bar for the last one.

Pickups: a score's pickup bar is written as a short bar with its own meter (one beat before 4/4
is a bar of 1/4), as notation programs write it; reading such a file gives the pickup back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ChordSymbolError, FileFormatError
from ..score import TPQ, Chord, ChordSymbol, KeySignature, Meter, Note, Score, Track
from ..score.time import rescale
from ._atomic import atomic_write_bytes
from ._common import (MAX_FILE_BYTES, MAX_TICK, normalize_keys, normalize_tempos, normalize_time_signatures,
                      pickup_from_meters, pickup_meter, read_bytes)

CHORD_TRACK_NAME = "Chords"
NO_CHORD_TEXT = "N.C."
_KEY_TEXT_PREFIX = "key: "
_MINOR_BY_SHARPS = {-7: "Abm", -6: "Ebm", -5: "Bbm", -4: "Fm", -3: "Cm", -2: "Gm", -1: "Dm", 0: "Am",
                    1: "Em", 2: "Bm", 3: "F#m", 4: "C#m", 5: "G#m", 6: "D#m", 7: "A#m"}
_MAJOR_BY_SHARPS = {-7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
                    1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#"}
_CHORD_VELOCITY = 70
_MAX_MIDI_TEMPO = 0xFFFFFF
#: Sanity limit on import: a damaged or hostile file is refused with a reason rather than read
#: into gigabytes of notes (events past MAX_TICK, shared by every reader, are ignored).
MAX_NOTES = 1_000_000


# ---- export ----------------------------------------------------------------------------------
def _mido_key(k: KeySignature) -> str:
    sharps = max(-7, min(7, k.sharps))
    return _MINOR_BY_SHARPS[sharps] if k.mode in ("minor", "harmonic minor") else _MAJOR_BY_SHARPS[sharps]


def _to_track(events: list[tuple[int, int, Any]], name: str, end: int = 0):
    """Absolute-time ``(tick, order, message)`` list to a mido track with delta times; the track
    ends at ``end`` if that is later than its last event (so trailing bars of rests survive)."""
    import mido

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    now = 0
    for tick, _order, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    return track


def _note_events(notes, channel: int) -> list[tuple[int, int, object]]:
    """Note on/off pairs; a note cut short where the next note of the same pitch starts (no overlaps)."""
    import mido

    events = []
    by_pitch: dict[int, list[Note]] = {}
    for n in notes:
        by_pitch.setdefault(n.pitch, []).append(n)
    for pitch, group in by_pitch.items():
        group.sort(key=lambda n: (n.start, -n.duration))
        for i, n in enumerate(group):
            end = n.end
            if i + 1 < len(group) and group[i + 1].start < end:
                end = group[i + 1].start
            if end <= n.start:
                continue  # two notes of one pitch starting together: keep one
            events.append((n.start, 2, mido.Message("note_on", channel=channel, note=pitch, velocity=n.velocity)))
            events.append((end, 1, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
    return events


def midi_from_score(score: Score):
    """Build the :class:`mido.MidiFile` for ``score``."""
    import mido

    pickup = pickup_meter(score)
    if score.pickup and pickup is None:
        score = score.without_pickup()  # a pickup no meter can spell: a whole first bar starting with rests
    mid = mido.MidiFile(type=1, ticks_per_beat=TPQ, charset="utf-8")  # names in any script (read back as UTF-8)
    conductor = []
    if pickup is not None:  # the pickup bar as a short bar of its own meter (1/4 before 4/4)
        conductor.append((0, 0, mido.MetaMessage("time_signature", numerator=pickup.numerator,
                                                 denominator=pickup.denominator)))
    for t in score.tempos:  # a set_tempo holds at most 0xFFFFFF us per quarter (about 3.58 bpm)
        conductor.append((t.tick, 0, mido.MetaMessage("set_tempo", tempo=min(_MAX_MIDI_TEMPO, t.microseconds_per_quarter))))
    for ts in score.time_signatures:
        tick = score.pickup if pickup is not None and ts.tick == 0 else ts.tick
        conductor.append((tick, 0, mido.MetaMessage("time_signature", numerator=ts.numerator,
                                                     denominator=ts.denominator)))
    for k in score.key_signatures:
        if k.assumed:  # nobody set it: the file declares no key there either
            continue
        conductor.append((k.tick, 0, mido.MetaMessage("key_signature", key=_mido_key(k))))
        conductor.append((k.tick, 0, mido.MetaMessage("text", text=f"{_KEY_TEXT_PREFIX}{k.tonic} {k.mode}")))
    mid.tracks.append(_to_track(conductor, score.title, score.end_of_last_bar if score.length else 0))
    for track in score.tracks:
        ch = track.channel
        events = [(0, 0, mido.Message("program_change", channel=ch, program=track.program))]
        events += _note_events(track.notes, ch)
        mid.tracks.append(_to_track(events, track.name or "Track"))
    if score.chords:
        ch = score.chord_channel
        events = [(0, 0, mido.Message("program_change", channel=ch, program=score.chord_program))]
        voiced = []
        for i, c in enumerate(score.chords):
            events.append((c.start, 3, mido.MetaMessage("marker", text=str(c.symbol))))
            nxt = score.chords[i + 1].start if i + 1 < len(score.chords) else None
            if nxt is None or nxt > c.end:
                events.append((c.end, 0, mido.MetaMessage("marker", text=NO_CHORD_TEXT)))
            end = min(c.end, nxt) if nxt is not None else c.end
            voiced += [Note(p, c.start, end - c.start, _CHORD_VELOCITY) for p in c.symbol.voicing()
                       if 0 <= p <= 127 and end > c.start]
        events += _note_events(voiced, ch)
        mid.tracks.append(_to_track(events, CHORD_TRACK_NAME))
    return mid


def write_midi(score: Score, path: str | Path) -> None:
    """Write ``score`` as a type 1 Standard MIDI File, atomically."""
    import io

    path = Path(path)
    try:
        buf = io.BytesIO()
        midi_from_score(score).save(file=buf)
    except (ValueError, TypeError, OSError) as exc:
        raise FileFormatError(path, f"could not be written as MIDI ({exc})") from None
    atomic_write_bytes(path, buf.getvalue())


# ---- import ----------------------------------------------------------------------------------
def _parse_chord(text: str):
    t = text.strip()
    if t.upper().replace(".", "") in ("NC", "N C", "NO CHORD"):
        return NO_CHORD_TEXT
    try:
        return ChordSymbol.parse(t)
    except (ChordSymbolError, ValueError):
        return None


def _text(s: str) -> str:
    """A text/name as written: mido decodes as latin-1; files from us and most current tools are UTF-8."""
    try:
        return s.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return s


def _key_from_mido(key: str, tick: int) -> KeySignature | None:
    minor = key.endswith("m")
    tonic = key[:-1] if minor else key
    try:
        return KeySignature(tonic, "minor" if minor else "major", tick)
    except ValueError:
        return None


def _load(path: Path):
    import mido

    data = read_bytes(path, max_bytes=MAX_FILE_BYTES)
    if not data.startswith(b"MThd"):
        raise FileFormatError(path, "not a MIDI file (no 'MThd' header)")
    import io

    from ._smf import prepare

    data = prepare(path, data, max_notes=MAX_NOTES, max_tick=MAX_TICK)

    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except EOFError:
        raise FileFormatError(path, "the MIDI file is truncated") from None
    except Exception as exc:  # mido raises OSError, ValueError, KeyError, IndexError on corrupt data
        detail = (str(exc).strip().splitlines() or [""])[0][:200]
        raise FileFormatError(path, f"the MIDI file is damaged ({type(exc).__name__}: {detail})") from None
    if mid.type == 2:
        pass  # independent sequences: read like type 1
    tpq = mid.ticks_per_beat
    if not tpq or tpq <= 0 or tpq >= 0x8000:
        raise FileFormatError(path, "SMPTE time division is not supported (only ticks per quarter note)")
    return mid


def read_midi(path: str | Path) -> Score:
    """Read a Standard MIDI File into a :class:`Score`."""
    path = Path(path)
    mid = _load(path)
    tpq = mid.ticks_per_beat
    tempos: dict[int, float] = {}
    sigs: dict[int, tuple[int, int]] = {}
    keys: dict[int, KeySignature] = {}
    key_texts: dict[int, KeySignature] = {}
    chord_events: dict[int, object] = {}
    title = ""
    # (track index, channel) -> data
    lanes: dict[tuple[int, int], dict] = {}
    chord_lane: dict | None = None
    track_names: dict[int, str] = {}
    last_tick = 0
    note_count = 0
    for ti, mtrack in enumerate(mid.tracks):
        name = ""
        is_chord_track = False
        abs_tick = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = {}
        programs: dict[int, int] = {}
        lane_notes: dict[int, list[Note]] = {}

        def close(ch: int, pitch: int, end: int) -> None:
            stack = open_notes.get((ch, pitch))
            if not stack:
                return
            start, vel = stack.pop(0)
            s, e = rescale(start, tpq), rescale(end, tpq)
            lane_notes.setdefault(ch, []).append(Note(pitch, s, max(1, e - s), max(1, min(127, vel))))

        for msg in mtrack:
            abs_tick += msg.time
            tick = rescale(abs_tick, tpq)
            if tick >= MAX_TICK:  # a damaged delta time: the rest of the track lies beyond any real piece
                abs_tick -= msg.time
                break
            if msg.is_meta:
                if msg.type == "track_name" and not name:
                    name = _text(msg.name).strip()
                    is_chord_track = name.lower() == CHORD_TRACK_NAME.lower()
                elif msg.type == "set_tempo":
                    if msg.tempo > 0:  # 0 us per quarter is meaningless (and would divide by zero)
                        tempos.setdefault(tick, 60_000_000 / msg.tempo)
                elif msg.type == "time_signature":
                    sigs[tick] = (msg.numerator, msg.denominator)
                elif msg.type == "key_signature":
                    k = _key_from_mido(msg.key, tick)
                    if k is not None:
                        keys.setdefault(tick, k)
                elif msg.type in ("marker", "text", "cue_marker"):
                    text = _text(msg.text).strip()
                    if text.startswith(_KEY_TEXT_PREFIX):
                        tonic, _, mode = text[len(_KEY_TEXT_PREFIX):].partition(" ")
                        try:
                            key_texts[tick] = KeySignature(tonic, mode or "major", tick)
                        except ValueError:
                            pass
                        continue
                    sym = _parse_chord(text)
                    if sym is not None:
                        chord_events.setdefault(tick, sym)
                continue
            if msg.type == "program_change":
                programs.setdefault(msg.channel, msg.program)
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes.setdefault((msg.channel, msg.note), []).append((abs_tick, msg.velocity))
                note_count += 1
                if note_count > MAX_NOTES:
                    raise FileFormatError(path, f"the MIDI file holds more than {MAX_NOTES:,} notes (too many to edit)")
            elif msg.type in ("note_off", "note_on"):
                close(msg.channel, msg.note, abs_tick)
        for (ch, pitch), stack in list(open_notes.items()):
            while stack:  # notes never switched off end with the track
                close(ch, pitch, max(abs_tick, stack[0][0] + 1))
        last_tick = max(last_tick, rescale(abs_tick, tpq))
        track_names[ti] = name
        if ti == 0 and name and not lane_notes:
            title = name
        if is_chord_track:
            chord_ch = next(iter(lane_notes), next(iter(programs), None))
            chord_lane = {"channel": chord_ch, "program": programs.get(chord_ch, 0) if chord_ch is not None else 0}
            continue
        for ch in sorted(lane_notes):
            lanes[(ti, ch)] = {"name": name, "program": programs.get(ch, 0), "notes": lane_notes[ch]}
    # Tracks: one per (track, channel); a split track gets the channel in its name.
    per_track: dict[int, list[int]] = {}
    for ti, ch in lanes:
        per_track.setdefault(ti, []).append(ch)
    tracks: list[Track] = []
    for (ti, ch), lane in sorted(lanes.items()):
        name = lane["name"] or ("Melody" if not tracks else f"Track {len(tracks) + 1}")
        if len(per_track[ti]) > 1:
            name = f"{name} (channel {ch + 1})"
        tracks.append(Track(name=name, channel=ch, program=lane["program"], notes=tuple(lane["notes"])))
    time_sigs, pickup = pickup_from_meters(normalize_time_signatures(sigs))
    for tick, k in key_texts.items():  # the exact mode and spelling, when we wrote the file
        if tick in keys and (keys[tick].sharps == k.sharps):
            keys[tick] = k
    meter = Meter(time_sigs, pickup)
    chords = []
    ordered = sorted(chord_events.items())
    for i, (tick, sym) in enumerate(ordered):
        if not isinstance(sym, ChordSymbol):
            continue
        end = ordered[i + 1][0] if i + 1 < len(ordered) else meter.bar_at(tick).end
        if end > tick:
            chords.append(Chord(sym, tick, end - tick))
    kwargs = {}
    if chord_lane is not None and chord_lane["channel"] is not None:
        kwargs = {"chord_channel": chord_lane["channel"], "chord_program": chord_lane["program"]}
    if not tracks and not chords and last_tick == 0 and not (tempos or sigs or keys):
        raise FileFormatError(path, "the MIDI file holds no notes, chords or tempo/meter/key events")
    return Score(
        title=title,
        tracks=tuple(tracks) or (Track(),),
        chords=tuple(chords),
        tempos=normalize_tempos(tempos),
        time_signatures=time_sigs,
        key_signatures=normalize_keys(keys),
        length=last_tick,  # the end of the longest track: trailing rests count
        pickup=pickup,
        **kwargs,
    )
