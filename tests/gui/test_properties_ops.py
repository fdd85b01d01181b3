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
