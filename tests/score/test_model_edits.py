from dataclasses import replace

import pytest

from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track, edits


def melody_score():
    notes = [Note(60 + i, i * 480, 480) for i in range(8)]
    return Score(tracks=(Track(notes=tuple(notes)),))


def test_ids_are_stable_through_replace_and_ignored_by_equality():
    n = Note(60, 0, 480)
    m = replace(n, pitch=62)
    assert m.id == n.id
    assert Note(60, 0, 480) == Note(60, 0, 480)


@pytest.mark.parametrize("kwargs", [dict(pitch=128, start=0, duration=1), dict(pitch=60, start=0, duration=0),
                                    dict(pitch=60, start=-1, duration=10), dict(pitch=60, start=0, duration=1, velocity=0)])
def test_invalid_notes(kwargs):
    with pytest.raises(ValueError):
        Note(**kwargs)


def test_move_clamps_group_inside_range():
    s = melody_score()
    ids = [n.id for n in s.melody.notes]
    moved = edits.move_notes(s, ids, dticks=-10_000, dpitch=100)
    assert min(n.start for n in moved.melody.notes) == 0
    assert max(n.pitch for n in moved.melody.notes) == 127
    assert [n.id for n in moved.melody.notes] == ids


def test_duplicate_places_copy_after_bar_span():
    s = melody_score()
    first_bar = [n.id for n in s.melody.notes[:4]]
    out, new_ids = edits.duplicate_notes(s, first_bar)
    assert len(new_ids) == 4
    copies = [n for n in out.melody.notes if n.id in new_ids]
    assert [n.start for n in copies] == [1920, 2400, 2880, 3360]


def test_quantize_and_velocity():
    s = Score(tracks=(Track(notes=(Note(60, 130, 100, 100),)),))
    nid = s.melody.notes[0].id
    q = edits.quantize_notes(s, [nid], 120)
    assert (q.melody.notes[0].start, q.melody.notes[0].duration) == (120, 120)
    v = edits.set_velocity(s, [nid], delta=100)
    assert v.melody.notes[0].velocity == 127


def test_paste_at_playhead():
    s = melody_score()
    clip = list(s.melody.notes[2:4])
    out, ids = edits.paste_notes(s, s.melody.id, clip, 4 * 1920)
    assert sorted(n.start for n in out.melody.notes if n.id in ids) == [7680, 8160]


def test_chord_lane_stays_one_chord_at_a_time():
    s = Score()
    s, c1 = edits.add_chord(s, "C", 0, 1920)
    s, c2 = edits.add_chord(s, "G7", 960, 960)
    assert [(str(c.symbol), c.start, c.duration) for c in s.chords] == [("C", 0, 960), ("G7", 960, 960)]
    s = edits.move_chords(s, [c2.id], -960)
    assert [(str(c.symbol), c.start) for c in s.chords] == [("G7", 0)]
    s = edits.change_chord(s, c2.id, symbol="Am7", duration=1920)
    assert str(s.chords[0].symbol) == "Am7" and s.chords[0].id == c2.id


def test_transpose_score_respells_for_key():
    s = Score(key_signatures=(KeySignature("C"),), chords=(Chord(ChordSymbol.parse("C"), 0, 1920),))
    t = s.transposed(-2)
    assert t.key.tonic == "Bb" and str(t.chords[0].symbol) == "Bb"


def test_end_of_last_bar_and_content_equal():
    s = melody_score()
    assert s.end == 8 * 480 and s.end_of_last_bar == 3840 and s.bar_count == 2
    assert s.content_equal(melody_score())
    assert not s.content_equal(edits.transpose_notes(s, [s.melody.notes[0].id], 1))


def test_insert_material_replaces_range():
    s = melody_score()
    out = edits.insert_material(s, s.melody.id, [Note(72, 0, 1920)], [Chord(ChordSymbol.parse("F"), 0, 1920)],
                                replace_range=(0, 1920))
    assert [n.pitch for n in out.melody.notes if n.start < 1920] == [72]
    assert len(out.chords) == 1
