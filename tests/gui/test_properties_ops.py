"""Pure score-property edits behind the properties panel (no Qt)."""

import pytest

from composer_app.gui.panels import properties_ops as ops
from composer_app.score import KeySignature, Score, Tempo, TimeSignature, Track


def test_parse_time_signature():
    assert ops.parse_time_signature(" 6 / 8 ") == TimeSignature(6, 8)
    for meter in ops.COMMON_METERS:
        assert str(ops.parse_time_signature(meter)) == meter
    for bad in ("", "6-8", "7/5", "0/4", "x/4"):
        with pytest.raises(ValueError, match="time signature"):
            ops.parse_time_signature(bad)


def test_only_the_settings_at_tick_zero_change():
    s = Score(tempos=(Tempo(100), Tempo(80, 1920)), time_signatures=(TimeSignature(4, 4), TimeSignature(3, 4, 3840)),
              key_signatures=(KeySignature("C"), KeySignature("G", tick=1920)))
    s2 = ops.set_key(ops.set_time_signature(ops.set_tempo(s, 132), 6, 8), "A", "dorian")
    assert [(t.bpm, t.tick) for t in s2.tempos] == [(132, 0), (80, 1920)]
    assert [str(t) for t in s2.time_signatures] == ["6/8", "3/4"]
    assert [(k.tonic, k.mode, k.tick) for k in s2.key_signatures] == [("A", "dorian", 0), ("G", "major", 1920)]
    assert ops.set_title(s, "  Song ").title == "Song"


def test_tracks_add_update_remove():
    s = Score()
    s, t = ops.add_track(s)
    assert t.name == "Track 2" and t.channel not in (0, s.chord_channel, 9)
    s, t3 = ops.add_track(s, "Pad", program=88)
    assert t3.channel not in {x.channel for x in s.tracks if x is not t3} | {s.chord_channel, 9}
    s = ops.update_track(s, t.id, name=" Bass ", program=33, channel=4)
    b = s.track_by_id(t.id)
    assert (b.name, b.program, b.channel) == ("Bass", 33, 4)
    with pytest.raises(ValueError):
        ops.update_track(s, t.id, name="  ")
    s = ops.remove_track(s, t.id)
    assert [x.name for x in s.tracks] == ["Melody", "Pad"]
    only = Track()
    with pytest.raises(ValueError, match="at least one track"):
        ops.remove_track(Score(tracks=(only,)), only.id)
    s = ops.set_chord_instrument(s, program=24)
    assert (s.chord_program, s.chord_channel) == (24, 1)


def test_setting_the_keys_read_from_the_notes():
    """With no key set, the keys the assistant reads (bar by bar: a last chorus a half step up) are
    set as read; a set key the melody leaves becomes the key its notes suggest; a key that fits, or
    too few notes, leaves nothing to set."""
    from dataclasses import replace

    from composer_app.score import Note

    q = 480
    tune = [60, 64, 67, 64, 67, 65, 62, 59, 60, 64, 67, 72, 71, 67, 65, 64] * 4  # 16 bars of C major
    notes = tuple(Note(p, i * q, q) for i, p in enumerate(tune + [p + 1 for p in tune]))
    score = Score(tracks=(Track(notes=notes),))
    assert score.key.assumed
    set_ = ops.set_keys_read(score)
    assert [(k.tonic, k.mode, k.tick, k.assumed) for k in set_.key_signatures] == [
        ("C", "major", 0, False), ("Db", "major", 64 * q, False)]
    assert ops.keys_text(set_) == "C major, Db major from bar 17"
    # With a pickup (bar 0), the 17th full bar is still bar 17, as the ruler numbers it.
    upbeat = Score(tracks=(Track(notes=(Note(67, 0, q),) + tuple(replace(n, start=n.start + q) for n in notes)),),
                   pickup=q)
    assert ops.keys_text(ops.set_keys_read(upbeat)) == "C major, Db major from bar 17"
    assert ops.set_keys_read(set_) is None  # set, and fitting: nothing more to offer
    e_flat = Score(tracks=(Track(notes=tuple(Note(p + 3, i * q, q) for i, p in enumerate(tune))),),
                   key_signatures=(KeySignature("C"),))
    assert [str(k) for k in ops.set_keys_read(e_flat).key_signatures] == ["Eb major"]
    assert ops.set_keys_read(Score(tracks=(Track(notes=(Note(60, 0, q),)),))) is None


def test_a_key_change_from_a_bar():
    from composer_app.score import Note

    q = 480
    s = Score(tracks=(Track(notes=(Note(60, 0, q),)),), key_signatures=(KeySignature("C"),))
    s2 = ops.set_key_from(s, 16 * 4 * q, KeySignature("Db"))
    assert [(str(k), k.tick) for k in s2.key_signatures] == [("C major", 0), ("Db major", 64 * q)]
    assert ops.set_key_from(s2, 64 * q, None).key_signatures == s.key_signatures  # removed
    assert ops.set_key_from(s2, 64 * q, KeySignature("C")).key_signatures == s.key_signatures  # a restatement
    assert ops.set_key_from(s2, 0, None).key.assumed  # the key at the start: none set
    assert [k.tonic for k in ops.set_key_from(s2, 0, KeySignature("Db")).key_signatures] == ["Db"]
