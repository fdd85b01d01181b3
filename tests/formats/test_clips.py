"""MIDI clips for dragging into a DAW (no Qt): the selected notes and the chords of their bars,
shifted to start on a bar line, with the score's tempo, meter and key; file names; pruning."""

from __future__ import annotations

import os

import mido
import pytest

from composer_app import formats
from composer_app.formats.clips import (Clip, clip_filename, clip_from_material, clip_from_selection, prune_clips,
                                        write_clip)
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Tempo, TimeSignature, Track

BAR = 1920


def song() -> Score:
    melody = tuple(Note(60 + i % 12, i * 480 + 120, 360, 80 + i % 20) for i in range(24))  # 6 bars of 4/4
    bass = tuple(Note(36 + i, i * BAR, BAR) for i in range(6))
    chords = tuple(Chord(ChordSymbol.parse(s), i * BAR, BAR) for i, s in enumerate(["C", "Am", "F", "G7", "C", "G"]))
    return Score(title="My Song: take 2", tracks=(Track("Lead", 0, 73, melody), Track("Bass", 2, 33, bass)),
                 chords=chords, tempos=(Tempo(96.0), Tempo(132.0, 4 * BAR)),
                 key_signatures=(KeySignature("D", "dorian"), KeySignature("G", "major", 3 * BAR)))


def notes_of(score: Score) -> list[tuple[int, int, int, int]]:
    return sorted((n.pitch, n.start, n.duration, n.velocity) for n in score.all_notes())


def test_selection_is_shifted_to_the_bar_line_of_its_first_note():
    s = song()
    lead = s.tracks[0].notes
    chosen = [n for n in lead if 2 * BAR + 480 <= n.start < 4 * BAR + 480]  # beat 2 of bar 3 .. bar 5 beat 1
    clip = clip_from_selection(s, [n.id for n in chosen])
    assert clip.offset == 2 * BAR and (clip.first_bar, clip.last_bar) == (2, 4)
    assert clip.bars_label == "bars-3-5"
    assert notes_of(clip.score) == sorted((n.pitch, n.start - 2 * BAR, n.duration, n.velocity) for n in chosen)
    assert clip.note_count == len(chosen) == 8 and clip.summary == "8 notes and 3 chords"
    assert clip.bars_text == "bars 3-5"
    # only the lead track (its name and instrument), the chords of bars 3-5, whole bars long
    assert [(t.name, t.channel, t.program) for t in clip.score.tracks] == [("Lead", 0, 73)]
    assert [(str(c.symbol), c.start, c.duration) for c in clip.score.chords] == [
        ("F", 0, BAR), ("G7", BAR, BAR), ("C", 2 * BAR, BAR)]
    assert clip.score.length == 3 * BAR and clip.score.end_of_last_bar == 3 * BAR
    # tempo, meter and key in force at bar 3, then the changes inside the clip, shifted
    assert [(t.bpm, t.tick) for t in clip.score.tempos] == [(96.0, 0), (132.0, 2 * BAR)]
    assert [(k.tonic, k.mode, k.tick) for k in clip.score.key_signatures] == [("D", "dorian", 0), ("G", "major", BAR)]
    assert clip.score.time_signatures == (TimeSignature(4, 4, 0),)


def test_selection_across_tracks_and_selected_chords():
    s = song()
    bass_note = s.tracks[1].notes[1]  # bar 2
    chord = s.chords[3]  # bar 4
    clip = clip_from_selection(s, [bass_note.id], [chord.id])
    assert clip.offset == BAR and clip.bars_label == "bars-2-4"
    assert [t.name for t in clip.score.tracks] == ["Bass"]
    assert [str(c.symbol) for c in clip.score.chords] == ["Am", "F", "G7"]
    assert clip_from_selection(s, [], []) is None
    assert clip_from_selection(s, [123456789]) is None  # ids not in the score


def test_chords_that_overhang_the_span_are_cut_to_it():
    notes = (Note(60, BAR + 240, 240),)
    s = Score(tracks=(Track(notes=notes),), chords=(Chord(ChordSymbol.parse("Dm7"), 0, 3 * BAR),))
    clip = clip_from_selection(s, [notes[0].id])
    assert [(c.start, c.duration) for c in clip.score.chords] == [(0, BAR)]
    assert clip.bars_label == "bar-2"


