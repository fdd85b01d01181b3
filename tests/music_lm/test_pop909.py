"""POP909 song folders: bars from the beat annotations, notes and chords through the tempo map."""

from __future__ import annotations

import mido
import pytest

from composer_app.errors import FileFormatError
from composer_app.music_lm.corpus import collect_files, load_corpus, split_by_title, title_key
from composer_app.music_lm.pop909 import is_song_folder, parse_harte, read_song
from composer_app.score import ChordSymbol

BEAT = 0.5  # seconds per beat in the annotations (120 bpm)


def write_song(folder, *, tempo_us: int = 500000, pickup_beats: int = 1, bars: int = 3):
    """A song whose MIDI tempo (``tempo_us``) may differ from the annotated beats (120 bpm)."""
    folder.mkdir(parents=True)
    mid = mido.MidiFile(ticks_per_beat=480)
    meta = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo_us, time=0),
                           mido.MetaMessage("time_signature", numerator=1, denominator=4, time=0)])
    sec_per_tick = tempo_us / 1e6 / 480
    melody = mido.MidiTrack([mido.MetaMessage("track_name", name="MELODY", time=0)])
    # (start beat, length in beats, pitch): one note in the pickup, then C D E F | G ...
    notes = [(0, 1, 59)] + [(pickup_beats + i, 1, p) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72])]
    events = []
    for b, length, p in notes:
        events.append((round(b * BEAT / sec_per_tick), "note_on", p, 90))
        events.append((round((b + length) * BEAT / sec_per_tick) - 10, "note_off", p, 0))
    now = 0
    for t, kind, p, v in sorted(events):
        melody.append(mido.Message(kind, note=p, velocity=v, time=t - now))
        now = t
    piano = mido.MidiTrack([mido.MetaMessage("track_name", name="PIANO", time=0),
                            mido.Message("note_on", note=36, velocity=60, time=0),
                            mido.Message("note_off", note=36, velocity=0, time=960)])
    mid.tracks += [meta, melody, piano]
    mid.save(folder / f"{folder.name}.mid")
    n_beats = pickup_beats + 4 * bars
    lines = [f"{i * BEAT:.6f} {1.0 if (i - pickup_beats) % 2 == 0 else 0.0} {1.0 if i >= pickup_beats and (i - pickup_beats) % 4 == 0 else 0.0}"
             for i in range(n_beats)]
    (folder / "beat_midi.txt").write_text("\n".join(lines) + "\n")
    t0 = pickup_beats * BEAT
    chords = [(0, t0, "N"), (t0, t0 + 2 * BEAT, "C:maj"), (t0 + 2 * BEAT, t0 + 4 * BEAT, "C:maj"),
              (t0 + 4 * BEAT, t0 + 6 * BEAT, "G:7/3"), (t0 + 6 * BEAT, t0 + 8 * BEAT, "A:min7"),
              (t0 + 8 * BEAT, t0 + 12 * BEAT, "F:sus4(b7)")]
    (folder / "chord_midi.txt").write_text("".join(f"{a:.6f}\t{b:.6f}\t{lab}\n" for a, b, lab in chords))
    (folder / "key_audio.txt").write_text(f"{t0:.6f}\t{n_beats * BEAT:.6f}\tC:maj\n")
    return folder


@pytest.mark.parametrize("tempo_us", [500000, 400000])  # the MIDI's tempo map may differ from the beats
def test_song_folder_reads_bars_notes_chords_and_key(tmp_path, tempo_us):
    score = read_song(write_song(tmp_path / "042", tempo_us=tempo_us))
    assert score.title == "POP909 042"
    # The pickup note before the first downbeat is dropped; tick 0 is the first downbeat.
    assert [(n.pitch, n.start, n.duration) for n in score.melody.notes][:3] == [(60, 0, 480), (62, 480, 480),
                                                                                 (64, 960, 480)]
    assert [str(c.symbol) for c in score.chords] == ["C", "G7/B", "Am7", "F7sus4"]
    assert [(c.start, c.end) for c in score.chords] == [(0, 1920), (1920, 2880), (2880, 3840), (3840, 5760)]
    assert score.time_signature.numerator == 4 and score.key.tonic == "C" and score.key.mode == "major"


def test_harte_labels():
    assert parse_harte("N") is None
    assert parse_harte("Ab:maj/3") == ChordSymbol("Ab", "", "C")
    assert parse_harte("C#:hdim7") == ChordSymbol("C#", "m7b5")
    assert parse_harte("D:min(9)") == ChordSymbol("D", "m")
    assert parse_harte("E:sus2") == ChordSymbol("E", "sus2")
    with pytest.raises(ValueError):
        parse_harte("C:weird")


def test_not_a_song_folder_is_a_clear_error(tmp_path):
    (tmp_path / "007").mkdir()
    with pytest.raises(FileFormatError, match="not a POP909 song folder"):
        read_song(tmp_path / "007")


def test_corpus_reads_song_folders_whole_and_splits_them_by_number(tmp_path):
    root = tmp_path / "pop909"
    for name in ("001", "002", "003"):
        write_song(root / name)
    sources = collect_files([root])
    # One source per song folder; the MIDI file inside is not read on its own (it has no chords).
    assert [s.path.name for s in sources] == ["001", "002", "003"] and {s.group for s in sources} == {"pop909"}
    assert is_song_folder(root / "001") and not is_song_folder(root)
    pieces, errors = load_corpus(sources, cache=tmp_path / "cache", progress=False)
    assert errors == [] and len(pieces) == 3 and all(p.score.chords for p in pieces)
    assert title_key("POP909 001") != title_key("POP909 002")  # each song is its own title
    train, valid = split_by_title(pieces, 0.5)
    assert len(train) + len(valid) == 3
