"""Fuzzing chord-symbol parsing: ``ChordSymbol.parse`` and ``parse_nottingham`` (and the ABC quoted
string mapper that uses both). Contract: a :class:`ChordSymbol` whose canonical spelling parses back
to itself, or :class:`ChordSymbolError` (a ``ComposerError`` and ``ValueError``) with a one-line reason."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from composer_app.errors import ChordSymbolError, ComposerError
from composer_app.formats.abc import parse_chord_text
from composer_app.formats.music21_bridge import NO_CHORD
from composer_app.score import ChordSymbol, parse_nottingham
from composer_app.score.chords import _ALIASES, _NOTT_QUAL
from fuzz_contract import STATS, fuzz_settings, time_limit
from fuzz_inputs import WEIRD_TEXT

REAL = ["C", "Am7", "G/B", "F#m7b5", "Bbmaj7", "Esus4", "C6", "D7sus4", "Ebdim7", "Caug", "Gm6", "A7b9", "Fadd9",
        "CΔ7", "C-", "C°", "Cø", "C+", "Db/Ab", "E♭m", "F♯7", "Gd", "Ca", "D/f+", "Gm/bb", "(E7)", "Em/g",
        "C/E-", "B-", "Cmin7", "CmM7", "Cm(maj7)", "C7#9", "C13", "Cm11", "Csus", "N.C."]
PIECES = ["A", "B", "C", "D", "E", "F", "G", "H", "a", "b", "c", "#", "b", "♯", "♭", "-", "+", "/", "(", ")", "m", "M",
          "maj", "min", "dim", "aug", "sus", "add", "7", "9", "11", "13", "5", "6", "°", "ø", "Δ", "o", "d", "/",
          " ", "\t", "\n", "0", "99999999999999999999"] + list(_ALIASES) + list(_NOTT_QUAL)


def _check(parser, text: str) -> None:
    try:
        with time_limit(5, what=f"parsing {text!r}"):
            sym = parser(text)
    except ChordSymbolError as exc:
        assert isinstance(exc, ComposerError) and isinstance(exc, ValueError)
        assert "\n" not in str(exc).replace(text, ""), str(exc)
        STATS["chords error"] += 1
        return
    assert isinstance(sym, ChordSymbol)
    assert ChordSymbol.parse(str(sym)) == sym, (text, str(sym))
    assert 0 <= sym.root_pc < 12 and 0 <= sym.bass_pc < 12
    assert sym.pitch_classes and all(0 <= p <= 127 for p in sym.voicing())
    sym.transposed(5)
    STATS["chords ok"] += 1


grammarish = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)
mutated_real = st.tuples(st.sampled_from(REAL), st.integers(0, 8), st.sampled_from(PIECES + WEIRD_TEXT),
                         st.sampled_from(["insert", "delete", "replace", "double"])).map(
    lambda t: (t[0][:t[1]] + t[2] + t[0][t[1]:]) if t[3] == "insert" else
    (t[0][:t[1]] + t[0][t[1] + 1:]) if t[3] == "delete" else
    (t[0][:t[1]] + t[2] + t[0][t[1] + 1:]) if t[3] == "replace" else t[0] + t[0])
chord_texts = st.text(max_size=16) | grammarish | mutated_real | st.sampled_from(REAL)


@fuzz_settings(400, weight=2.0)
@given(chord_texts)
def test_chord_symbol_parse(text):
    _check(ChordSymbol.parse, text)


@fuzz_settings(300, weight=2.0)
@given(chord_texts)
def test_parse_nottingham(text):
    _check(parse_nottingham, text)


@fuzz_settings(200, weight=1.0)
@given(chord_texts)
def test_abc_quoted_string_to_chord(text):
    with time_limit(5, what=f"mapping {text!r}"):
        sym = parse_chord_text(text)
    assert sym is None or sym is NO_CHORD or isinstance(sym, ChordSymbol)
    if isinstance(sym, ChordSymbol):
        assert ChordSymbol.parse(str(sym)) == sym


def test_real_spellings_parse():
    for text in REAL:
        sym = parse_chord_text(text)
        assert sym is NO_CHORD if text == "N.C." else isinstance(sym, ChordSymbol), text
