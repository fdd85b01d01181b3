"""Pickups (anacrusis) and extended chord symbols through every format (issue 14): a partial first
bar stays partial on import and export; lead-sheet chords keep their own spelling."""

from __future__ import annotations

import mido
import pytest

from composer_app import formats
from composer_app.score import TPQ, Chord, ChordSymbol, Note, Score, TimeSignature, Track

def pickup_score(pickup: int = TPQ, meter=(4, 4)) -> Score:
    bar = meter[0] * TPQ * 4 // meter[1]
    notes = [Note(67, 0, pickup)] + [Note(60 + i, pickup + i * TPQ, TPQ) for i in range(2 * bar // TPQ)]
    chords = [Chord(ChordSymbol.parse("Cmaj13#11"), pickup, bar), Chord(ChordSymbol.parse("G7alt"), pickup + bar, bar)]
    return Score(title="Pickup", tracks=(Track(notes=tuple(notes)),), chords=tuple(chords),
                 time_signatures=(TimeSignature(*meter),), pickup=pickup)


@pytest.mark.parametrize("suffix", [".composer", ".mid", ".musicxml", ".mxl"])
@pytest.mark.parametrize("pickup,meter", [(TPQ, (4, 4)), (TPQ // 2, (6, 8)), (2 * TPQ, (3, 4))])
def test_pickup_and_extended_chords_survive_every_format(tmp_path, suffix, pickup, meter):
    score = pickup_score(pickup, meter)
    path = tmp_path / f"tune{suffix}"
    formats.write(score, path)
    back = formats.read(path)
    assert back.pickup == pickup
    assert back.time_signatures == score.time_signatures
    assert [(n.pitch, n.start, n.duration) for n in back.melody.notes] == \
        [(n.pitch, n.start, n.duration) for n in score.melody.notes]
    assert [(str(c.symbol), c.start, c.duration) for c in back.chords] == \
        [("Cmaj13#11", pickup, c.duration) for c in score.chords[:1]] + \
        [("G7alt", score.chords[1].start, score.chords[1].duration)]


def test_midi_writes_the_pickup_as_a_short_bar_and_reads_other_programs_files(tmp_path):
    path = tmp_path / "tune.mid"
    formats.write(pickup_score(), path)
    meters = [(m.time, m.numerator, m.denominator) for m in mido.MidiFile(path).tracks[0] if m.type == "time_signature"]
    assert meters == [(0, 1, 4), (TPQ, 4, 4)]  # a bar of 1/4, then 4/4: how notation programs write a pickup
    # a file that is 4/4 throughout has no pickup
    plain = Score(tracks=(Track(notes=(Note(60, 0, TPQ),)),))
    formats.write(plain, tmp_path / "plain.mid")
    assert formats.read(tmp_path / "plain.mid").pickup == 0


def test_musicxml_pickup_is_measure_zero(tmp_path):
    path = tmp_path / "tune.musicxml"
    formats.write(pickup_score(), path)
    text = path.read_text()
    assert '<measure implicit="yes" number="0">' in text and '<measure implicit="no" number="1">' in text
    assert 'text="maj13#11"' in text  # MuseScore shows the chord as written


def test_abc_pickup_stays_partial_and_repeats_unfold_with_it(silver_spear):
    path = silver_spear
    s = formats.read(path)
    assert s.pickup == TPQ and s.title == "The Silver Spear"
    assert [(n.pitch, n.start) for n in s.melody.notes[:3]] == [(66, 0), (64, TPQ // 2), (62, TPQ)]
    assert s.chords[0].start == TPQ and s.meter.bar(1).start == TPQ
    unfolded = formats.read(path, expand_repeats=True)
    assert unfolded.pickup == TPQ
    assert len(unfolded.melody.notes) == 2 * len(s.melody.notes) - 2  # the repeat, without the pickup again


def test_clips_keep_a_pickup_only_when_they_start_with_it():
    from composer_app.formats.clips import clip_from_selection

    score = pickup_score()
    notes = score.melody.notes
    from_start = clip_from_selection(score, [notes[0].id, notes[1].id])
    assert from_start.score.pickup == TPQ and from_start.bars_text == "bars 0-1"
    later = clip_from_selection(score, [notes[2].id])
    assert later.score.pickup == 0 and later.offset == score.meter.bar(1).start and later.bars_text == "bar 1"
