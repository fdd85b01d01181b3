"""Round trips of hand-made scores through every writable format keep notes, chords, meter, key, tempo."""

from __future__ import annotations

import json

import pytest

from composer_app import formats
from composer_app.score import TPQ, Chord, ChordSymbol, KeySignature, Note, Score, Track

from formats_helpers import lead_sheet, rich_score

METERS = [(4, 4), (3, 4), (6, 8), (2, 4), (9, 8)]
WRITE_EXTS = [".composer", ".mid", ".musicxml", ".mxl", ".xml", ".midi"]


def _roundtrip(score: Score, tmp_path, ext: str) -> Score:
    path = tmp_path / f"piece{ext}"
    formats.write(score, path)
    return formats.read(path)


def _describe(a: Score, b: Score) -> str:
    na = sorted((n.pitch, n.start, n.duration) for n in a.all_notes())
    nb = sorted((n.pitch, n.start, n.duration) for n in b.all_notes())
    return (f"notes lost {sorted(set(na) - set(nb))[:4]} gained {sorted(set(nb) - set(na))[:4]}; "
            f"chords {[(c.start, c.duration, str(c.symbol)) for c in b.chords]}; "
            f"meters {b.time_signatures}; keys {b.key_signatures}; tempos {b.tempos}")


@pytest.mark.parametrize("ext", WRITE_EXTS)
@pytest.mark.parametrize("num,den", METERS)
def test_lead_sheet_round_trip(tmp_path, num, den, ext):
    score = lead_sheet(num, den)
    back = _roundtrip(score, tmp_path, ext)
    assert back.content_equal(score), _describe(score, back)
    assert [str(c.symbol) for c in back.chords] == [str(c.symbol) for c in score.chords]


@pytest.mark.parametrize("ext", WRITE_EXTS)
def test_rich_score_round_trip(tmp_path, ext):
    score = rich_score()
    back = _roundtrip(score, tmp_path, ext)
    assert back.content_equal(score), _describe(score, back)
    # modes other than major/minor survive too (MIDI keeps them in a text event)
    assert [(k.tonic, k.mode, k.tick) for k in back.key_signatures] == [
        (k.tonic, k.mode, k.tick) for k in score.key_signatures]
    assert [t.name for t in back.tracks] == ["Lead", "Piano"]
    assert [(t.channel, t.program) for t in back.tracks] == [(0, 73), (2, 0)]


def test_project_keeps_everything(tmp_path):
    prov = {"model": "default", "seed": 7, "rank": 2}
    score = rich_score()
    lead = score.tracks[0]
    lead = lead.with_notes([Note(n.pitch, n.start, n.duration, n.velocity, provenance=prov if i == 0 else None)
                            for i, n in enumerate(lead.notes)])
    chords = [Chord(c.symbol, c.start, c.duration, provenance=prov if i == 1 else None)
              for i, c in enumerate(score.chords)]
    score = score.with_track(lead).with_chords(chords)
    back = _roundtrip(score, tmp_path, ".composer")
    assert back.content_equal(score)
    assert back.title == "Rich"
    assert (back.chord_program, back.chord_channel) == (24, 3)
    assert [(t.name, t.channel, t.program, t.muted) for t in back.tracks] == [
        (t.name, t.channel, t.program, t.muted) for t in score.tracks]
    assert [n.velocity for n in back.all_notes()] == [n.velocity for n in score.all_notes()]
    assert back.tracks[0].notes[0].provenance == prov
    assert back.chords[1].provenance == prov and back.chords[0].provenance is None
    assert back.key_signatures == score.key_signatures
    doc = json.loads((tmp_path / "piece.composer").read_text())
    assert doc["format"] == "composer-assistant-project" and doc["version"] == 1


def test_project_save_is_atomic_and_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "song.composer"
    formats.write(lead_sheet(4, 4), path)
    before = path.read_bytes()
    bad = lead_sheet(3, 4)
    bad_chord = Chord(ChordSymbol("C"), 0, TPQ, provenance={"unserialisable": object()})
    formats.write(bad.with_chords([bad_chord]), path)  # provenance falls back to its text form
    assert formats.read(path).time_signature.numerator == 3
    # the write goes through a temporary file: no stray files are left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.composer"]
    assert before != path.read_bytes()


def test_project_refuses_newer_version(tmp_path):
    path = tmp_path / "future.composer"
    formats.write(lead_sheet(4, 4), path)
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    with pytest.raises(formats.FileFormatError) as err:
        formats.read(path)
    assert "newer version" in str(err.value) and str(path) in str(err.value)


