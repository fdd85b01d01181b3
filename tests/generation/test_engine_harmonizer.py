"""The engine with a harmonizer folder and a ranker (real, tiny, untrained models): what goes where."""

from __future__ import annotations

import json
import shutil

import pytest

from composer_app.generation.types import SuggestionRequest, SuggestionSettings
from composer_app.score import Score


@pytest.fixture(scope="module")
def model_with_harmonizer(tiny_model_dir, tmp_path_factory):
    import torch
    from transformers import BertForTokenClassification

    from composer_app.music_lm.harmonizer.decode import fit_transitions
    from composer_app.music_lm.harmonizer.encoding import HarmVocab
    from composer_app.music_lm.harmonizer.training import make_config, save_harmonizer_dir

    out = tmp_path_factory.mktemp("lm") / "model"
    shutil.copytree(tiny_model_dir, out)
    torch.manual_seed(3)
    vocab = HarmVocab()
    save_harmonizer_dir(BertForTokenClassification(make_config(vocab, "tiny", 64)), vocab, fit_transitions([]),
                        out / "harmonizer")
    return out


@pytest.fixture(scope="module")
def engine_h(model_with_harmonizer):
    from composer_app.generation.engine import SuggestionEngine
    from composer_app.music_lm.loading import load_model

    loaded = load_model(model_with_harmonizer, "cpu")
    assert loaded.harmonizer is not None, loaded.harmonizer_problem
    return SuggestionEngine(loaded)


def gen(engine, score, region=None, exclude=None, **kw):
    return engine.generate(SuggestionRequest(1, score, SuggestionSettings(**kw), region), exclude=exclude)


def test_harmonize_goes_to_the_harmonizer(engine_h, lead_sheet):
    melody_only = lead_sheet.with_chords(())
    cands = gen(engine_h, melody_only, task="harmonize", candidates=4, seed=2)
    assert 1 <= len(cands) <= 4 and [c.rank for c in cands] == list(range(1, len(cands) + 1))
    assert len({c.fingerprint() for c in cands}) == len(cands)
    end = melody_only.end_of_last_bar
    for c in cands:
        assert c.notes == () and c.task == "harmonize" and "harmonizer" in c.provenance["model"]
        assert c.chords[0].start == 0 and c.chords[-1].end == end
        assert all(a.end == b.start for a, b in zip(c.chords, c.chords[1:]))
        assert len(c.chord_confidence) == len(c.chords)
    # Rank 1 is the most probable progression: the seed only changes the alternatives.
    other = gen(engine_h, melody_only, task="harmonize", candidates=4, seed=9)
    assert other[0].fingerprint() == cands[0].fingerprint()
    # A rejected progression is never suggested again.
    again = gen(engine_h, melody_only, task="harmonize", candidates=4, seed=2, exclude={cands[0].fingerprint()})
    assert cands[0].fingerprint() not in {c.fingerprint() for c in again}
    # Selected bars: only they get chords; the rest of the piece keeps its own.
    region = gen(engine_h, lead_sheet, (1920, 3840), task="harmonize", candidates=2)
    assert all(1920 <= ch.start and ch.end <= 3840 for c in region for ch in c.chords)


def test_continuations_get_the_harmonizers_chords(engine_h, lead_sheet):
    melody_only = lead_sheet.with_chords(())
    for score in (melody_only, lead_sheet):  # after a bare melody, and after one with chords
        cands = gen(engine_h, score, task="continue", candidates=3, bars=2)
        assert cands
        for c in cands:
            start, end = c.region
            assert c.notes and c.chords, "every continuation has chords for its new bars"
            assert c.chords[0].start == start and c.chords[-1].end == end
            assert all(ch.provenance["chords_by"] == "harmonizer" for ch in c.chords)
            assert len(c.chord_confidence) == len(c.chords)


def test_a_model_folder_ranking_json_orders_the_candidates(model_with_harmonizer, tmp_path, lead_sheet):
    from composer_app.generation.engine import SuggestionEngine
    from composer_app.generation.ranking import candidate_features
    from composer_app.music_lm.loading import load_model

    folder = tmp_path / "model"
    shutil.copytree(model_with_harmonizer, folder)
    (folder / "ranking.json").write_text(json.dumps({"weights": {"density": 1.0}}))
    engine = SuggestionEngine(load_model(folder, "cpu"))
    cands = gen(engine, lead_sheet, candidates=4, seed=5)
    dens = [candidate_features(c, lead_sheet)["density"] for c in cands]
    assert dens[0] == max(dens), "rank 1 is the densest line when the ranker asks for density"
    assert len(cands) == 4 and {c.provenance["sample"] for c in cands} <= set(range(engine.pool))


def test_without_a_harmonizer_harmonize_still_answers(engine, lead_sheet):
    cands = engine.generate(SuggestionRequest(1, lead_sheet, SuggestionSettings(task="harmonize", candidates=2)))
    assert cands and all(c.chords and not c.notes for c in cands)
    assert Score  # the language model's harmonize layout is the fallback


def test_prompts_never_exceed_the_length_the_model_was_trained_on(tiny_model_dir, tmp_path):
    from composer_app.generation.engine import SuggestionEngine
    from composer_app.music_lm.loading import load_model
    from composer_app.score import Note, Track

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "training_info.json").write_text(json.dumps({"options": {"max_len": 160}}))
    loaded = load_model(folder, "cpu")
    assert loaded.max_len == 160 < loaded.model.config.max_position_embeddings
    long_piece = Score(tracks=(Track(notes=tuple(Note(60 + i % 12, i * 240, 240) for i in range(400))),))
    lengths = []
    real_step = __import__("composer_app.music_lm.step", fromlist=["step"]).step

    def counting_step(model, input_ids, cache=None, attention_mask=None):
        lengths.append(input_ids.shape[1] + (cache.get_seq_length() if cache is not None else 0))
        return real_step(model, input_ids, cache, attention_mask)

    import composer_app.generation.engine as engine_module

    engine_module.step, saved = counting_step, engine_module.step
    try:
        SuggestionEngine(loaded).generate(SuggestionRequest(1, long_piece, SuggestionSettings(candidates=2, bars=2)))
    finally:
        engine_module.step = saved
    assert lengths and max(lengths) <= 160