def test_meter_change_before_the_clip_and_a_three_four_bar():
    s = Score(tracks=(Track(notes=(Note(67, 2 * BAR + 1440 + 480, 480),)),),
              time_signatures=(TimeSignature(4, 4, 0), TimeSignature(3, 4, 2 * BAR)))
    clip = clip_from_selection(s, [s.melody.notes[0].id])
    # bar 3 starts at 2*BAR (3/4 from there), bar 4 at 2*BAR + 1440: the note is in bar 4
    assert clip.offset == 2 * BAR + 1440 and clip.bars_label == "bar-4"
    assert clip.score.time_signatures == (TimeSignature(3, 4, 0),)
    assert clip.score.all_notes()[0].start == 480 and clip.score.length == 1440


def test_candidate_material_uses_region_bars_and_the_track_instrument():
    s = song()
    notes = [Note(72, 6 * BAR + 480, 480), Note(74, 7 * BAR, 960)]  # opens with a rest
    chords = [Chord(ChordSymbol.parse("Em"), 6 * BAR, BAR), Chord(ChordSymbol.parse("A7"), 7 * BAR, BAR)]
    clip = clip_from_material(s, notes, chords, region=(6 * BAR, 8 * BAR), track=s.tracks[0])
    assert clip.offset == 6 * BAR and clip.bars_label == "bars-7-8"
    assert notes_of(clip.score) == [(72, 480, 480, 90), (74, BAR, 960, 90)]
    assert [(str(c.symbol), c.start) for c in clip.score.chords] == [("Em", 0), ("A7", BAR)]
    assert clip.score.tracks[0].program == 73
    assert [t.bpm for t in clip.score.tempos] == [132.0] and clip.score.key.tonic == "G"
    chords_only = clip_from_material(s, [], chords)
    assert chords_only.note_count == 0 and len(chords_only.score.chords) == 2
    assert clip_from_material(s, [], []) is None


def test_file_names_are_readable_and_safe():
    clip = Clip(Score(), 0, 2, 5)
    assert clip_filename("My Song: take 2", clip) == "My-Song-take-2-bars-3-6.mid"
    assert clip_filename("", clip) == "clip-bars-3-6.mid"
    assert clip_filename("../../etc/passwd", clip) == "etc-passwd-bars-3-6.mid"
    assert clip_filename("Été à Paris", clip, tag="candidate 2") == "Été-à-Paris-candidate-2-bars-3-6.mid"
    assert clip_filename("x" * 200, Clip(Score(), 0, 0, 0)) == "x" * 40 + "-bar-1.mid"


def test_written_clip_reads_back_as_exactly_the_selection(tmp_path):
    s = song()
    chosen = [n for n in s.tracks[0].notes if BAR <= n.start < 2 * BAR]
    clip = clip_from_selection(s, [n.id for n in chosen])
    path = write_clip(clip, s.title, tmp_path)
    assert path.parent == tmp_path and path.name == "My-Song-take-2-bar-2.mid"
    back = formats.read(path)
    assert notes_of(back) == sorted((n.pitch, n.start - BAR, n.duration, n.velocity) for n in chosen)
    assert [(str(c.symbol), c.start, c.duration) for c in back.chords] == [("Am", 0, BAR)]
    assert back.tempo == pytest.approx(96.0, abs=0.01) and (back.key.tonic, back.key.mode) == ("D", "dorian")
    assert back.melody.program == 73
    mid = mido.MidiFile(path)
    assert mid.length == pytest.approx(4 * 60 / 96.0, abs=1e-3)  # exactly one bar long


def test_same_clip_reuses_its_file_and_a_changed_one_gets_a_new_name(tmp_path):
    s = song()
    ids = [s.tracks[0].notes[0].id]
    first = write_clip(clip_from_selection(s, ids), "t", tmp_path)
    again = write_clip(clip_from_selection(s, ids), "t", tmp_path)
    assert again == first
    louder = s.with_track(s.tracks[0].with_notes(
        [n if n.id != ids[0] else Note(n.pitch, n.start, n.duration, 127, id=n.id) for n in s.tracks[0].notes]))
    other = write_clip(clip_from_selection(louder, ids), "t", tmp_path)
    assert other.name == "t-bar-1-2.mid" and first.exists()
    assert formats.read(other).all_notes()[0].velocity == 127


def test_only_the_newest_clips_are_kept(tmp_path):
    s = song()
    (tmp_path / "notes.txt").write_text("not a clip")
    written = []
    for i, n in enumerate(s.tracks[0].notes[:8]):
        p = write_clip(clip_from_selection(s, [n.id]), f"c{i}", tmp_path, keep=5)
        os.utime(p, ns=(i * 10**9, i * 10**9))  # a clear order, whatever the file system's clock resolution
        written.append(p)
    prune_clips(tmp_path, keep=5)
    left = sorted(p.name for p in tmp_path.glob("*.mid"))
    assert left == sorted(p.name for p in written[-5:])
    assert (tmp_path / "notes.txt").exists()
