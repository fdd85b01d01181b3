"""Training examples: layouts drawn at random, windows within max_len, transposition of every pitch-like token."""

from __future__ import annotations

import random

from composer_app.music_lm.dataset import Collator, TrainingSequences, TranspositionTables, draw_example
from composer_app.music_lm.tokenizer import MusicTokenizer
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track

Q = 480


def tune(bars: int = 24) -> Score:
    notes = [Note(62 + (i * 5) % 12, i * Q, Q) for i in range(bars * 4)]
    chords = [Chord(ChordSymbol(["D", "G", "A", "B"][b % 4], ["", "", "7", "m"][b % 4]), b * 4 * Q, 4 * Q)
              for b in range(bars)]
    return Score(tracks=(Track(notes=tuple(notes)),), chords=tuple(chords), key_signatures=(KeySignature("D"),))


def test_transposition_moves_pitches_roots_basses_and_keys():
    tok = MusicTokenizer()
    tables = TranspositionTables(tok)
    score = tune(4).with_chords([Chord(ChordSymbol("D", "", "F#"), 0, 16 * Q)])
    ids = tok.encode(score)
    up = tables.apply(ids, 3)
    assert tok.decode_score(up).content_equal(score.transposed(3))
    assert tables.apply(up, -3) == ids


def test_draw_example_covers_every_layout_within_max_len():
    tok = MusicTokenizer()
    piece = tok.encode_piece(tune())
    rng = random.Random(0)
    seen = set()
    for _ in range(200):
        ids = draw_example(tok, piece, rng, 160)
        assert len(ids) <= 160 and ids[0] == tok.bos_id
        seen.add(ids[1])
        if ids[1] == tok.task_ids["harmonize"]:
            assert ids.index(tok.mel_id) < ids.index(tok.chd_id)
    assert seen == set(tok.task_ids.values())


def test_training_sequences_batch_with_padding_masked_out():
    tok = MusicTokenizer()
    ds = TrainingSequences(tok, [tok.encode_piece(tune()), tok.encode_piece(tune(6))], max_len=128,
                           examples_per_epoch=8, seed=1)
    batch = Collator(tok.pad_id)([ds[i] for i in range(len(ds))])
    assert batch["input_ids"].shape[0] == 8 and batch["input_ids"].shape[1] <= 128
    pad = batch["attention_mask"] == 0
    assert (batch["labels"][pad] == -100).all() and (batch["labels"][~pad] >= 0).all()


def test_harmonize_answer_loss_masks_everything_before_the_chord_answer():
    tok = MusicTokenizer()
    ds = TrainingSequences(tok, [tok.encode_piece(tune())], max_len=200, examples_per_epoch=6, seed=2,
                           task_mix={"harmonize": 1.0}, harmonize_answer_loss=True)
    batch = Collator(tok.pad_id)([ds[i] for i in range(len(ds))])
    for ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist()):
        chd = ids.index(tok.chd_id)
        assert all(x == -100 for x in labels[:chd + 1])
        assert labels[chd + 1:chd + 3] == [tok.bar_id, tok.bar_index_id(1)]
