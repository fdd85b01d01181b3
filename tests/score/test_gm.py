"""General MIDI program names."""

import pytest

from composer_app.score.gm import GM_FAMILIES, GM_PROGRAMS, find_program, program_family, program_label, program_name


def test_names_and_families():
    assert len(GM_PROGRAMS) == 128 and len(set(GM_PROGRAMS)) == 128
    assert program_name(0) == "Acoustic Grand Piano" and program_name(127) == "Gunshot"
    assert program_name(40) == "Violin" and program_family(40) == "Strings"
    assert program_family(73) == "Pipe" and program_label(73) == "74 Flute"
    assert [program_family(i * 8) for i in range(16)] == list(GM_FAMILIES)


def test_find_program():
    assert find_program("flute") == 73
    assert find_program("Acoustic Bass") == 32
    assert find_program("Trump") == 56
    with pytest.raises(ValueError, match="several"):
        find_program("Acoustic")
    with pytest.raises(ValueError, match="not a General MIDI"):
        find_program("Theremin")
    with pytest.raises(ValueError):
        program_name(128)
