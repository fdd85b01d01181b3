"""The ranker that orders a request's pool of continuations: its features, rank 1 first and real
alternatives after it, the model folder's ``ranking.json`` (weights, diversity, pool size)."""

from __future__ import annotations

import json
from dataclasses import replace
import shutil

import numpy as np
import pytest

from composer_app.generation.ranking import (MAX_POOL, Ranker, candidate_features, load_ranker, overlap,
                                             pc_histogram)
from composer_app.generation.types import Candidate
from composer_app.paths import default_model_dir
from composer_app.score import Note

START, END = 7680, 11520  # bars 5-6 of the 4/4 lead sheet (it has 4 bars; the candidate follows)


def cand(pitches, score=-2.0, length=480) -> Candidate:
    notes = tuple(Note(p, START + i * length, length) for i, p in enumerate(pitches))
    return Candidate(rank=0, score=score, notes=notes, chords=(), note_confidence=tuple(0.3 for _ in notes),
                     chord_confidence=(), region=(START, END), task="continue", provenance={})


def test_features_say_what_the_line_does(lead_sheet):
    scale = cand([67, 69, 71, 72, 74, 72, 71, 69])
    same = cand([60] * 8)
    f = candidate_features(scale, lead_sheet, [same])
    assert f["stepwise"] == 1.0 and f["repetition"] == 0.0 and f["leaps"] == 0.0
    assert f["density"] == pytest.approx(1.0)  # 8 notes over 8 beats
    g = candidate_features(same, lead_sheet, [scale])
    assert g["repetition"] == 1.0 and g["distinct"] == pytest.approx(1 / 8) and g["range"] == 0.0
    # The scale is made of the tune's own pitch classes (G major), the repeated C less so.
    assert f["context_fit"] > g["context_fit"] and f["echo"] > g["echo"]
    # Consensus: the mean pitch-class overlap with the other candidates of the request.
    assert f["consensus"] == pytest.approx(overlap(pc_histogram(scale.notes), pc_histogram(same.notes)))


def test_rank_one_is_the_best_value_and_diversity_brings_real_alternatives():
    hists = [np.eye(12)[0], np.eye(12)[0] * 0.9 + np.eye(12)[1] * 0.1, np.eye(12)[7], np.eye(12)[4]]
    vals = [3.0, 2.9, 1.0, 0.5]
    plain = Ranker({"logp": 1.0})
    assert plain.select(vals, hists) == [0, 1, 2, 3]
    diverse = Ranker({"logp": 1.0}, diversity=8.0)
    order = diverse.select(vals, hists)
    assert order[0] == 0  # rank 1 is always the best
    assert order.index(1) == 3  # the near-copy of rank 1 comes last, after the different lines


def test_ranking_json_weights_diversity_and_pool(tmp_path, tiny_model_dir):
    from composer_app.generation.engine import POOL, SuggestionEngine
    from composer_app.music_lm.loading import load_model

    bundled = load_ranker(default_model_dir())
    assert bundled.pool == 16 and bundled.diversity > 0 and bundled.weights["consensus"] > 0
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    (folder / "ranking.json").write_text(json.dumps({"weights": {"logp": 1.0, "consensus": 2.0, "bogus": 5},
                                                     "diversity": 2, "pool": 500}))
    r = load_ranker(folder)
    assert r.weights == {"logp": 1.0, "consensus": 2.0} and r.diversity == 2.0 and r.pool == MAX_POOL
    assert SuggestionEngine(load_model(folder, "cpu")).pool == MAX_POOL
    (folder / "ranking.json").write_text("{broken")
    assert load_ranker(folder).weights == {"logp": 1.0}  # a damaged file gives the plain ranking
    assert SuggestionEngine(load_model(folder, "cpu")).pool == POOL


def test_evaluate_continue_repeats_average_fresh_samples(engine, lead_sheet):
    """``evaluate --what continue --repeats N``: run r samples with seed r (0: the app's default);
    the reported figures are the runs' means and every run is listed."""
    import random

    from composer_app.generation.evaluation import continuation_cases, ranking_report

    cases = continuation_cases([(lead_sheet, "test")], random.Random(0), context_bars=2)
    assert cases
    one = ranking_report(engine, cases, log=None)
    assert set(one) == {"app", "before", "pool"}
    three = ranking_report(engine, cases, log=None, repeats=3)
    assert len(three["repeats"]) == 3 and three["app"]["cases"] == len(cases)
    assert three["app"]["rank1"] == pytest.approx(np.mean([r["rank1"] for r in three["repeats"]]), abs=1e-4)
    assert three["app"]["best_of_k"] >= three["app"]["rank1"] - 1e-9
    assert three["repeats"][0] == one["app"]  # seed 0, as the app samples by default


def test_phrase_features_compare_with_the_same_place_four_and_eight_bars_earlier(lead_sheet):
    from composer_app.score import Score

    # Eight bars: an A phrase (bars 1-2: C E G E) that comes back in bars 5-6, other material between.
    a = [60, 64, 67, 64]
    other = [62, 65, 69, 65]
    bar = 1920
    notes = [Note(p, b * bar + i * 480, 480) for b, line in enumerate([a, a, other, other, a, a, other, other])
             for i, p in enumerate(line)]
    score = Score().with_notes(notes)
    start = 8 * bar
    region = (start, start + 2 * bar)

    def at(pitches):
        ns = tuple(Note(p, start + i * 480, 480) for i, p in enumerate(pitches))
        return Candidate(rank=0, score=-2.0, notes=ns, chords=(), note_confidence=tuple(0.3 for _ in ns),
                         chord_confidence=(), region=region, task="continue", provenance={})

    again = candidate_features(at(a * 2), score)  # the A phrase again, as 8 bars earlier
    more = candidate_features(at(other * 2), score)  # the bars just before, once more
    assert again["echo8"] == pytest.approx(1.0) and more["echo8"] < 0.5
    assert again["echo4"] == pytest.approx(1.0)  # bars 5-6 are A too
    assert more["previous"] == pytest.approx(1.0) and again["previous"] < 0.5
    # Too early in the piece to look 8 bars back: the feature is None and counts as average.
    early = replace(at(a * 2), region=(2 * bar, 4 * bar),
                    notes=tuple(replace(n, start=n.start - 6 * bar) for n in at(a * 2).notes))
    f = candidate_features(early, score)
    assert f["echo8"] is None and f["echo4"] is None and f["previous"] == pytest.approx(1.0)
    ranker = Ranker({"echo8": 1.0, "logp": 0.0}, {"echo8": 0.5, "logp": 0.0}, {"echo8": 0.25, "logp": 1.0})
    assert ranker.value(f) == 0.0 and ranker.value(again) == pytest.approx(2.0)
