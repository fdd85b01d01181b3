import pytest

from composer_app.score import GRID_CHOICES, TPQ, Meter, TimeSignature, snap, snap_length
from composer_app.score.time import beats_to_ticks, rescale


def test_grid_choices_are_exact_in_ticks():
    for label, ticks in GRID_CHOICES.items():
        if ticks is not None:
            assert ticks == int(ticks) and ticks > 0, label
    assert GRID_CHOICES["1/16"] == TPQ // 4 and GRID_CHOICES["1/8T"] * 3 == TPQ


@pytest.mark.parametrize("tick,grid,mode,expected", [
    (119, 120, "round", 120), (59, 120, "round", 0), (60, 120, "round", 120),
    (119, 120, "floor", 0), (1, 120, "ceil", 120), (777, None, "round", 777),
])
def test_snap(tick, grid, mode, expected):
    assert snap(tick, grid, mode) == expected


def test_snap_length_never_below_grid():
    assert snap_length(10, 240) == 240
    assert snap_length(500, 240) == 480


@pytest.mark.parametrize("num,den,bar,beat", [
    (4, 4, 1920, 480), (3, 4, 1440, 480), (6, 8, 1440, 720), (2, 4, 960, 480), (9, 8, 2160, 720),
])
def test_meters(num, den, bar, beat):
    ts = TimeSignature(num, den)
    assert ts.bar_ticks == bar and ts.beat_ticks == beat


def test_meter_changes_bar_arithmetic():
    m = Meter([TimeSignature(4, 4, 0), TimeSignature(3, 4, 2 * 1920)])
    assert m.bar(1).start == 1920
    assert m.bar(2).start == 3840 and m.bar(2).length == 1440
    assert m.bar(3).start == 3840 + 1440
    assert m.bar_at(3840 + 1500).index == 3
    assert m.bar_count(3840 + 1) == 3
    assert [b.index for b in m.bars(3840 + 1440 + 1)] == [0, 1, 2, 3]


def test_tick_conversions():
    assert beats_to_ticks(1.5) == 720
    assert beats_to_ticks(1 / 3) == 160
    assert rescale(96, 96) == 480


@pytest.mark.parametrize("num,den", [(0, 4), (4, 3)])
def test_invalid_meters(num, den):
    with pytest.raises(ValueError):
        TimeSignature(num, den)


# ---- pickups (issue 14) ------------------------------------------------------------------------
def test_pickup_is_a_partial_bar_zero_and_later_bars_count_from_it():
    m = Meter([TimeSignature(4, 4)], pickup=TPQ)
    b0, b1, b2 = m.bar(0), m.bar(1), m.bar(2)
    assert (b0.start, b0.length, b0.offset, b0.nominal_start) == (0, TPQ, 3 * TPQ, -3 * TPQ)
    assert (b1.start, b1.length, b1.offset) == (TPQ, 4 * TPQ, 0)
    assert b2.start == 5 * TPQ and m.bar_at(5 * TPQ - 1).index == 1
    assert m.beats_of_bar(b0) == [0]  # only beat 4 of the bar is there
    assert m.beat_at(0) == (0, 4) and m.beat_at(TPQ) == (1, 1) and m.beat_at(5 * TPQ + TPQ) == (2, 2)
    assert m.bar_count(TPQ) == 1 and m.bar_count(TPQ + 1) == 2


def test_meter_change_after_a_pickup_falls_on_a_bar_line():
    m = Meter([TimeSignature(3, 4), TimeSignature(4, 4, TPQ + 2 * 3 * TPQ)], pickup=TPQ)
    assert [m.bar(i).start for i in range(5)] == [0, TPQ, 4 * TPQ, 7 * TPQ, 11 * TPQ]
    assert str(m.bar(3).meter) == "4/4"


def test_without_a_pickup_bars_are_unchanged_and_a_pickup_must_fit():
    m = Meter([TimeSignature(4, 4)])
    assert m.bar(0).offset == 0 and m.bar(3).start == 3 * 4 * TPQ and m.beat_at(0) == (1, 1)
    with pytest.raises(ValueError):
        Meter([TimeSignature(3, 4)], pickup=3 * TPQ)


def test_score_without_pickup_is_the_old_shifted_form():
    from composer_app.score import Chord, ChordSymbol, Note, Score, Track

    s = Score(tracks=(Track(notes=(Note(67, 0, TPQ), Note(60, TPQ, 4 * TPQ))),),
              chords=(Chord(ChordSymbol.parse("C"), TPQ, 4 * TPQ),), pickup=TPQ)
    whole = s.without_pickup()
    assert whole.pickup == 0
    assert [(n.pitch, n.start) for n in whole.melody.notes] == [(67, 3 * TPQ), (60, 4 * TPQ)]
    assert whole.chords[0].start == 4 * TPQ
    with pytest.raises(ValueError):
        Score(pickup=4 * TPQ)
