"""The harmonizer: beats and tokens, transposition, windows, the decoder, and a real (tiny) model."""

from __future__ import annotations

import json
import random
from collections import Counter

import numpy as np
import pytest

from composer_app.errors import ModelError
from composer_app.music_lm.harmonizer.data import TrainingWindows, example, harm_piece, reveal
from composer_app.music_lm.harmonizer.decode import (Transitions, fit_transitions, path_score,
                                                     progression_matrices, sample_paths, segments, viterbi)
from composer_app.music_lm.harmonizer.encoding import (HarmVocab, bar_starts, beat_labels, beat_notes, beats_of,
                                                       windows)
from composer_app.music_lm.harmonizer.labels import (CLASSES, IGNORE, N_LABELS, allowed_labels, folded,
                                                     label_of, symbol_of)
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, TimeSignature, Track

Q = 480


def lead_sheet(bars: int = 8, meter=(4, 4)) -> Score:
    """C E G E | G F D B, repeated, with chords C | G7."""
    bar = TimeSignature(*meter).bar_ticks
    pitches = [60, 64, 67, 64, 67, 65, 62, 71]
    notes, chords = [], []
    for b in range(bars):
        for i in range(4):
            notes.append(Note(pitches[(b % 2) * 4 + i], b * bar + i * bar // 4, bar // 4))
        chords.append(Chord(ChordSymbol.parse("C" if b % 2 == 0 else "G7"), b * bar, bar))
    return Score(tracks=(Track(notes=tuple(notes)),), chords=tuple(chords),
                 time_signatures=(TimeSignature(*meter),), key_signatures=(KeySignature("C"),))


def test_labels_reduce_symbols_and_fold_vocabularies():
    assert symbol_of(label_of(ChordSymbol.parse("G9"))) == ChordSymbol("G", "7")
    assert symbol_of(label_of(ChordSymbol.parse("F#m7b5"))) == ChordSymbol("F#", "m7b5")
    assert symbol_of(label_of(ChordSymbol.parse("Bb6/D"))) == ChordSymbol("A#", "")
    assert N_LABELS == 12 * len(CLASSES)
    g7, g = label_of(ChordSymbol("G", "7")), label_of(ChordSymbol("G"))
    assert g7 not in allowed_labels("triads") and g7 in allowed_labels("sevenths")
    assert folded("triads")[g7] == g and folded("all")[g7] == g7


def test_beats_notes_and_labels():
    score = lead_sheet(2, (6, 8))
    beats = beats_of(score)
    assert [(b.tick, b.index, b.of, b.compound) for b in beats] == [
        (0, 0, 2, True), (720, 1, 2, True), (1440, 0, 2, True), (2160, 1, 2, True)]
    notes = beat_notes(score, beats)
    # A 6/8 bar holds four notes of 360 ticks: the first beat holds C (on, half) and E (in, half).
    assert notes[0] == [(0, "on", 0.5), (4, "in", 0.5)]
    assert beat_labels(score, beats) == [label_of(ChordSymbol("C"))] * 2 + [label_of(ChordSymbol("G", "7"))] * 2
    held = Score(tracks=(Track(notes=(Note(60, 0, 3 * Q),)),))
    assert [n for n in beat_notes(held, beats_of(held))][:3] == [[(0, "on", 1.0)], [(0, "held", 1.0)],
                                                                  [(0, "held", 1.0)]]


def test_bags_are_key_relative_and_absolute_ones_transpose_as_a_permutation():
    piece = harm_piece(lead_sheet(), "t")
    given = [True, False] * (len(piece.beats) // 2)
    vocab = HarmVocab()  # key-relative: a transposed piece is the same example
    up = example(vocab, piece, 0, len(piece.beats), given, 3)
    plain = example(vocab, piece, 0, len(piece.beats), given, 0)
    assert [sorted(b) for b in up["bags"]] == [sorted(b) for b in plain["bags"]] and up["labels"] == plain["labels"]
    assert symbol_of(plain["labels"][1]) == ChordSymbol("C") and symbol_of(plain["labels"][5]) == ChordSymbol("G", "7")
    absolute = HarmVocab(relative=False)
    up = example(absolute, piece, 0, len(piece.beats), given, 3)
    plain = example(absolute, piece, 0, len(piece.beats), given, 0)
    table = absolute.transposition(3)
    assert [sorted((int(table[i]), w) for i, w in bag) for bag in plain["bags"]] == [sorted(b) for b in up["bags"]]
    assert symbol_of(up["labels"][1]) == ChordSymbol("D#")  # beat 2 (to predict) is under C: 3 up is Eb
    for v in (vocab, absolute):
        plain = example(v, piece, 0, len(piece.beats), given, 0)
        # Given beats carry their chord as input and no label; the others read "Chord_?" and are labels.
        assert sum(lab != IGNORE for lab in plain["labels"]) == given.count(False)
        assert sum((v.unknown_chord_id, 1.0) in bag for bag in plain["bags"]) == given.count(False)
        first = plain["bags"][0]
        assert (v.start_id, 1.0) in first and (v.key_id(0, False), 1.0) in first
        assert (v.note_id(0, "on"), 1.0) in first  # C fills the first beat
        assert (v.end_id, 1.0) in plain["bags"][-1]
    # The bar's and half bar's melody at every beat: C E G E in bar 1, G F D B in bar 2 (quarters).
    assert {i: w for i, w in first if vocab.tokens[i].startswith("B_")} == {
        vocab.ids["B_0"]: 0.25, vocab.ids["B_4"]: 0.5, vocab.ids["B_7"]: 0.25}
    assert {vocab.tokens[i]: w for i, w in plain["bags"][7] if vocab.tokens[i][:2] in ("H_", "P_", "X_")} == {
        "H_2": 0.5, "H_11": 0.5, "P_2": 1.0, "X_0": 1.0}


def test_relative_answers_come_back_absolute():
    from composer_app.music_lm.harmonizer.encoding import from_relative, relative_labels

    score = lead_sheet(2).transposed(2)  # D major melody and chords ...
    score = Score(tracks=score.tracks, chords=score.chords, key_signatures=(KeySignature("D"),))
    beats = beats_of(score)
    rel = relative_labels(HarmVocab(), beats, beat_labels(score, beats))
    assert symbol_of(rel[0]) == ChordSymbol("C") and symbol_of(rel[4]) == ChordSymbol("G", "7")  # I and V7
    onehot = np.full((len(beats), N_LABELS), -9.0)
    onehot[np.arange(len(beats)), rel] = 0.0
    back = from_relative(HarmVocab(), beats, onehot).argmax(1)
    assert [str(symbol_of(x)) for x in back[[0, 4]]] == ["D", "A7"]


def test_vocabulary_round_trip_and_refusal(tmp_path):
    vocab = HarmVocab()
    vocab.save(tmp_path)
    assert HarmVocab.load(tmp_path).tokens == vocab.tokens
    data = json.loads((tmp_path / "harmonizer_vocab.json").read_text())
    data["tokens"] = data["tokens"][:-1]
    (tmp_path / "harmonizer_vocab.json").write_text(json.dumps(data))
    with pytest.raises(ValueError):
        HarmVocab.load(tmp_path)


@pytest.mark.parametrize("max_len", [10, 17, 64, 512])
def test_windows_cover_every_beat_within_the_length(max_len):
    beats = beats_of(lead_sheet(40))
    spans = windows(len(beats), max_len, bar_starts(beats))
    covered = set()
    for a, b in spans:
        assert b - a <= max_len and beats[a].index == 0  # windows start on bar lines
        covered |= set(range(a, b))
    assert covered == set(range(len(beats)))
    assert len(spans) == 1 if max_len >= len(beats) else len(spans) > 1


def test_reveal_patterns_and_training_windows():
    vocab = HarmVocab()
    piece = harm_piece(lead_sheet(16), "t")
    rng = random.Random(0)
    n = len(piece.beats)
    assert reveal(piece, 0, n, "none", rng) == [False] * n
    prefix = reveal(piece, 0, n, "prefix", rng)
    assert prefix[0] and not prefix[-1] and prefix == sorted(prefix, reverse=True)
    ds = TrainingWindows(vocab, [piece], max_len=24, per_epoch=20)
    for i in range(20):
        item = ds[i]
        assert len(item["bags"]) <= 24 and len(item["labels"]) == len(item["bags"])


def test_extra_pieces_get_their_share_of_the_training_windows():
    """Self-training: the pseudo-labelled pieces get ``extra_share`` of the draws however many beats
    they hold; within each set a piece is drawn in proportion to its beats."""
    vocab = HarmVocab()
    real = [harm_piece(lead_sheet(16), "real")]
    extra = [harm_piece(lead_sheet(8), f"pseudo {i}", "pseudo-x") for i in range(6)]
    ds = TrainingWindows(vocab, real, max_len=24, per_epoch=10, extra=extra, extra_share=0.25)
    w = np.array(ds.weights) / sum(ds.weights)
    assert w[1:].sum() == pytest.approx(0.25) and w[1:] == pytest.approx([0.25 / 6] * 6)
    drawn = Counter(p.group for p in ds.rng.choices(ds.pieces, ds.weights, k=4000))
    assert 0.21 < drawn["pseudo-x"] / 4000 < 0.29
    assert TrainingWindows(vocab, real, extra=extra, extra_share=0.0).pieces == real  # off: none of them


def test_transitions_learn_harmonic_rhythm_and_progressions():
    piece = harm_piece(lead_sheet(16), "t")
    trans = Transitions(fit_transitions([piece]))
    downbeat, weak = piece.beats[4], piece.beats[5]
    assert trans.p_change(downbeat) > 0.8 and trans.p_change(weak) < 0.2
    c, g7, d = (label_of(ChordSymbol.parse(s)) for s in ("C", "G7", "D"))
    m = trans.matrix(downbeat, piece.beats[3])
    assert m[g7, c] > m[g7, d] and m[c, g7] > m[c, d]


def test_viterbi_and_sampling_on_a_small_chain():
    rng = np.random.default_rng(0)
    T = 12
    emis = np.log(np.full((T, N_LABELS), 1e-3))
    c, g = label_of(ChordSymbol("C")), label_of(ChordSymbol("G"))
    emis[:6, c] = np.log(0.6)
    emis[6:, g] = np.log(0.6)
    emis[3, g] = np.log(0.7)  # one noisy beat: the change cost keeps C
    piece = harm_piece(lead_sheet(4), "t")
    trans = Transitions(fit_transitions([piece]))
    beats = beats_of(lead_sheet(3))[:T]
    mats = progression_matrices(trans, beats, 1.0, 0.3)
    path, best = viterbi(emis, mats)
    assert [lab for _, _, lab in segments(path)] == [c, g]
    assert abs(path_score(emis, mats, path) - best) < 1e-6
    draws = sample_paths(emis, mats, 20, 1.0, rng)
    assert all(path_score(emis, mats, p) <= best + 1e-9 for p in draws)
    again = sample_paths(emis, mats, 20, 1.0, np.random.default_rng(0))
    assert draws == again  # the seed decides


@pytest.fixture(scope="module")
def tiny_harmonizer(tmp_path_factory):
    """A real (untrained, seeded) BERT token classifier saved as a harmonizer folder."""
    import torch
    from transformers import BertForTokenClassification

    from composer_app.music_lm.harmonizer.training import make_config, save_harmonizer_dir

    torch.manual_seed(0)
    vocab = HarmVocab()
    model = BertForTokenClassification(make_config(vocab, "tiny", 64))
    out = tmp_path_factory.mktemp("harmonizer")
    save_harmonizer_dir(model, vocab, fit_transitions([harm_piece(lead_sheet(16), "t")]), out)
    return out


def test_harmonize_whole_piece_and_region_with_a_real_model(tiny_harmonizer):
    from composer_app.music_lm.harmonizer.runtime import harmonize, load_harmonizer

    h = load_harmonizer(tiny_harmonizer)
    score = lead_sheet(24).with_chords(())  # 96 beats do not fit one 64-beat window: windows
    progs = harmonize(h, score, 0, score.end_of_last_bar, candidates=4, seed=1)
    assert 1 <= len(progs) <= 4
    assert len({tuple(segments(p.labels)) for p in progs}) == len(progs)  # distinct progressions
    for p in progs:
        assert p.chords[0].start == 0 and p.chords[-1].end == score.end_of_last_bar
        assert all(a.end == b.start for a, b in zip(p.chords, p.chords[1:]))
        assert len(p.confidence) == len(p.chords) and all(0 <= x <= 1 for x in p.confidence)
    # The score is the encoder's mean log-probability per beat of the chords chosen.
    assert all(-30 < p.score <= 0 for p in progs)
    again = harmonize(h, score, 0, score.end_of_last_bar, candidates=4, seed=1)
    assert [p.labels for p in again] == [p.labels for p in progs]
    region = harmonize(h, lead_sheet(8), 1920 * 2, 1920 * 4, candidates=2, vocab="triads")
    for p in region:
        assert p.chords[0].start == 1920 * 2 and p.chords[-1].end == 1920 * 4
        assert all(c.symbol.quality in ("", "m", "dim", "aug", "sus4", "sus2") for c in p.chords)


def test_a_folder_that_is_not_a_harmonizer_is_refused(tiny_harmonizer, tmp_path):
    import shutil

    from composer_app.music_lm.harmonizer.runtime import load_harmonizer

    bad = tmp_path / "bad"
    shutil.copytree(tiny_harmonizer, bad)
    cfg = json.loads((bad / "config.json").read_text())
    cfg["auto_map"] = {"AutoModelForTokenClassification": "evil.Model"}
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="never runs code from a model folder"):
        load_harmonizer(bad)
    del cfg["auto_map"]
    cfg["architectures"] = ["GPT2LMHeadModel"]
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="GPT2LMHeadModel"):
        load_harmonizer(bad)
    cfg["architectures"] = ["BertForTokenClassification"]
    cfg["num_labels"], cfg["id2label"] = 3, {"0": "a", "1": "b", "2": "c"}
    (bad / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError):  # the classifier's weights do not fit 3 classes
        load_harmonizer(bad)
    (bad / "transitions.json").unlink()
    with pytest.raises(ModelError, match="transitions.json is missing"):
        load_harmonizer(bad)


def test_a_pickup_bar_holds_the_last_beats_of_a_bar():
    from composer_app.score.time import Meter

    notes = (Note(67, 0, Q), Note(72, Q, 4 * Q))
    score = Score(tracks=(Track(notes=notes),), pickup=Q)
    beats = beats_of(score)
    assert Meter(score.time_signatures, Q).bar(0).is_pickup
    assert [(b.tick, b.bar, b.index, b.of) for b in beats[:3]] == [(0, 0, 3, 4), (Q, 1, 0, 4), (2 * Q, 1, 1, 4)]
    assert bar_starts(beats) == [0, 1] and len(beats) == 5


def test_the_decoder_is_the_most_accurate_of_those_shaped_like_the_composers_chords():
    from composer_app.music_lm.harmonizer.training import choose_decoder

    def row(acc, entropy, coverage, name):
        return {"root_acc": acc, "class_acc": acc, "entropy_ratio": entropy, "coverage_ratio": coverage,
                "name": name}

    table = [row(0.60, 0.6, 0.5, "holds chords for bars"), row(0.52, 0.85, 0.85, "shaped, most accurate"),
             row(0.515, 0.98, 0.97, "as accurate within noise, most like the composers"),
             row(0.40, 1.0, 1.0, "like the composers but inaccurate")]
    chosen, shaped = choose_decoder(table)
    assert chosen["name"] == "as accurate within noise, most like the composers" and len(shaped) == 3
    assert choose_decoder(table, tie=0.0)[0]["name"] == "shaped, most accurate"
    assert choose_decoder(table[:1])[0]["name"] == "holds chords for bars"  # none shaped: the most accurate


def test_the_decoder_must_be_shaped_like_the_composers_in_every_collection():
    """Pooled ratios can look human while pop songs get too few chords and folk tunes too many: a
    row with ``by_group`` ratios counts as shaped only when every collection is."""
    from composer_app.music_lm.harmonizer.training import choose_decoder

    def row(acc, pooled, folk, pop, name):
        shape = lambda r: {"entropy_ratio": r, "coverage_ratio": r, "root_acc": acc, "class_acc": acc}  # noqa: E731
        return {"root_acc": acc, "class_acc": acc, **{k: v for k, v in shape(pooled).items() if "ratio" in k},
                "by_group": {"nottingham": shape(folk), "pop909": shape(pop)}, "name": name}

    table = [row(0.52, 0.97, 1.15, 0.80, "human on average, too few chords for pop"),
             row(0.50, 1.0, 1.05, 0.95, "human in both")]
    assert choose_decoder(table, tolerance=0.1)[0]["name"] == "human in both"
    assert choose_decoder(table, tolerance=0.2)[0]["name"] == "human on average, too few chords for pop"
    pooled_only = [{k: v for k, v in r.items() if k != "by_group"} for r in table]
    assert choose_decoder(pooled_only, tolerance=0.1)[0]["name"] == "human on average, too few chords for pop"


def test_members_are_mixed_in_and_only_from_subfolders(tiny_harmonizer, tmp_path):
    """``members.json``: harmonizer folders inside this one whose per-beat predictions are mixed in
    by weight (an ensemble of a key-relative and an absolute model); anything else is refused."""
    import shutil

    import torch
    from transformers import BertForTokenClassification

    from composer_app.music_lm.harmonizer.encoding import beat_notes, beats_of
    from composer_app.music_lm.harmonizer.runtime import MEMBERS_FILE, beat_logprobs, load_harmonizer
    from composer_app.music_lm.harmonizer.training import make_config, save_harmonizer_dir

    folder = tmp_path / "ensemble"
    shutil.copytree(tiny_harmonizer, folder)
    torch.manual_seed(1)
    vocab = HarmVocab(relative=False)  # an absolute member, with its own vocabulary
    save_harmonizer_dir(BertForTokenClassification(make_config(vocab, "tiny", 64)), vocab,
                        fit_transitions([harm_piece(lead_sheet(16), "t")]), folder / "absolute")
    (folder / MEMBERS_FILE).write_text(json.dumps({"members": [{"folder": "absolute", "weight": 0.4}]}))
    score = lead_sheet(8)
    beats = beats_of(score)
    args = (beats, beat_notes(score, beats), [None] * len(beats))
    h = load_harmonizer(folder)
    assert [(m.path.name, w) for m, w in h.members] == [("absolute", 0.4)] and not h.members[0][0].vocab.relative
    mixed = beat_logprobs(h, *args)
    alone = beat_logprobs(load_harmonizer(tiny_harmonizer), *args)
    member = beat_logprobs(load_harmonizer(folder / "absolute"), *args)
    want = 0.6 * alone + 0.4 * member
    want -= np.logaddexp.reduce(want, axis=1, keepdims=True)
    assert np.allclose(mixed, want, atol=1e-5) and np.allclose(np.exp(mixed).sum(1), 1.0)
    for entries in ([{"folder": "../ensemble", "weight": 0.4}], [{"folder": "absolute", "weight": 1.0}],
                    [{"folder": "nowhere", "weight": 0.3}], [{"folder": "absolute"}],
                    [{"folder": "absolute", "weight": 0.6}, {"folder": "absolute", "weight": 0.5}]):
        (folder / MEMBERS_FILE).write_text(json.dumps({"members": entries}))
        with pytest.raises(ModelError, match=MEMBERS_FILE):
            load_harmonizer(folder)


def test_rare_colours_are_chosen_only_when_the_encoder_likes_them(tiny_harmonizer):
    """A sus/aug/dim chord far below the best quality of its root is never chosen, however much the
    prior division favours it; one the encoder finds nearly as likely stays available, and
    sevenths are not affected."""
    from composer_app.music_lm.harmonizer.labels import CLASSES
    from composer_app.music_lm.harmonizer.runtime import COLOUR_PRUNE_NATS, chain, load_harmonizer

    h = load_harmonizer(tiny_harmonizer)
    score = lead_sheet(2)
    beats = beats_of(score)[:2]
    f = 5 * len(CLASSES)  # labels of root F
    lp = np.full((2, N_LABELS), np.log(1e-4))
    lp[:, f + CLASSES.index("")] = np.log(0.6)
    lp[0, f + CLASSES.index("sus2")] = np.log(0.6) - COLOUR_PRUNE_NATS - 0.5  # 3 %: out
    lp[1, f + CLASSES.index("sus2")] = np.log(0.6) - COLOUR_PRUNE_NATS + 0.5  # nearly as likely: in
    lp[:, f + CLASSES.index("7")] = np.log(0.6) - COLOUR_PRUNE_NATS - 0.5  # a seventh is not a colour
    lp -= np.logaddexp.reduce(lp, axis=1, keepdims=True)
    emis, _, _ = chain(h, beats, 0, 2, lp, [None, None], "all", {"w_prior": 0.0, "w_quality": 1.0})
    assert emis[0, f + CLASSES.index("sus2")] == -np.inf and np.isfinite(emis[1, f + CLASSES.index("sus2")])
    assert np.isfinite(emis[:, f + CLASSES.index("7")]).all() and np.isfinite(emis[:, f]).all()


def test_rank_one_keeps_its_promise():
    """Rank 1 is the decoder's path unless the encoder finds an alternative more than four times as
    likely per beat (Ctrl+H on four Gs in C major once put "Gm7 | F C" at 5 % above "C G | C" at 28 %)."""
    import math

    from composer_app.music_lm.harmonizer.runtime import PROMISE_NATS, Progression, promise_first

    def prog(name, p):
        return Progression([], math.log(p), [name], [p])

    near = [prog("C G7", 0.30), prog("C G", 0.40), prog("G C", 0.20)]
    assert promise_first(near) == near  # 0.40 is not 4 times 0.30: the decoder's order stays
    far = [prog("Gm7 F C", 0.05), prog("C G C", 0.20), prog("C G", 0.28), prog("G C", 0.21)]
    assert [p.chords[0] for p in promise_first(far)] == ["C G", "Gm7 F C", "C G C", "G C"]
    assert promise_first(far[:1]) == far[:1] and promise_first([]) == []
    assert math.isclose(PROMISE_NATS, math.log(4))


def test_beats_without_melody_take_the_prior_at_their_own_weight(tiny_harmonizer, tmp_path):
    """Where no melody note sounds the encoder has nothing to read: those beats divide by the chord
    prior at ``w_prior_silent``, the others at ``w_prior``; a folder that does not name the silent
    weight uses ``w_prior`` everywhere, as before."""
    import shutil

    from composer_app.music_lm.harmonizer.runtime import chain, load_harmonizer, region_problem

    h = load_harmonizer(tiny_harmonizer)
    score = lead_sheet(4)
    bar = score.time_signatures[0].bar_ticks
    score = score.with_notes([n for n in score.melody.notes if not bar <= n.start < 2 * bar])  # bar 2: a rest
    beats, lo, hi, lp, known, silent = region_problem(h, score.with_chords(()), 0, 4 * bar)
    assert silent.tolist() == [False] * 4 + [True] * 4 + [False] * 8
    cfg = {"w_prior": 0.5, "w_quality": 1.0}
    divided, _, _ = chain(h, beats, lo, hi, lp, known, "all", {**cfg, "w_prior_silent": 0.0}, silent)
    everywhere, _, _ = chain(h, beats, lo, hi, lp, known, "all", cfg, silent)
    plain, _, _ = chain(h, beats, lo, hi, lp, known, "all", {**cfg, "w_prior": 0.0, "w_prior_silent": 0.0}, silent)
    finite = np.isfinite(plain)
    assert np.array_equal(divided[silent][finite[silent]], plain[silent][finite[silent]])
    assert np.array_equal(divided[~silent], everywhere[~silent])
    assert not np.array_equal(everywhere[silent][finite[silent]], plain[silent][finite[silent]])
    folder = tmp_path / "h"
    shutil.copytree(tiny_harmonizer, folder)
    (folder / "decode_config.json").write_text(json.dumps({"w_prior": 0.5}))
    loaded = load_harmonizer(folder)
    assert "w_prior_silent" not in loaded.decode
    assert np.array_equal(chain(loaded, beats, lo, hi, lp, known, silent=silent)[0],
                          chain(loaded, beats, lo, hi, lp, known, silent=None)[0])  # w_prior everywhere
    (folder / "decode_config.json").write_text(json.dumps({"w_prior": 0.5, "w_prior_silent": -0.5}))
    assert load_harmonizer(folder).decode["w_prior_silent"] == -0.5


def test_alternatives_are_sampled_with_their_own_harmonic_rhythm(tiny_harmonizer):
    """Rank 1 is the Viterbi path under the folder's weights; ranks 2 to K are sampled with
    ``w_change_alternatives`` (else ``w_change``): a heavy change cost gives alternatives that hold
    their chords, a light one lets them change freely, and rank 1 stays the same."""
    from composer_app.music_lm.harmonizer.decode import segments
    from composer_app.music_lm.harmonizer.runtime import load_harmonizer, ranked_paths, region_problem

    h = load_harmonizer(tiny_harmonizer)
    score = lead_sheet(8)
    problem = region_problem(h, score.with_chords(()), 0, score.end_of_last_bar)
    cfg = {"w_change": 1.0, "w_bigram": 0.0, "w_prior": 0.0, "w_quality": 1.0}
    held = ranked_paths(h, problem, 4, decode={**cfg, "w_change_alternatives": 20.0})
    free = ranked_paths(h, problem, 4, decode={**cfg, "w_change_alternatives": 0.0})
    same = ranked_paths(h, problem, 4, decode=cfg)
    assert held[0] == free[0] == same[0] and len(held) == len(free) == 4

    def changes(paths):
        return sum(len(segments(p)) for p in paths[1:]) / len(paths[1:])

    assert changes(held) < changes(free)
    assert ranked_paths(h, problem, 1, decode=cfg) == [same[0]]


def test_loader_workers_draw_different_windows_in_each_worker_and_epoch():
    """With ``--loader-workers`` each worker holds a copy of the dataset: without its own seed every
    worker would draw the same windows, and every epoch the same ones again."""
    import torch

    vocab = HarmVocab()
    pieces = [harm_piece(lead_sheet(16 + 2 * i), f"t{i}") for i in range(6)]
    ds = TrainingWindows(vocab, pieces, max_len=24, per_epoch=8)
    loader = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)

    def epoch():
        return [json.dumps([item["bags"], item["labels"]]) for item in loader]

    first, second = epoch(), epoch()
    assert len(first) == 8
    assert first[0::2] != first[1::2]  # the two workers' draws (they alternate)
    assert first != second


