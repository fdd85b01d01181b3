"""Seeds and mutations for the fuzz tests: valid files made with the app's own writers from random
and hand-made scores (no external data), tiny hand-written files, and hypothesis strategies that
mutate them (byte flips, truncation, chunk deletion/duplication/insertion, splicing, token-level
edits of text formats, structural edits of project JSON, field edits of MIDI messages)."""

from __future__ import annotations

import copy
import functools
import io
import json
import re
import tempfile
from pathlib import Path

from hypothesis import strategies as st

from composer_app import formats
from composer_app.score import (TPQ, Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature,
                                Track)
from composer_app.score.chords import QUALITIES, SHARP_NAMES, FLAT_NAMES

# ---- random valid scores ---------------------------------------------------------------------------
METERS = [(4, 4), (3, 4), (6, 8), (2, 2), (5, 4), (7, 8), (12, 8), (1, 4)]
KEYS = [("C", "major"), ("A", "minor"), ("Bb", "major"), ("F#", "minor"), ("D", "dorian"), ("Eb", "mixolydian"),
        ("E", "phrygian"), ("G", "lydian")]
GRID = [TPQ // 12, TPQ // 8, TPQ // 6, TPQ // 4, TPQ // 3, TPQ // 2, 2 * TPQ // 3, TPQ, 3 * TPQ // 2, 2 * TPQ, 4 * TPQ]
ROOTS = sorted(set(SHARP_NAMES) | set(FLAT_NAMES))


@st.composite
def chord_symbols(draw):
    root = draw(st.sampled_from(ROOTS))
    quality = draw(st.sampled_from(sorted(QUALITIES)))
    bass = draw(st.none() | st.sampled_from(ROOTS))
    return ChordSymbol(root, quality, bass)


@st.composite
def notes(draw, max_notes: int = 24):
    out, t = [], 0
    for _ in range(draw(st.integers(0, max_notes))):
        t += draw(st.sampled_from([0] + GRID))
        out.append(Note(draw(st.integers(21, 108)), t, draw(st.sampled_from(GRID)), draw(st.integers(1, 127))))
    return out


@st.composite
def scores(draw, max_notes: int = 24):
    """A small random but valid score: 1-3 tracks, chords, tempo/meter/key changes on bar lines."""
    num, den = draw(st.sampled_from(METERS))
    bar = num * TPQ * 4 // den
    sigs = [TimeSignature(num, den, 0)]
    if draw(st.booleans()):
        n2, d2 = draw(st.sampled_from(METERS))
        sigs.append(TimeSignature(n2, d2, bar * draw(st.integers(1, 4))))
    tonic, mode = draw(st.sampled_from(KEYS))
    keys = [KeySignature(tonic, mode, 0)]
    if draw(st.booleans()):
        t2, m2 = draw(st.sampled_from(KEYS))
        keys.append(KeySignature(t2, m2, bar * draw(st.integers(1, 4))))
    tempos = [Tempo(float(draw(st.integers(30, 240))), 0)]
    if draw(st.booleans()):
        tempos.append(Tempo(draw(st.floats(20, 300, allow_nan=False)), TPQ * draw(st.integers(1, 16))))
    tracks = []
    for _ in range(draw(st.integers(1, 3))):
        tracks.append(Track(draw(st.sampled_from(["Melody", "Piano", "", "Bass ♭", "Ünïcode \"q\" <x>"])),
                            draw(st.sampled_from([0, 2, 3, 9, 15])), draw(st.integers(0, 127)),
                            tuple(draw(notes(max_notes))), muted=draw(st.booleans())))
    chords, t = [], 0
    for _ in range(draw(st.integers(0, 8))):
        t += draw(st.sampled_from([0, TPQ, 2 * TPQ, bar]))
        d = draw(st.sampled_from([TPQ, 2 * TPQ, bar]))
        if not chords or chords[-1].end <= t:
            chords.append(Chord(draw(chord_symbols()), t, d))
    return Score(title=draw(st.sampled_from(["", "Fuzz", "Tune <&> \"1\"", "日本語のタイトル"])),
                 tracks=tuple(tracks), chords=tuple(chords), tempos=tuple(tempos),
                 time_signatures=tuple(sigs), key_signatures=tuple(keys),
                 chord_program=draw(st.integers(0, 127)), chord_channel=draw(st.sampled_from([1, 4, 15])),
                 length=draw(st.sampled_from([0, 0, 8 * TPQ, 40 * TPQ])))


def hand_made_scores() -> list[Score]:
    """Fixed scores covering ties across bar lines, triplets, chords, gaps and changes."""
    bar = 4 * TPQ
    lead = Score(
        title="Lead sheet",
        tracks=(Track("Melody", 0, 73, (Note(60, 0, TPQ, 80), Note(62, TPQ, TPQ // 2, 81), Note(64, 3 * TPQ // 2, TPQ // 2, 82),
                                         Note(65, 2 * TPQ, TPQ * 2 // 3, 83), Note(67, 2 * TPQ + 160, 160, 84),
                                         Note(69, 2 * TPQ + 320, 160, 85), Note(72, 3 * TPQ, 2 * TPQ, 100))),),
        chords=(Chord(ChordSymbol.parse("Am7"), 0, bar // 2), Chord(ChordSymbol.parse("G/B"), bar // 2, bar // 2),
                Chord(ChordSymbol.parse("F#m7b5"), bar, bar // 2)),
        tempos=(Tempo(96.0, 0),), time_signatures=(TimeSignature(4, 4, 0),), key_signatures=(KeySignature("F", "major"),))
    rich = Score(
        title="Rich",
        tracks=(Track("Lead", 0, 73, (Note(67, 0, TPQ, 90), Note(69, TPQ, TPQ, 90), Note(74, 2 * bar, 4 * TPQ, 90))),
                Track("Piano", 2, 0, (Note(48, 0, 2 * bar, 60), Note(52, 0, bar, 61), Note(55, 0, bar, 62)), muted=True)),
        chords=(Chord(ChordSymbol.parse("Esus4"), 0, bar), Chord(ChordSymbol.parse("C6"), 2 * bar, 3 * TPQ)),
        tempos=(Tempo(88.5, 0), Tempo(132.0, bar)),
        time_signatures=(TimeSignature(4, 4, 0), TimeSignature(3, 4, 2 * bar)),
        key_signatures=(KeySignature("E", "minor", 0), KeySignature("D", "dorian", 2 * bar)),
        chord_program=24, chord_channel=3, length=4 * bar)
    return [lead, rich, Score()]


def _write(score: Score, ext: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="fuzz-seed-") as d:
        p = Path(d) / f"seed{ext}"
        formats.write(score, p)
        return _undated(p.read_bytes(), ext)


def _undated(data: bytes, ext: str) -> bytes:
    """The same file without today's date (MusicXML's <encoding-date>, zip timestamps), so the
    derandomized CI run mutates the same bytes every day."""
    if ext in (".musicxml", ".xml"):
        data = re.sub(rb"<encoding-date>[^<]*</encoding-date>", b"<encoding-date>2000-01-01</encoding-date>", data)
        ids: dict[bytes, bytes] = {}  # music21's random part/instrument ids, numbered in order
        return re.sub(rb"\b([PI])[0-9a-f]{32}\b", lambda m: ids.setdefault(m.group(0), m.group(1) + b"%032d" % len(ids)), data)
    if ext == ".mxl":
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
            for info in zin.infolist():
                fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
                fixed.compress_type = info.compress_type
                zout.writestr(fixed, _undated(zin.read(info.filename), ".xml"))
        return out.getvalue()
    return data


def written(score: Score, ext: str) -> bytes:
    """``score`` as the bytes of a ``ext`` file, made by the app's own writer."""
    return _write(score, ext)


@functools.lru_cache(maxsize=None)
def seed_files(ext: str) -> tuple[bytes, ...]:
    """Valid seed files for ``ext`` made by the app's writers from the hand-made scores and a few
    random ones (drawn once from a fixed seed, so every run has the same corpus)."""
    if ext == ".abc":
        return tuple(s.encode("utf-8") for s in ABC_SEEDS)
    made = [_write(s, ext) for s in hand_made_scores()]
    for s in _fixed_random_scores(3):
        made.append(_write(s, ext))
    return tuple(made)


@functools.lru_cache(maxsize=None)
def _fixed_random_scores(n: int) -> tuple[Score, ...]:
    import random

    from hypothesis.errors import HypothesisException  # noqa: F401 - hypothesis is present

    rng = random.Random(1234)
    out = []
    for _ in range(n):
        tracks = []
        for ti in range(rng.randint(1, 2)):
            t, ns = 0, []
            for _ in range(rng.randint(3, 16)):
                t += rng.choice(GRID)
                ns.append(Note(rng.randint(36, 96), t, rng.choice(GRID), rng.randint(30, 120)))
            tracks.append(Track(f"T{ti}", ti * 2, rng.randint(0, 127), tuple(ns)))
        num, den = rng.choice(METERS)
        chords = [Chord(ChordSymbol(rng.choice(ROOTS), rng.choice(sorted(QUALITIES)), rng.choice([None, "E", "Bb"])),
                        i * 2 * TPQ, 2 * TPQ) for i in range(rng.randint(0, 6))]
        out.append(Score(title="seed", tracks=tuple(tracks), chords=tuple(chords),
                         time_signatures=(TimeSignature(num, den, 0),),
                         key_signatures=(KeySignature(*rng.choice(KEYS)),), tempos=(Tempo(rng.uniform(40, 200), 0),)))
    return tuple(out)


# ---- hand-written ABC ------------------------------------------------------------------------------
ABC_SEEDS = [
    'X:1\nT:Tiny\nM:4/4\nL:1/4\nK:C\n"C"C D E F|"G7"G A B c|]\n',
    # Nottingham style: two tunes, file header, chords in its dialect, repeats, ties, triplets, broken rhythm
    "% file header\nM:6/8\nL:1/8\n\n"
    'X: 1\nT:Jig One\nR:jig\nK:G\nP:A\n|:"G"GAB "D/f+"dBG|"Em"e2e "Gd"d2B|"C"c2A "Am/c"A2G|1"D7"FGA d3:|2"D7"FED G3||\n'
    'P:B\n"G"g2g "(E7)"f2e|(3def "Ca"g3-|g3 "N.C."z3|]\n\n'
    "X: 2\nT:Reel Two\nR:reel\nM:4/4\nL:1/8\nQ:1/4=120\nK:Dm\n"
    '"Dm"A2 AF DFAd|"C"c2 ^cB =c3e|"Bb"[dfb]4 "A7"A>G F<E|"Dm"D8::\n"F"fefg a2ag|"Gm/bb"bagf "A"e4|]\n',
    'X:3\nT:Meter changes\nM:3/4\nL:1/4\nK:Bb\n"Bb"B c d|[M:2/4]"F7"c2|[K:Eb]"Eb"e/f/g/a/|"Cm7"c3/2 B/|]\n',
    'X:4\nT:Chords and rests\nL:1/16\nK:A mix\n"A"A4 z4 "D"[DFA]8|"E7sus4"E16|"^annotation""A"a16-|a8 z8|]\n',
]


# ---- byte-level mutations --------------------------------------------------------------------------
INTERESTING_BYTES = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, 0x3C, 0x3E, 0x22, 0x2F, 0x0A, 0x7B, 0x7D, 0x5B, 0x5D]


@st.composite
def _byte_mutation(draw, data: bytes, others: tuple[bytes, ...]) -> bytes:
    n = len(data)
    op = draw(st.sampled_from(["flip", "set", "truncate", "delete", "duplicate", "insert", "splice", "overwrite"]))
    pos = draw(st.integers(0, max(0, n)))
    if op == "flip":
        if n == 0:
            return data
        pos = min(pos, n - 1)
        return data[:pos] + bytes([data[pos] ^ (1 << draw(st.integers(0, 7)))]) + data[pos + 1:]
    if op == "set":
        if n == 0:
            return data
        pos = min(pos, n - 1)
        b = draw(st.sampled_from(INTERESTING_BYTES) | st.integers(0, 255))
        return data[:pos] + bytes([b]) + data[pos + 1:]
    if op == "truncate":
        return data[:pos]
    length = draw(st.integers(1, max(1, min(n, 512))))
    if op == "delete":
        return data[:pos] + data[pos + length:]
    if op == "duplicate":
        chunk = data[pos:pos + length]
        times = draw(st.integers(1, 8))
        return data[:pos] + chunk * (times + 1) + data[pos + length:]
    if op == "insert":
        return data[:pos] + draw(st.binary(min_size=1, max_size=64)) + data[pos:]
    if op == "overwrite":
        junk = draw(st.binary(min_size=1, max_size=32))
        return data[:pos] + junk + data[pos + len(junk):]
    other = draw(st.sampled_from(others)) if others else data  # splice
    cut = draw(st.integers(0, len(other)))
    return data[:pos] + other[cut:]


@st.composite
def byte_mutants(draw, data: bytes, others: tuple[bytes, ...] = (), max_ops: int = 4) -> bytes:
    for _ in range(draw(st.integers(1, max_ops))):
        data = draw(_byte_mutation(data, others))
    return data


# ---- token-level mutations of text formats -----------------------------------------------------------
HUGE_NUMBERS = ["0", "-1", "-480", "99999999999999999999", "4294967296", "2147483648", "1e308", "-1e308", "NaN",
                "inf", "0.0000001", "1" * 5000, "3.5", "-0", "1/0", "65536", "128", "255", "16", "10000000"]
WEIRD_TEXT = ["\u0000", "\ufeff", "\u202e", "𝄞", "♯♭", "\ud7ff", "<", ">", "&", "&amp;", "]]>", "<![CDATA[", "\"", "'",
              "%", "|", ":|", "|:", "::", "[", "]", "(", ")", "{", "}", "\\", "\n", "\r", "\t", "X:", "K:", "T:",
              "M:", "L:", "Q:", "V:", "w:", "!", "~", "^", "_", "=", "/", "-", ",", "'", "z", "x", "y"]


@st.composite
def _text_mutation(draw, text: str) -> str:
    op = draw(st.sampled_from(["number", "number", "drop_close_tag", "drop_tag_line", "unicode", "dup_line",
                               "del_line", "swap_lines", "weird"]))
    if op == "number":
        spans = [m.span() for m in re.finditer(r"-?\d+(?:\.\d+)?", text)]
        if not spans:
            return text
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        return text[:a] + draw(st.sampled_from(HUGE_NUMBERS)) + text[b:]
    if op == "drop_close_tag":
        spans = [m.span() for m in re.finditer(r"</[^>]*>", text)]
        if not spans:
            return text
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        return text[:a] + text[b:]
    lines = text.split("\n")
    i = draw(st.integers(0, max(0, len(lines) - 1)))
    if op == "drop_tag_line":
        return "\n".join(lines[:i] + lines[i + 1:])
    if op == "dup_line":
        return "\n".join(lines[:i] + [lines[i]] * draw(st.integers(2, 20)) + lines[i + 1:])
    if op == "del_line":
        j = draw(st.integers(i, len(lines)))
        return "\n".join(lines[:i] + lines[j:])
    if op == "swap_lines":
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    pos = draw(st.integers(0, len(text)))
    ins = draw(st.sampled_from(WEIRD_TEXT) | st.text(min_size=1, max_size=8))
    return text[:pos] + ins + text[pos:]


@st.composite
def text_mutants(draw, data: bytes, max_ops: int = 4) -> bytes:
    text = data.decode("utf-8", errors="replace")
    for _ in range(draw(st.integers(1, max_ops))):
        text = draw(_text_mutation(text))
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-16", "latin-1"])), errors="replace")


# ---- structural mutations of project JSON ------------------------------------------------------------
NASTY_VALUES = [None, True, False, 0, -1, -480, 1, 10**30, -(10**30), 2**63, 2**31, 1.5, float("nan"), float("inf"),
                float("-inf"), -0.0, 1e308, "", "x", "60", "Am7", "C", "major", "𝄞" * 3, [], [1, 2], {}, {"a": 1},
                [[[[[]]]]], 128, 16, 0.0001, "NaN"]


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


@st.composite
def project_mutants(draw, doc: dict, max_ops: int = 3) -> bytes:
    """A project document with values replaced by wrong types or absurd numbers, keys deleted or
    added, list items duplicated; serialized (NaN/Infinity as Python's json writes them)."""
    doc = json.loads(json.dumps(doc))
    for _ in range(draw(st.integers(1, max_ops))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        if not path:
            if draw(st.booleans()):
                doc = copy.deepcopy(draw(st.sampled_from(NASTY_VALUES)))
                if not isinstance(doc, dict):
                    break
            continue
        parent = doc
        for k in path[:-1]:
            parent = parent[k]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate", "nest", "add_key"]))
        if op == "replace":
            # a copy: a later edit of this document must never change the shared NASTY_VALUES
            parent[last] = copy.deepcopy(draw(st.sampled_from(NASTY_VALUES) | st.integers() | st.floats()
                                              | st.text(max_size=10)))
        elif op == "delete":
            del parent[last]
        elif op == "duplicate" and isinstance(parent, list):
            parent[last:last] = [json.loads(json.dumps(parent[last]))] * draw(st.integers(1, 50))
        elif op == "nest":
            parent[last] = [parent[last]] if draw(st.booleans()) else {"v": parent[last]}
        elif op == "add_key" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "provenance", "tpq", "length", "notes", "symbol", "tick"]))] = \
                copy.deepcopy(draw(st.sampled_from(NASTY_VALUES)))
    return json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8")


# ---- field-level mutations of MIDI messages ----------------------------------------------------------
@st.composite
def midi_mutants(draw, data: bytes, max_ops: int = 4) -> bytes:
    """Re-encode a (valid) MIDI file with message fields set to extreme but encodable values:
    tempo 0 or 0xFFFFFF, huge delta times, time signatures such as 255/2^255, key signatures,
    marker texts that are near-chords, ticks per beat at the edges, notes never switched off,
    thousands of repeated events."""
    import mido

    mid = mido.MidiFile(file=io.BytesIO(data))
    tracks = [t for t in mid.tracks]
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(["tempo", "delta", "timesig", "key", "text", "tpb", "drop_offs", "repeat",
                                   "note_fields", "new_track", "type"]))
        ti = draw(st.integers(0, len(tracks) - 1))
        track = tracks[ti]
        idx = draw(st.integers(0, max(0, len(track) - 1)))
        if op == "tempo":
            track.insert(idx, mido.MetaMessage("set_tempo", tempo=draw(st.sampled_from([0, 1, 2, 0xFFFFFF, 500000, 60]))))
        elif op == "delta" and track:
            track[idx] = track[idx].copy(time=draw(st.sampled_from([0x0FFFFFFF, 0x0FFFFF, 1, 7, 123457])))
        elif op == "timesig":
            try:  # mido checks the denominator with a float log2, which some large powers of two fail
                track.insert(idx, mido.MetaMessage("time_signature", numerator=draw(st.integers(0, 255)),
                                                   denominator=2 ** draw(st.integers(0, 48)),
                                                   time=draw(st.integers(0, 2000))))
            except ValueError:
                pass
        elif op == "key":
            track.insert(idx, mido.MetaMessage("key_signature", key=draw(st.sampled_from(
                ["C", "Cb", "C#", "Abm", "A#m", "Gb", "D#m", "F"]))))
        elif op == "text":
            txt = draw(st.sampled_from(["key: C major", "key: H major", "key: C", "key: ", "key: Bb lydian",
                                        "N.C.", "NC", "Am7", "G/B", "C/", "/", "Ebmaj7/G", "X", "Cmaj13#11",
                                        "  ", "\x00", "key: C# harmonic minor"]) | st.text(max_size=12))
            try:
                kind = draw(st.sampled_from(["marker", "text", "cue_marker", "track_name"]))
                track.insert(idx, mido.MetaMessage(kind, **{"name" if kind == "track_name" else "text": txt}))
            except Exception:
                pass
        elif op == "tpb":
            mid.ticks_per_beat = draw(st.sampled_from([1, 2, 3, 7, 96, 0x7FFF, 960, 25]))
        elif op == "drop_offs":
            keep = [m for m in track if not (m.type == "note_off" or (m.type == "note_on" and m.velocity == 0))]
            track.clear()
            track.extend(keep)
        elif op == "repeat" and track:
            m = track[idx]
            if m.type != "end_of_track":
                track[idx:idx] = [m.copy()] * draw(st.sampled_from([2, 100, 3000]))
        elif op == "note_fields":
            kind = draw(st.sampled_from(["note_on", "note_off", "program_change"]))
            fields = {"program": draw(st.integers(0, 127))} if kind == "program_change" else \
                {"note": draw(st.integers(0, 127)), "velocity": draw(st.integers(0, 127))}
            track.insert(idx, mido.Message(kind, channel=draw(st.integers(0, 15)), time=draw(st.integers(0, 5000)),
                                           **fields))
        elif op == "new_track":
            t = mido.MidiTrack()
            t.append(mido.MetaMessage("track_name", name=draw(st.sampled_from(["Chords", "chords", "", "x"]))))
            for _ in range(draw(st.integers(0, 10))):
                t.append(mido.Message("note_on", note=draw(st.integers(0, 127)), velocity=draw(st.integers(0, 127)),
                                      channel=draw(st.integers(0, 15)), time=draw(st.integers(0, 3000))))
            tracks.append(t)
        elif op == "type":
            mid.type = draw(st.sampled_from([0, 1, 2]))
    mid.tracks = tracks
    if mid.type == 0 and len(tracks) > 1:
        mid.type = 1
    buf = io.BytesIO()
    try:
        mid.save(file=buf)
    except (ValueError, TypeError, UnicodeError):  # a text mido cannot encode: not a file anyone can have
        return data
    return buf.getvalue()

