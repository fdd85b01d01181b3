"""Roman numerals, the chords of a key, scale rows and melody clashes (score/theory.py, no Qt)."""

import pytest

from composer_app.score import Chord, ChordSymbol, KeySignature, Note
from composer_app.score.theory import (borrowed_chords, degree_root, diatonic_chords, melody_clashes,
                                       roman_numeral, scale_row)

C_MAJOR, A_MINOR = KeySignature("C"), KeySignature("A", "minor")


@pytest.mark.parametrize("chord,numeral,kind", [
    ("C", "I", "diatonic"), ("Dm", "ii", "diatonic"), ("G7", "V7", "diatonic"), ("Bdim", "vii°", "diatonic"),
    ("Bm7b5", "viiø7", "diatonic"), ("Fmaj7", "IVmaj7", "diatonic"), ("Am7", "vi7", "diatonic"),
    ("D7", "V7/V", "secondary"), ("D", "V/V", "secondary"), ("E7", "V7/vi", "secondary"),
    ("A7", "V7/ii", "secondary"), ("C7", "V7/IV", "secondary"), ("F#dim7", "vii°7/V", "secondary"),
    ("Fm", "iv", "borrowed"), ("Bb", "♭VII", "borrowed"), ("Ab", "♭VI", "borrowed"), ("Eb", "♭III", "borrowed"),
    ("Db", "♭II", "borrowed"), ("F#", "♭V", "chromatic"),
    ("Cmaj13#11", "Imaj13♯11", "diatonic"), ("G7alt", "V7alt", "diatonic"),
])
def test_roman_numerals_in_c_major(chord, numeral, kind):
    rn = roman_numeral(ChordSymbol.parse(chord), C_MAJOR)
    assert (rn.text, rn.kind) == (numeral, kind)
    assert rn.explanation.startswith(numeral)


@pytest.mark.parametrize("chord,numeral,kind", [
    ("Am", "i", "diatonic"), ("C", "III", "diatonic"), ("E7", "V7", "diatonic"), ("G#dim7", "vii°7", "diatonic"),
    ("Em", "v", "diatonic"), ("D", "IV", "borrowed"), ("A", "I", "borrowed"), ("Bb", "♭II", "borrowed"),
    ("C7", "V7/VI", "secondary"),
])
def test_roman_numerals_in_a_minor(chord, numeral, kind):
    rn = roman_numeral(ChordSymbol.parse(chord), A_MINOR)
    assert (rn.text, rn.kind) == (numeral, kind)


def test_secondary_dominant_names_its_target():
    rn = roman_numeral(ChordSymbol.parse("D7"), C_MAJOR)
    assert "leads to V (G)" in rn.explanation
    assert "borrowed from C minor" in roman_numeral(ChordSymbol.parse("Bb"), C_MAJOR).explanation


def test_diatonic_chords_are_spelled_with_the_keys_letters():
    assert [str(c.symbol) for c in diatonic_chords(C_MAJOR)] == ["C", "Dm", "Em", "F", "G", "Am", "Bdim"]
    assert [c.numeral.text for c in diatonic_chords(C_MAJOR)] == ["I", "ii", "iii", "IV", "V", "vi", "vii°"]
    assert [str(c.symbol) for c in diatonic_chords(C_MAJOR, sevenths=True)] == \
        ["Cmaj7", "Dm7", "Em7", "Fmaj7", "G7", "Am7", "Bm7b5"]
    assert [str(c.symbol) for c in diatonic_chords(KeySignature("F#"))][-1] == "E#dim"
    assert [str(c.symbol) for c in diatonic_chords(KeySignature("Eb"))] == ["Eb", "Fm", "Gm", "Ab", "Bb", "Cm", "Ddim"]


def test_borrowed_chords_of_major_and_minor_keys():
    assert [(str(c.symbol), c.numeral.text) for c in borrowed_chords(C_MAJOR)] == \
        [("Fm", "iv"), ("Ab", "♭VI"), ("Bb", "♭VII"), ("Eb", "♭III")]
    assert [(str(c.symbol), c.numeral.text) for c in borrowed_chords(KeySignature("Eb"))][1] == ("Cb", "♭VI")
    assert [(str(c.symbol), c.numeral.text) for c in borrowed_chords(A_MINOR)] == \
        [("D", "IV"), ("E", "V"), ("Bb", "♭II"), ("A", "I")]
    assert degree_root(C_MAJOR, 6, 10) == "Bb"


def test_scale_rows_follow_the_key():
    assert [scale_row(C_MAJOR, p) for p in (60, 62, 61)] == ["tonic", "scale", "outside"]
    assert scale_row(KeySignature("D"), 66) == "scale" and scale_row(KeySignature("D"), 65) == "outside"


def test_melody_clashes_against_the_chord_under_it():
    chords = [Chord(ChordSymbol.parse("Cmaj7"), 0, 1920), Chord(ChordSymbol.parse("G7"), 1920, 1920)]
    notes = [Note(65, 0, 960),  # F held over Cmaj7: a semitone above E -> clash
             Note(62, 960, 240),  # D, a short passing note -> fine
             Note(67, 1440, 480),  # G, a chord tone
             Note(72, 1920, 960),  # C over G7: a semitone above B -> clash
             Note(65, 2880, 960)]  # F over G7: its seventh
    found = melody_clashes(chords, notes)
    assert [(c.pitch, str(c.chord)) for c in found] == [(65, "Cmaj7"), (72, "G7")]
    assert found[0].describe() == "F over Cmaj7 rubs a semitone against its E"


def test_chord_roots_are_spelled_on_their_scale_degree():
    from composer_app.score import KeySignature
    from composer_app.score.theory import spell_root

    c = KeySignature("C")
    assert [spell_root(c, pc) for pc in (1, 3, 6, 8, 10)] == ["Db", "Eb", "F#", "Ab", "Bb"]  # bII bIII #IV bVI bVII
    a_minor = KeySignature("A", "minor")
    assert [spell_root(a_minor, pc) for pc in (1, 6, 8)] == ["C#", "F#", "G#"]  # raised 3rd, 6th, 7th
    assert spell_root(KeySignature("G"), 6) == "F#" and spell_root(KeySignature("F"), 10) == "Bb"
    assert spell_root(KeySignature("Eb"), 11) == "B"  # not Cb
