"""ABC import: tune selection, Nottingham chord spellings, pickups, titles, bulk iteration."""

from __future__ import annotations

import pytest

from composer_app import formats
from composer_app.errors import FileFormatError
from composer_app.formats.abc import TuneInfo, iter_abc_tunes, list_tunes, read_abc
from composer_app.score import TPQ, ChordSymbol, KeySignature, TimeSignature

TWO_TUNES = """\
X: 7
T:First Tune
M:4/4
L:1/8
K:G
"G"G2AB c2d2|"Gd"e2d2 "D/f+"c2B2|"Gm/bb"A4 "Ca"G4|]

X: 9
T:Second Tune
M:6/8
L:1/8
K:D
A|"D"def "A7"fed|"Bm"B3 "4"A3|"Em"e2f "A7"g2e|"D"d3 d2:|
"""


@pytest.fixture
def two_tunes(tmp_path):
    p = tmp_path / "two.abc"
    p.write_text(TWO_TUNES)
    return p


def test_list_tunes(two_tunes):
    assert list_tunes(two_tunes) == [TuneInfo(0, 7, "First Tune"), TuneInfo(1, 9, "Second Tune")]


def test_nottingham_chord_spellings(two_tunes):
    s = read_abc(two_tunes, 7)
    assert s.title == "First Tune"
    assert [str(c.symbol) for c in s.chords] == ["G", "Gdim", "D/F#", "Gm/Bb", "Caug"]
    assert s.chords[1].symbol == ChordSymbol("G", "dim")
    # a chord lasts until the next one; the last one until the end of the piece
    assert [(c.start, c.duration) for c in s.chords] == [
        (0, 8 * TPQ // 2), (4 * TPQ, 2 * TPQ), (6 * TPQ, 2 * TPQ), (8 * TPQ, 2 * TPQ), (10 * TPQ, 2 * TPQ)]
    assert s.time_signatures == (TimeSignature(4, 4, 0),)
    assert (s.key.tonic, s.key.mode) == ("G", "major")
    assert [n.pitch for n in s.melody.notes[:4]] == [67, 69, 71, 72]


def test_pickup_stays_a_partial_bar_zero_and_fingerings_ignored(two_tunes):
    s = read_abc(two_tunes, 9)
    assert s.time_signatures == (TimeSignature(6, 8, 0),)
    assert s.pickup == TPQ // 2  # the A pickup: an eighth note, not a whole bar of 6/8 with rests
    first = s.melody.notes[0]
    assert (first.pitch, first.start, first.duration) == (69, 0, TPQ // 2)
    bar0, bar1 = s.meter.bar(0), s.meter.bar(1)
    assert (bar0.start, bar0.length, bar0.offset) == (0, TPQ // 2, 5 * TPQ // 2)
    assert s.meter.beat_at(0) == (0, 2)  # the last eighth of the bar: the second (dotted-quarter) beat
    assert s.chords[0].start == bar1.start == TPQ // 2  # "D" on the downbeat of bar 1
    assert "4" not in [str(c.symbol) for c in s.chords]
    assert [str(c.symbol) for c in s.chords] == ["D", "A7", "Bm", "Em", "A7", "D"]


def test_default_tune_is_first_and_chords_false(two_tunes):
    assert read_abc(two_tunes).title == "First Tune"
    assert read_abc(two_tunes, chords=False).chords == ()
    assert formats.read(two_tunes, tune=9).title == "Second Tune"


def test_tune_out_of_range_names_file(two_tunes):
    with pytest.raises(FileFormatError) as err:
        formats.read(two_tunes, tune=8)
    assert str(two_tunes) in str(err.value) and "X:8" in str(err.value)


def test_expand_repeats_doubles_repeated_section(two_tunes):
    plain = read_abc(two_tunes, 9)
    expanded = read_abc(two_tunes, 9, expand_repeats=True)
    assert len(expanded.melody.notes) == 2 * len(plain.melody.notes)


def test_iter_abc_tunes_keeps_going_after_a_bad_tune(tmp_path):
    p = tmp_path / "mixed.abc"
    p.write_text(TWO_TUNES + "\nX: 10\nT:Empty\nK:C\n\n")
    results = list(iter_abc_tunes(p))
    assert [info.number for info, _ in results] == [7, 9, 10]
    assert not isinstance(results[0][1], FileFormatError)
    assert isinstance(results[2][1], FileFormatError) and "X:10" in str(results[2][1])


def test_minor_key_mode(tmp_path):
    p = tmp_path / "minor.abc"
    p.write_text("X:1\nT:Minor\nM:3/4\nL:1/4\nK:Em\n\"Em\"E G B|\"B7\"B3|]\n")
    s = read_abc(p)
    assert s.key_signatures == (KeySignature("E", "minor", 0),)
    assert s.time_signatures == (TimeSignature(3, 4, 0),)


@pytest.mark.slow
def test_every_nottingham_file_lists_and_reads_its_first_tune(shared_data):
    files = sorted((shared_data / "nottingham").glob("*.abc"))
    assert len(files) == 14
    total = 0
    for f in files:
        tunes = list_tunes(f)
        total += len(tunes)
        s = read_abc(f, tunes[0].number)
        assert s.melody.notes and s.chords, f
    assert total == 960


def _pitches(path, **kw) -> str:
    names = {60: "C", 62: "D", 64: "E", 65: "F", 67: "G", 69: "A", 71: "B", 72: "c"}
    return "".join(names[n.pitch] for n in read_abc(path, **kw).melody.notes)


@pytest.mark.parametrize("body,plain,expanded", [
    ("C D|E F::G A|B c:|", "CDEFGABc", "CDEFCDEFGABcGABc"),        # music21 alone drops notes after '::'
    ("C D|E F::\nG A|B c:|", "CDEFGABc", "CDEFCDEFGABcGABc"),
    ("C D|E F:|G A|B c:|", "CDEFGABc", "CDEFCDEFGABcGABc"),         # implicit |: after the first :|
    ("C D|E F:|\nP:B\nG A|B c:|", "CDEFGABc", "CDEFCDEFGABcGABc"),  # ... even before a P: line
    ("C D|[1E F:|[2F E||G A|B c:|", "CDEFFEGABc", "CDEFCDFEGABcGABc"),
    ('"C"C "G"D|"^x:|"E F:|"C"G A|B c:|]', "CDEFGABc", "CDEFCDEFGABcGABc"),  # bar-like text in quotes
])
def test_repeats_and_double_colon(tmp_path, body, plain, expanded):
    p = tmp_path / "rep.abc"
    p.write_text("X:1\nT:R\nM:2/4\nL:1/4\nK:C\n" + body + "\n")
    assert _pitches(p) == plain
    assert _pitches(p, expand_repeats=True) == expanded
