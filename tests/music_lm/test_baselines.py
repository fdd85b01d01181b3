"""The evaluation baselines and the constrained harmonization grammar."""

from __future__ import annotations

import random

import numpy as np

from composer_app.music_lm.baselines import NGramModel, TemplateHarmonizer, diatonic_triads
from composer_app.generation.evaluation import compare
from composer_app.music_lm.evaluation import windows
from composer_app.music_lm.tokenizer import MusicTokenizer
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track

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
    t = compare(truth, chords, 0, 12 * Q)
    assert (t.beats, t.root, t.cls) == (12, 8, 8)
    assert t.tenth_beats == [2, 1, 1, 1, 1, 2, 1, 1, 1, 1] and t.tenth_root[-4:] == [0, 0, 0, 0]
    # Melody on chord tones: C E G E | F A C A all in; G B D B all in G, not in Em except B and G
    assert t.tone_in / t.tone_all == 1.0
    assert t.coverage == [3] and t.changes_per_bar == [2 / 3]


def test_windows_score_every_bar_once():
    tok = MusicTokenizer()
    notes = [Note(60 + i % 7, i * Q // 2, Q // 2) for i in range(8 * 40)]
    piece = tok.encode_piece(Score(tracks=(Track(notes=tuple(notes)),)))
    scored_bars = 0
    for ids, start in windows(tok, piece, 256):
        assert len(ids) <= 256 and ids[:2] == [tok.bos_id, tok.task_ids["continue"]]
        scored_bars += ids[start:].count(tok.bar_id)
    assert scored_bars == piece.n_bars == 40
