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


# ---- extended lead-sheet chords (issue 14) ---------------------------------------------------------
@pytest.mark.parametrize("text,canonical,pcs,nearest", [
    ("C2", "C2", {0, 2, 4, 7}, ""),
    ("Cmaj13#11", "Cmaj13#11", {0, 4, 7, 11, 2, 6, 9}, "maj9"),
    ("C7alt", "C7alt", {0, 4, 10, 1, 3, 6, 8}, "7b9"),
    ("C7(b9,#11)", "C7b9#11", {0, 4, 7, 10, 1, 6}, "7b9"),
    ("C6/9", "C69", {0, 4, 7, 9, 2}, "6"),
    ("Cm13", "Cm13", {0, 3, 7, 10, 2, 5, 9}, "m11"),
    ("C9sus4", "C9sus4", {0, 5, 7, 10, 2}, "7sus4"),
    ("Cmadd9", "Cmadd9", {0, 3, 7, 2}, "m"),
    ("C7b5", "C7b5", {0, 4, 6, 10}, "7"),
    ("CM7#11", "Cmaj7#11", {0, 4, 7, 11, 6}, "maj7"),
    ("C13b9", "C13b9", {0, 4, 7, 10, 1, 9}, "7b9"),
    ("C(b5)", "C(b5)", {0, 4, 6}, ""),
    ("Bbmaj9#11/D", "Bbmaj9#11/D", {10, 2, 5, 9, 0, 4}, "maj9"),
])
def test_extended_lead_sheet_chords_keep_their_spelling(text, canonical, pcs, nearest):
    sym = ChordSymbol.parse(text)
    assert str(sym) == canonical
    assert sym.pitch_classes == frozenset(pcs)
    assert ChordSymbol.parse(str(sym)) == sym
    assert sym.vocab_quality == nearest


def test_named_qualities_are_their_own_nearest_and_the_vocabulary_is_unchanged():
    from composer_app.music_lm.vocab import Vocabulary
    from composer_app.paths import default_model_dir
    from composer_app.score.chords import QUALITIES

    assert len(QUALITIES) == 26
    for q in QUALITIES:
        assert ChordSymbol("C", q).vocab_quality == q
    # the bundled model's vocabulary still loads: the token list did not change
    assert [t for t in Vocabulary.load(default_model_dir()).tokens if t.startswith("Q_")] == \
        [f"Q_{q or 'maj'}" for q in QUALITIES]


@pytest.mark.parametrize("bad", ["Cmajb9", "Cm5", "C7altb9", "C7#9#9", "Cxyz"])
def test_nonsense_extensions_are_refused_with_what_is_supported(bad):
    with pytest.raises(ChordSymbolError) as exc:
        ChordSymbol.parse(bad)
    assert "Cmaj13#11" in str(exc.value) and "\n" not in str(exc.value)
