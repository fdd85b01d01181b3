"""The model's next-chord distribution (generation/next_chord.py) and its path through the worker."""

from __future__ import annotations

import pytest

from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track


@pytest.fixture(scope="module")
def bundled():
    from composer_app.music_lm.loading import load_model

    return load_model(None, "cpu")


def g_major_tune() -> Score:
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 64, 62, 64, 67, 69, 67, 66]
    notes = tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))
    chords = tuple(Chord(ChordSymbol.parse(s), i * 1920, 1920) for i, s in enumerate(["G", "C", "Em", "D7"]))
    return Score(tracks=(Track(notes=notes),), chords=chords, key_signatures=(KeySignature("G"),))


def test_distribution_sums_to_one_and_follows_the_music(bundled):
    from composer_app.generation.next_chord import next_chord_distribution

    score = g_major_tune()
    after_d7 = next_chord_distribution(bundled, score, 4 * 1920)
    assert sum(after_d7.probs.values()) == pytest.approx(1.0, abs=1e-4)
    assert all(0.0 <= p <= 1.0 for p in after_d7.probs.values())
    (root, quality), p = after_d7.top(1)[0]
    assert (root, quality) == (7, "")  # after D7 in G major: G, by far the likeliest
    assert after_d7.probability(7, "") > 2 * after_d7.probability(2, "7")
    # the start of an empty G major piece leans to G too (the prompt carries the key)
    empty = Score(key_signatures=(KeySignature("G"),))
    start = next_chord_distribution(bundled, empty, 0)
    assert start.top(1)[0][0] == (7, "")


def test_the_context_is_the_score_before_the_tick(bundled):
    from composer_app.generation.next_chord import context_before, prompt_ids

    score = g_major_tune()
    before = context_before(score, 1920 + 960)
    assert [str(c.symbol) for c in before.chords] == ["G", "C"] and before.chords[1].duration == 960
    assert max(n.start for n in before.melody.notes) < 1920 + 960
    tok = bundled.tokenizer
    tail = tok.tokens(prompt_ids(bundled, score, 1920 + 960))[-4:]
    assert tail == ["Pos_480", "Pitch_72", "Dur_480", "Pos_960"]  # the bar so far, then the chord's place


def test_worker_answers_the_latest_next_chord_request(qtbot, tiny_model_dir):
    from composer_app.generation.worker import SuggestionService

    svc = SuggestionService()
    try:
        with qtbot.waitSignal(svc.modelLoaded, timeout=60000):
            svc.load_model(str(tiny_model_dir), "cpu")
        got = []
        svc.nextChordReady.connect(lambda rid, r: got.append((rid, r)))
        first = svc.request_next_chord(g_major_tune(), 0)
        second = svc.request_next_chord(g_major_tune(), 1920)
        qtbot.waitUntil(lambda: any(rid == second for rid, _ in got), timeout=60000)
        qtbot.wait(100)
        assert [rid for rid, _ in got] == [second] and first != second
        assert got[0][1].tick == 1920 and sum(got[0][1].probs.values()) == pytest.approx(1.0, abs=1e-4)
    finally:
        svc.shutdown()
