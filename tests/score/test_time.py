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