def test_bars_selected_after_the_last_note_get_chords_too(tiny_harmonizer):
    """A composer who selects an outro (bars after the melody's last note) asks for chords there:
    every candidate covers the whole selection, not only the bars with melody."""
    from composer_app.music_lm.harmonizer.runtime import best_progressions, harmonize, load_harmonizer

    h = load_harmonizer(tiny_harmonizer)
    score = lead_sheet(8).with_chords(())
    bar = score.meter.bar(0).length
    end = 12 * bar  # four empty bars after the melody
    assert score.end_of_last_bar == 8 * bar
    for p in harmonize(h, score, 0, end, candidates=3, seed=1):
        assert p.chords[0].start == 0 and p.chords[-1].end == end
        assert all(a.end == b.start for a, b in zip(p.chords, p.chords[1:]))
        assert len(p.labels) == 12 * 4
    outro = harmonize(h, score, 9 * bar, end, candidates=2, seed=1)  # only empty bars: still answered
    assert outro and all(p.chords[0].start == 9 * bar and p.chords[-1].end == end for p in outro)
    (best,) = best_progressions(h, [score], 0, end)
    assert best is not None and best.chords[-1].end == end


def test_group_weights_draw_a_collection_more_often():
    """``--group-weights openewld=4``: a lead sheet's beats are drawn four times as often as a folk
    tune's; a collection not named keeps weight 1."""
    vocab = HarmVocab()
    folk = [harm_piece(lead_sheet(16), f"folk {i}", "nottingham") for i in range(3)]
    sheets = [harm_piece(lead_sheet(16), f"sheet {i}", "openewld") for i in range(3)]
    ds = TrainingWindows(vocab, folk + sheets, max_len=24, per_epoch=10, group_weights={"openewld": 4.0})
    assert ds.weights[3:] == [4 * w for w in ds.weights[:3]]
    drawn = Counter(p.group for p in ds.rng.choices(ds.pieces, ds.weights, k=4000))
    assert 0.75 < drawn["openewld"] / 4000 < 0.85
    plain = TrainingWindows(vocab, folk + sheets, max_len=24, per_epoch=10)
    assert plain.weights[3:] == plain.weights[:3]
