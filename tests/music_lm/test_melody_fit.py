"""Melody-fit fusion (the language model's harmonize fallback when no harmonizer folder is
available): the notes under a chord bias its root and quality (pure)."""

from composer_app.music_lm.melody_fit import MelodyFit
from composer_app.music_lm.tokenizer import MusicTokenizer
from composer_app.score import Note, Score, Track


def c_major_bar_then_a_minor() -> Score:
    notes = [Note(p, i * 480, 480) for i, p in enumerate([60, 64, 67, 72])]  # C E G C
    notes += [Note(p, 1920 + i * 240, 240) for i, p in enumerate([69, 72, 76, 69])]  # A C E A, first half
    return Score(tracks=(Track(notes=tuple(notes)),))


def test_root_and_quality_bias_follow_the_notes():
    tok = MusicTokenizer()
    fit = MelodyFit(tok, c_major_bar_then_a_minor(), weight=1.0)
    rb = fit.root_bias(0)
    assert max(rb, key=rb.get) == tok.root_ids[0]  # C
    assert rb[tok.root_ids[0]] == 1.0 and rb[tok.root_ids[1]] < rb[tok.root_ids[0]]  # C and E: C major
    qb = fit.quality_bias(0, 0)
    assert qb[tok.quality_ids[""]] > qb[tok.quality_ids["m"]]
    assert qb[tok.quality_ids["maj7"]] == qb[tok.quality_ids[""]]  # sevenths judged by their triad
    rb2 = fit.root_bias(1920)
    assert max(rb2, key=rb2.get) == tok.root_ids[9]  # A (minor)
    assert fit.span(0) == (0, 960) and fit.span(1000) == (1000, 1920)


def test_no_notes_no_bias_and_zero_weight_off():
    tok = MusicTokenizer()
    assert MelodyFit(tok, Score()).root_bias(0) == {}
    assert MelodyFit(tok, c_major_bar_then_a_minor(), weight=0).root_bias(0) == {}