@pytest.mark.parametrize("vocab", ["all", "triads"])
def test_the_bundled_harmonizer_never_picks_a_chord_the_melody_rules_out(vocab):
    """G A G C in C major after C | F C: the encoder gives C minor under 1 % of C major's chance;
    dividing by the chord prior once promoted it to rank 1 (the self-check showed "Cm"). Rank 1 is
    C, or (with triads only, since the two-model harmonizer) G on G A and C on G C: a cadence, each
    chord at least 10 % likely with what folds into it (G7 into G)."""
    from composer_app.commands.self_check import builtin_score
    from composer_app.music_lm.harmonizer.runtime import best_progressions, harmonize, load_harmonizer
    from composer_app.paths import resources_dir
    from composer_app.score import Note

    h = load_harmonizer(resources_dir() / "models" / "harmonizer")
    score = builtin_score()
    score = score.with_notes(list(score.melody.notes) + [Note(p, 3840 + 480 * i, 480) for i, p in enumerate((67, 69, 67, 72))])
    best = best_progressions(h, [score], 3840, 5760, vocab)[0]
    assert best is not None and [str(c.symbol) for c in best.chords] in (["C"], ["G", "C"])
    assert min(best.confidence) >= 0.10, best.confidence
    for prog in harmonize(h, score, 3840, 5760, candidates=4, seed=0, vocab=vocab):
        assert "Cm" not in {str(c.symbol) for c in prog.chords}


def test_a_borrowed_chord_is_spelled_as_musicians_write_it():
    """The harmonizer's labels are pitch classes; a flat-six chord in C major is Ab, not G#."""
    from composer_app.music_lm.harmonizer.labels import label_of
    from composer_app.music_lm.harmonizer.runtime import _progression
    from composer_app.music_lm.harmonizer.encoding import beats_of
    from composer_app.score import ChordSymbol, KeySignature, Note, Track
    import numpy as np

    score = Score(tracks=(Track(notes=(Note(68, 0, 1920),)),), key_signatures=(KeySignature("C"),))
    beats = beats_of(score)[:4]
    lab = label_of(ChordSymbol.parse("Ab"))
    prog = _progression([lab] * 4, beats, score, 1920, np.zeros((4, 120)))
    assert [str(c.symbol) for c in prog.chords] == ["Ab"]


@pytest.mark.parametrize("shift", [4, 8])
def test_a_melody_with_no_key_set_is_harmonized_in_the_key_of_its_notes(shift):
    """A new document (or a MIDI file from a DAW) sets no key, so the score says C major. The
    bundled harmonizer counts from the tonic: read in C, the sketch C E G E | G F D B moved up to
    E major got "E Emaj7 A D ..."; read in the key of its notes, it gets its tonic and dominant."""
    from composer_app.generation.engine import SuggestionEngine
    from composer_app.music_lm.loading import load_model
    from composer_app.score import Note, Track

    base = [60, 64, 67, 64, 67, 65, 62, 59] * 2 + [60, 64, 67, 72]
    score = Score(tracks=(Track(notes=tuple(Note(p + shift, i * 480, 480) for i, p in enumerate(base))),))
    assert score.key.assumed and score.key.tonic == "C"
    engine = SuggestionEngine(load_model(None, "cpu"))
    (best,) = gen(engine, score, task="harmonize", candidates=1, seed=0)
    tonic, dominant = {4: ("E", "B"), 8: ("Ab", "Eb")}[shift]
    assert str(best.chords[0].symbol) == tonic and str(best.chords[-1].symbol) == tonic
    assert {c.symbol.root for c in best.chords} == {tonic, dominant}, [str(c.symbol) for c in best.chords]


def test_a_chorus_a_step_up_that_nobody_marked_is_harmonized_in_its_key():
    """C major set, the tune's last 16 bars a half step up with no key change marked. Read in C
    throughout, the bundled harmonizer put "A7 Ab7 ..." under the D flat bars and "C7 D7" under
    the C major ones; read in the key of their notes, each half gets its own tonic and dominant."""
    from composer_app.generation.engine import SuggestionEngine
    from composer_app.music_lm.loading import load_model
    from composer_app.score import KeySignature, Note, Track

    tune = [60, 62, 64, 65, 67, 65, 64, 62, 60, 59, 60, 67, 72, 71, 69, 67] * 4  # 16 bars
    pitches = tune + [p + 1 for p in tune]
    score = Score(tracks=(Track(notes=tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))),),
                  key_signatures=(KeySignature("C"),))
    engine = SuggestionEngine(load_model(None, "cpu"))
    (best,) = gen(engine, score, task="harmonize", candidates=1, seed=0)
    half = 64 * 480
    first = {c.symbol.root for c in best.chords if c.start < half}
    second = {c.symbol.root for c in best.chords if c.start >= half}
    assert first <= {"C", "F", "G", "D", "A", "E"} and {"C", "G"} <= first, [str(c.symbol) for c in best.chords]
    assert second <= {"Db", "Gb", "Ab", "Eb", "Bb", "F"} and {"Db", "Ab"} <= second, [str(c.symbol) for c in best.chords]
