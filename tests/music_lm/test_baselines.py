"""The evaluation baselines and the constrained harmonization grammar."""

from __future__ import annotations

import random

import numpy as np

from composer_app.music_lm.baselines import NGramModel, TemplateHarmonizer, diatonic_triads
from composer_app.music_lm.evaluation import ChordPartGrammar, beat_accuracy, windows
from composer_app.music_lm.tokenizer import MusicTokenizer
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, TimeSignature, Track

Q = 480


def test_ngram_is_a_normalised_distribution_that_learns():
    rng = random.Random(0)
    seqs = [[1] + [rng.choice([5, 6, 7]) for _ in range(30)] + [2] for _ in range(50)] + [[1, 8, 9, 8, 9, 2]] * 20
    ng = NGramModel(12, n=3).fit(seqs)
    for ctx in ([], [1], [8], [1, 8], [8, 9], [3, 4]):  # seen, unseen and empty contexts
        assert abs(sum(ng.prob(ctx, w) for w in range(12)) - 1.0) < 1e-9
    assert ng.prob([1, 8], 9) > 0.8  # a deterministic continuation is learned
    assert ng.prob([1, 8], 3) > 0  # and nothing has zero probability
    lp = ng.score_sequence([1, 8, 9, 8, 9, 2])
    assert lp.shape == (5,) and np.all(lp < 0)


def test_diatonic_triads():
    assert diatonic_triads(0, "major") == [(0, ""), (2, "m"), (4, "m"), (5, ""), (7, ""), (9, "m"), (11, "dim")]
    assert (4, "") in diatonic_triads(9, "minor")  # A minor also gets E major (V)


def test_template_harmonizer_fits_triads_per_half_bar():
    notes = [Note(p, i * Q, Q) for i, p in enumerate([60, 64, 67, 64, 65, 69, 72, 69, 67, 71, 74, 71])]
    score = Score(tracks=(Track(notes=tuple(notes)),), key_signatures=(KeySignature("C"),))
    chords = TemplateHarmonizer().harmonize(score, 0, 12 * Q)
    assert [(str(c.symbol), c.start, c.duration) for c in chords] == [("C", 0, 4 * Q), ("F", 4 * Q, 4 * Q), ("G", 8 * Q, 4 * Q)]
    truth = score.with_chords([Chord(ChordSymbol("C"), 0, 4 * Q), Chord(ChordSymbol("F"), 4 * Q, 4 * Q),
                               Chord(ChordSymbol("E", "m"), 8 * Q, 4 * Q)])
    assert beat_accuracy(truth, chords, 0, 12 * Q) == (12, 8, 8)


def test_chord_grammar_only_allows_well_formed_chord_parts():
    tok = MusicTokenizer()
    g = ChordPartGrammar(tok, [3 * Q, 3 * Q])
    rng = random.Random(1)
    out = []
    for _ in range(g.max_steps):
        allowed = g.allowed()
        t = rng.choice(allowed)
        out.append(t)
        if g.feed(t):
            break
    assert out[0] == tok.bar_id and out[-1] == tok.eos_id and out.count(tok.bar_id) == 2
    score = Score(time_signatures=(TimeSignature(3, 4),))
    notes, chords = tok.decode_continuation(out, score, 0, 6 * Q)
    assert notes == [] and all(0 <= c.start < 6 * Q and c.end <= 6 * Q for c in chords)


def test_windows_score_every_bar_once():
    tok = MusicTokenizer()
    notes = [Note(60 + i % 7, i * Q // 2, Q // 2) for i in range(8 * 40)]
    piece = tok.encode_piece(Score(tracks=(Track(notes=tuple(notes)),)))
    scored_bars = 0
    for ids, start in windows(tok, piece, 256):
        assert len(ids) <= 256 and ids[:2] == [tok.bos_id, tok.task_ids["continue"]]
        scored_bars += ids[start:].count(tok.bar_id)
    assert scored_bars == piece.n_bars == 40
