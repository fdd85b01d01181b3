"""POP909 (Music X Lab, ISMIR 2020; MIT): one song folder -> a lead-sheet :class:`Score`.

A song folder ``NNN/`` holds ``NNN.mid`` (tracks ``MELODY``, ``BRIDGE``, ``PIANO``),
``beat_midi.txt`` (one beat per line: ``seconds half_bar_flag downbeat_flag``),
``chord_midi.txt`` (``start_s end_s label`` in Harte's notation, ``N`` = no chord) and
``key_audio.txt`` (``start_s end_s Tonic:maj|min``). The MIDI file's own time signatures are not
musical (most say 1/4) and many songs change tempo, so bars and beats come from
``beat_midi.txt``: every time (note, chord, key change) is mapped to a fractional beat by
interpolating between the annotated beat times, then to ticks (one beat = one quarter note) on
the tokenizer's 40-tick grid. Bars start at the annotated downbeats; a bar with another number of
beats gets its own ``n/4`` signature. What sounds before the first downbeat (a pickup or an
intro) is dropped. Pure Python (mido + numpy), no torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import FileFormatError
from ..score import Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature, Track
from ..score.chords import spell
from ..score.time import TPQ

GRID = TPQ // 12  # 40 ticks: 16ths and triplets are exact
MAX_TEXT = 1 << 20  # annotation files are a few KB; refuse anything absurd

#: Harte quality -> canonical quality of :data:`composer_app.score.QUALITIES`.
HARTE_QUALITY = {
    "maj": "", "min": "m", "dim": "dim", "aug": "aug", "maj7": "maj7", "min7": "m7", "7": "7",
    "dim7": "dim7", "hdim7": "m7b5", "minmaj7": "mmaj7", "maj6": "6", "min6": "m6", "sus2": "sus2",
    "sus4": "sus4", "sus4(b7)": "7sus4", "9": "9", "maj9": "maj9", "min9": "m9", "11": "11", "min11": "m11",
    "13": "13", "5": "5", "1": "5",
}
#: Harte bass degree -> semitones above the root.
HARTE_DEGREE = {"1": 0, "b2": 1, "2": 2, "#2": 3, "b3": 3, "3": 4, "4": 5, "#4": 6, "b5": 6, "5": 7, "#5": 8,
                "b6": 8, "6": 9, "bb7": 9, "b7": 10, "7": 11, "b9": 1, "9": 2, "#9": 3, "11": 5, "#11": 6,
                "b13": 8, "13": 9}


def is_song_folder(path: Path) -> bool:
    """A POP909 song folder: ``NNN/NNN.mid`` beside ``chord_midi.txt`` and ``beat_midi.txt``."""
    p = Path(path)
    return (p.is_dir() and (p / "chord_midi.txt").is_file() and (p / "beat_midi.txt").is_file()
            and (p / f"{p.name}.mid").is_file())


def parse_harte(label: str, prefer_flats: bool = False) -> ChordSymbol | None:
    """A Harte label (``B:maj``, ``C#:min7``, ``Ab:maj/3``, ``F:sus4(b7)``) -> symbol; ``N`` -> None.

    Raises ``ValueError`` for a label it cannot map (the caller leaves such a span without a chord).
    """
    label = label.strip()
    if label in ("N", "X", ""):
        return None
    root_txt, _, rest = label.partition(":")
    quality_txt, _, bass_txt = (rest or "maj").partition("/")
    if quality_txt not in HARTE_QUALITY:
        base = quality_txt.split("(")[0]
        if base not in HARTE_QUALITY:
            raise ValueError(f"unknown Harte quality '{quality_txt}'")
        quality_txt = base
    root_pc = ChordSymbol(root_txt.replace("#", "#")).root_pc
    flats = "b" in root_txt or prefer_flats
    root = spell(root_pc, flats)
    bass = None
    if bass_txt:
        if bass_txt not in HARTE_DEGREE:
            raise ValueError(f"unknown bass degree '{bass_txt}'")
        if HARTE_DEGREE[bass_txt]:
            bass = spell(root_pc + HARTE_DEGREE[bass_txt], flats)
    return ChordSymbol(root, HARTE_QUALITY[quality_txt], bass)


def _rows(path: Path, columns: int) -> list[list[str]]:
    if path.stat().st_size > MAX_TEXT:
        raise FileFormatError(path, "annotation file is implausibly large")
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if len(parts) >= columns:
            rows.append(parts)
    return rows


class _BeatClock:
    """Seconds -> fractional beat index by linear interpolation between annotated beats."""

    def __init__(self, times: np.ndarray):
        self.t = times
        self.i = np.arange(len(times), dtype=float)

    def beat(self, seconds: float) -> float:
        t, i = self.t, self.i
        if seconds <= t[0]:
            return (seconds - t[0]) / (t[1] - t[0])
        if seconds >= t[-1]:
            return i[-1] + (seconds - t[-1]) / (t[-1] - t[-2])
        return float(np.interp(seconds, t, i))


def _midi_melody(path: Path) -> tuple[list[tuple[float, float, int, int]], float]:
    """MELODY track notes as (start_s, end_s, pitch, velocity), and the first tempo in bpm."""
    import mido

    try:
        mid = mido.MidiFile(str(path))
    except (OSError, ValueError, EOFError, KeyError) as exc:
        raise FileFormatError(path, f"not a readable MIDI file ({exc})") from None
    tempo_changes: list[tuple[int, int]] = []  # (abs tick, microseconds per beat)
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                tempo_changes.append((tick, msg.tempo))
    tempo_changes.sort()
    if not tempo_changes or tempo_changes[0][0] > 0:
        tempo_changes.insert(0, (0, 500000))
    tpb = mid.ticks_per_beat
    # Seconds at each tempo change, for tick -> seconds.
    marks, sec = [], 0.0
    for j, (tick, tempo) in enumerate(tempo_changes):
        if j:
            ptick, ptempo = tempo_changes[j - 1]
            sec += (tick - ptick) * ptempo / 1e6 / tpb
        marks.append((tick, sec, tempo))
    mark_ticks = [m[0] for m in marks]

    def seconds(tick: int) -> float:
        k = max(0, int(np.searchsorted(mark_ticks, tick, side="right")) - 1)
        t0, s0, tempo = marks[k]
        return s0 + (tick - t0) * tempo / 1e6 / tpb

    melody = next((t for t in mid.tracks if t.name.strip().upper() == "MELODY"), None)
    if melody is None:
        raise FileFormatError(path, "no MELODY track")
    notes, sounding, tick = [], {}, 0
    for msg in melody:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            sounding[msg.note] = (tick, msg.velocity)
        elif msg.type in ("note_off", "note_on") and msg.note in sounding:
            on, vel = sounding.pop(msg.note)
            if tick > on:
                notes.append((seconds(on), seconds(tick), msg.note, vel))
    notes.sort()
    return notes, 60e6 / tempo_changes[0][1]


def read_song(folder: str | Path) -> Score:
    """Read one POP909 song folder; raises :class:`FileFormatError` naming the folder on bad data."""
    folder = Path(folder)
    if not is_song_folder(folder):
        raise FileFormatError(folder, "not a POP909 song folder (NNN.mid, chord_midi.txt, beat_midi.txt)")
    beats = _rows(folder / "beat_midi.txt", 3)
    if len(beats) < 4:
        raise FileFormatError(folder / "beat_midi.txt", "fewer than 4 beats")
    times = np.array([float(r[0]) for r in beats])
    if np.any(np.diff(times) <= 0):
        raise FileFormatError(folder / "beat_midi.txt", "beat times do not increase")
    downbeats = [k for k, r in enumerate(beats) if float(r[2]) >= 0.5]
    if not downbeats:
        raise FileFormatError(folder / "beat_midi.txt", "no downbeats")
    clock = _BeatClock(times)
    first = downbeats[0]

    def tick_of(seconds: float) -> int:
        return int(round((clock.beat(seconds) - first) * TPQ / GRID)) * GRID

    # Bars: a signature wherever the number of beats between downbeats changes.
    sigs: list[TimeSignature] = []
    last_n = None
    bounds = downbeats + [len(beats)]
    for a, b in zip(bounds, bounds[1:]):
        n = min(max(b - a, 1), 8)
        if b == len(beats) and sigs:  # the last, open bar keeps the meter before it
            break
        if n != last_n:
            sigs.append(TimeSignature(n, 4, (a - first) * TPQ))
            last_n = n
    # Melody.
    raw, bpm = _midi_melody(folder / f"{folder.name}.mid")
    notes = []
    for s0, s1, pitch, vel in raw:
        a, b = tick_of(s0), tick_of(s1)
        if a < 0:
            continue
        notes.append(Note(pitch, a, max(GRID, b - a), max(1, min(127, vel))))
    notes = _monophonic(notes)
    # Key.
    keys = []
    key_file = folder / "key_audio.txt"
    if key_file.is_file():
        for r in _rows(key_file, 3):
            tonic, _, mode = r[2].partition(":")
            try:
                pc = ChordSymbol(tonic).root_pc
            except Exception:
                continue
            mode = "minor" if mode.startswith("min") else "major"
            t = max(0, tick_of(float(r[0])))
            keys.append(KeySignature(spell(pc, "b" in tonic), mode, t))
    keys = _keys_on_bar_lines(keys, Score(time_signatures=tuple(sigs)).meter)
    flats = keys[0].prefers_flats if keys else False
    # Chords: consecutive equal labels merged, N left as gaps.
    chords: list[Chord] = []
    for r in _rows(folder / "chord_midi.txt", 3):
        try:
            sym = parse_harte(r[2], flats)
        except (ValueError, Exception):
            sym = None
        if sym is None:
            continue
        a = max(0, int(round(tick_of(float(r[0])) / (TPQ // 4))) * (TPQ // 4))
        b = int(round(tick_of(float(r[1])) / (TPQ // 4))) * (TPQ // 4)
        if b <= a:
            continue
        if chords and str(chords[-1].symbol) == str(sym) and chords[-1].end == a:
            chords[-1] = Chord(sym, chords[-1].start, b - chords[-1].start)
        elif chords and chords[-1].end > a:
            prev = chords[-1]
            if a > prev.start:
                chords[-1] = Chord(prev.symbol, prev.start, a - prev.start)
                chords.append(Chord(sym, a, b - a))
        else:
            chords.append(Chord(sym, a, b - a))
    return Score(title=f"POP909 {folder.name}", tracks=(Track("Melody", notes=tuple(notes)),),
                 chords=tuple(chords), tempos=(Tempo(max(1.0, min(1000.0, bpm))),),
                 time_signatures=tuple(sigs) or (TimeSignature(),),
                 key_signatures=tuple(keys) or (KeySignature(),))


def _monophonic(notes: list[Note]) -> list[Note]:
    """The sung melody is monophonic; quantisation can make neighbours overlap: cut at the next onset."""
    out: list[Note] = []
    for n in sorted(notes, key=lambda n: (n.start, -n.pitch)):
        if out and out[-1].start == n.start:
            continue
        if out and out[-1].end > n.start:
            prev = out[-1]
            out[-1] = Note(prev.pitch, prev.start, n.start - prev.start, prev.velocity)
        out.append(n)
    return out


def _keys_on_bar_lines(keys: list[KeySignature], meter) -> list[KeySignature]:
    out: dict[int, KeySignature] = {}
    for k in sorted(keys, key=lambda k: k.tick):
        bar = meter.bar_at(k.tick)
        t = bar.start if k.tick - bar.start < bar.length // 2 else bar.end
        if not out:
            t = 0
        out[t] = KeySignature(k.tonic, k.mode, t)
    merged, last = [], None
    for t in sorted(out):
        k = out[t]
        if last is None or (k.tonic, k.mode) != (last.tonic, last.mode):
            merged.append(k)
            last = k
    return merged
