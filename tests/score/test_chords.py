import pytest

from composer_app.errors import ChordSymbolError
from composer_app.score import ChordSymbol, parse_nottingham


@pytest.mark.parametrize("text,canonical,pcs", [
    ("Am7", "Am7", {9, 0, 4, 7}),
    ("G/B", "G/B", {7, 11, 2}),
    ("F#m7b5", "F#m7b5", {6, 9, 0, 4}),
    ("Bbmaj7", "Bbmaj7", {10, 2, 5, 9}),
    ("Esus4", "Esus4", {4, 9, 11}),
    ("C6", "C6", {0, 4, 7, 9}),
    ("CΔ7", "Cmaj7", {0, 4, 7, 11}),
    ("C-7", "Cm7", {0, 3, 7, 10}),
    ("Cø", "Cm7b5", {0, 3, 6, 10}),
    ("C+", "Caug", {0, 4, 8}),
    ("Ebdim7", "Ebdim7", {3, 6, 9, 0}),
    ("Dbmin", "Dbm", {1, 4, 8}),
])
def test_parse_lead_sheet_spellings(text, canonical, pcs):
    sym = ChordSymbol.parse(text)
    assert str(sym) == canonical
    assert sym.pitch_classes == frozenset(pcs)
    assert ChordSymbol.parse(str(sym)) == sym


@pytest.mark.parametrize("bad", ["", "H7", "Cxyz", "C/Q", "7", "Am7/"])
def test_invalid_symbols_are_refused_with_a_message(bad):
    with pytest.raises(ChordSymbolError) as exc:
        ChordSymbol.parse(bad)
    assert "chord symbol" in str(exc.value)


@pytest.mark.parametrize("text,canonical", [
    ("Gd", "Gdim"), ("Ca", "Caug"), ("D/f+", "D/F#"), ("Gm/bb", "Gm/Bb"), ("(E7)", "E7"),
    ("Bbd", "Bbdim"), ("A7/c+", "A7/C#"), ("Em/d+", "Em/D#"), ("Fa7", "Faug7"), ("G", "G"),
])
def test_nottingham_dialect(text, canonical):
    assert str(parse_nottingham(text)) == canonical


def test_transpose_and_classes():
    sym = ChordSymbol.parse("F#m7b5")
    assert str(sym.transposed(1)) == "Gm7b5"
    assert sym.is_minor and sym.triad_class() == "dim"
    assert ChordSymbol.parse("G7").triad_class() == "maj"
    assert str(ChordSymbol.parse("Bb/D").transposed(2)) == "C/E"
    voicing = ChordSymbol.parse("G/B").voicing()
    assert voicing[0] % 12 == 11 and voicing[0] < min(voicing[1:])


def test_note_names_with_unknown_characters_are_refused():
    from composer_app.score import KeySignature
    from composer_app.score.chords import pitch_class

    assert [pitch_class(n) for n in ("C", "C#", "Db", "B♭", "Fx", "Cbb")] == [0, 1, 1, 10, 7, 10]
    for bad in ("Cz", "C-", "H", "c", "C #", ""):
        with pytest.raises(ValueError, match="not a note name"):
            pitch_class(bad)
    with pytest.raises(ValueError):
        KeySignature("Cz")