def test_midi_velocity_programs_and_chord_lane(tmp_path):
    import mido

    score = rich_score()
    path = tmp_path / "rich.mid"
    formats.write(score, path)
    mid = mido.MidiFile(path)
    names = [next((m.name for m in t if m.type == "track_name"), None) for t in mid.tracks]
    assert names == ["Rich", "Lead", "Piano", "Chords"]
    markers = [m.text for m in mid.tracks[3] if m.type == "marker"]
    assert markers[:3] == ["Am7", "G/B", "N.C."]
    # the chord lane sounds (voiced notes on the chord channel) but is not read back as a track
    assert any(m.type == "note_on" and m.channel == 3 for m in mid.tracks[3])
    back = formats.read(path)
    assert len(back.tracks) == 2 and (back.chord_channel, back.chord_program) == (3, 24)
    assert sorted(n.velocity for n in back.all_notes()) == sorted(n.velocity for n in score.all_notes())


def test_midi_import_any_ppq_type0_running_status_and_overlaps(tmp_path):
    """A type 0 file at 96 PPQ with two channels, note-on velocity 0 offs and an overlapping pitch."""
    import mido

    mid = mido.MidiFile(type=0, ticks_per_beat=96)
    tr = mido.MidiTrack()
    mid.tracks.append(tr)
    tr += [mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(75), time=0),
           mido.MetaMessage("time_signature", numerator=3, denominator=4, time=0),
           mido.MetaMessage("key_signature", key="Bb", time=0),
           mido.Message("program_change", channel=0, program=40, time=0),
           mido.Message("program_change", channel=5, program=33, time=0),
           mido.MetaMessage("marker", text="Bbmaj7", time=0),
           mido.Message("note_on", channel=0, note=70, velocity=90, time=0),
           mido.Message("note_on", channel=5, note=46, velocity=80, time=0),
           mido.Message("note_on", channel=0, note=70, velocity=0, time=96),      # off by velocity 0
           mido.Message("note_on", channel=0, note=72, velocity=91, time=0),
           mido.Message("note_on", channel=0, note=72, velocity=92, time=48),     # same pitch again
           mido.Message("note_off", channel=0, note=72, velocity=0, time=48),     # closes the first
           mido.MetaMessage("text", text="Gm7", time=0),
           mido.Message("note_off", channel=0, note=72, velocity=0, time=96),     # closes the second
           mido.Message("note_off", channel=5, note=46, velocity=0, time=0)]
    path = tmp_path / "type0.mid"
    mid.save(path)
    s = formats.read(path)
    assert s.tempo == pytest.approx(75.0) and str(s.time_signature) == "3/4"
    assert (s.key.tonic, s.key.mode) == ("Bb", "major")
    assert [(t.channel, t.program) for t in s.tracks] == [(0, 40), (5, 33)]
    q = TPQ
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in s.tracks[0].notes] == [
        (70, 0, q, 90), (72, q, q, 91), (72, q + q // 2, q + q // 2, 92)]
    assert [(n.pitch, n.start, n.duration) for n in s.tracks[1].notes] == [(46, 0, 3 * q)]
    # chord from a marker and from a text event; the last runs to the end of its bar
    assert [(str(c.symbol), c.start, c.duration) for c in s.chords] == [("Bbmaj7", 0, 2 * q), ("Gm7", 2 * q, q)]


def test_musicxml_has_harmony_elements(tmp_path):
    path = tmp_path / "lead.musicxml"
    formats.write(lead_sheet(4, 4), path)
    text = path.read_text()
    # eight chords, then "N.C." where the last chord ends before the piece (a note runs into bar 5)
    assert text.count("<harmony") == 9 and text.count(">none</kind>") == 1
    assert "<kind>half-diminished</kind>" in text or ">half-diminished<" in text
    assert "<bass-step>B</bass-step>" in text


def test_empty_score_round_trips(tmp_path):
    score = Score(tracks=(Track(),))
    for ext in (".composer", ".mid", ".musicxml"):
        back = _roundtrip(score, tmp_path, ext)
        assert back.content_equal(score), ext


def test_mode_and_key_spelling_musicxml(tmp_path):
    score = lead_sheet(3, 4, key=KeySignature("C#", "minor"))
    back = _roundtrip(score, tmp_path, ".musicxml")
    assert [(k.tonic, k.mode) for k in back.key_signatures] == [("C#", "minor")]
