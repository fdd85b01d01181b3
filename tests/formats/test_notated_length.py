"""Trailing bars of rests are part of the piece: `suggest --task continue` continues after the
input's last measure, even one that holds only rests (issue 4), so every format keeps them."""

import pytest

from composer_app.formats import read, write
from composer_app.score import Note, Score, Track


@pytest.mark.parametrize("ext", [".composer", ".mid", ".musicxml"])
def test_trailing_rest_bars_survive(tmp_path, ext):
    score = Score(tracks=(Track(notes=(Note(60, 0, 1920),)),), length=3 * 1920)
    assert score.end_of_last_bar == 3 * 1920
    path = tmp_path / f"rests{ext}"
    write(score, path)
    back = read(path)
    assert back.end_of_last_bar == 3 * 1920


def test_abc_trailing_rest_bar(tmp_path):
    p = tmp_path / "t.abc"
    p.write_text("X:1\nT:rests\nM:4/4\nL:1/4\nK:C\nCDEF|GABc|z4|\n")
    assert read(p).end_of_last_bar == 3 * 1920
