"""The engine with a real (tiny, untrained) transformers model: constraints are logit masks, so
they hold even for a model that knows nothing; ranking, seeds, de-duplication and cancelling."""

import pytest

from composer_app.errors import ComposerError
from composer_app.generation.types import SuggestionRequest, SuggestionSettings
from composer_app.score import Score
from composer_app.score.chords import TRIAD_QUALITIES


def gen(engine, score, region=None, **kw):
    return engine.generate(SuggestionRequest(1, score, SuggestionSettings(**kw), region))


def test_continue_gives_k_ranked_distinct_candidates_after_the_last_bar(engine, lead_sheet):
    cands = gen(engine, lead_sheet, candidates=5, bars=2)
    assert 1 <= len(cands) <= 5
    assert [c.rank for c in cands] == list(range(1, len(cands) + 1))
    assert all(c.score <= 0 for c in cands)  # the model's mean log-probability; the order is the ranker's
    assert len({c.fingerprint() for c in cands}) == len(cands)
    for c in cands:
        assert c.region == (4 * 1920, 6 * 1920)
        assert all(4 * 1920 <= n.start and n.end <= 6 * 1920 for n in c.notes)
        assert all(4 * 1920 <= ch.start < 6 * 1920 for ch in c.chords)
        assert len(c.note_confidence) == len(c.notes)
        assert all(0.0 <= p <= 1.0 for p in c.note_confidence + c.chord_confidence)
        assert c.provenance["seed"] == 0 and c.provenance["settings"]["candidates"] == 5
        assert all(n.provenance is not None for n in c.notes)


def test_same_seed_same_candidates_other_seed_differs(engine, lead_sheet):
    a = gen(engine, lead_sheet, candidates=3, seed=7)
    b = gen(engine, lead_sheet, candidates=3, seed=7)
    c = gen(engine, lead_sheet, candidates=3, seed=8)
    assert [x.to_json() for x in a] == [x.to_json() for x in b]
    assert [x.to_json() for x in a] != [x.to_json() for x in c]


def test_hard_constraints_hold_while_sampling(engine, lead_sheet):
    cands = gen(engine, lead_sheet, candidates=8, bars=4, key_lock=True, pitch_low=60, pitch_high=72,
                finest_grid=240, monophonic=True, chord_vocab="triads", temperature=1.5, top_p=1.0)
    scale = lead_sheet.key.scale_pcs
    assert cands
    for c in cands:
        starts = [n.start for n in c.notes]
        assert len(starts) == len(set(starts)), "monophonic: one note per onset"
        for a, b in zip(c.notes, c.notes[1:]):
            assert a.end <= b.start, "monophonic: no overlaps"
        for n in c.notes:
            assert n.pitch % 12 in scale and 60 <= n.pitch <= 72
            assert n.start % 240 == 0
        for ch in c.chords:
            assert ch.symbol.quality in TRIAD_QUALITIES and ch.symbol.bass is None
            assert ch.start % 240 == 0


def test_harmonize_gives_chords_only_for_the_region(engine, lead_sheet):
    region = (1920, 3 * 1920)
    cands = gen(engine, lead_sheet, region=region, task="harmonize", candidates=4)
    assert cands
    for c in cands:
        assert c.notes == ()
        assert c.chords and c.chords[0].start == region[0], "a harmonization opens with a chord on its downbeat"
        assert all(region[0] <= ch.start < region[1] and ch.end <= region[1] for ch in c.chords)


def test_chords_only_and_infill(engine, lead_sheet):
    chords = gen(engine, lead_sheet, task="chords", candidates=2, bars=2)
    assert all(c.notes == () for c in chords)
    fill = gen(engine, lead_sheet, region=(1920, 3840), task="infill", candidates=2)
    for c in fill:
        assert all(1920 <= n.start and n.end <= 3840 for n in c.notes)


def test_harmonize_without_melody_is_a_clear_error(engine):
    with pytest.raises(ComposerError, match="no melody"):
        gen(engine, Score(), region=(0, 1920), task="harmonize")


def test_cancel_stops_within_a_step(engine, lead_sheet):
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3

    out = engine.generate(SuggestionRequest(1, lead_sheet, SuggestionSettings(candidates=4, bars=8)),
                          should_stop=stop)
    assert out == [] and len(calls) <= 6


def test_candidates_stream_before_the_ranked_list(engine, lead_sheet):
    seen = []
    final = engine.generate(SuggestionRequest(1, lead_sheet, SuggestionSettings(candidates=3)),
                            on_candidate=seen.append)
    assert len(seen) == len(final)
    assert {c.fingerprint() for c in seen} == {c.fingerprint() for c in final}


def test_excluded_candidates_are_never_suggested_again(engine, lead_sheet):
    first = gen(engine, lead_sheet, candidates=2, seed=3)
    again = engine.generate(SuggestionRequest(2, lead_sheet, SuggestionSettings(candidates=2, seed=3)),
                            exclude={first[0].fingerprint()})
    assert first[0].fingerprint() not in {c.fingerprint() for c in again}


@pytest.mark.parametrize("kw", [dict(candidates=0), dict(candidates=17), dict(task="nope"), dict(top_p=0),
                                dict(temperature=0), dict(pitch_low=80, pitch_high=70), dict(chord_vocab="x")])
def test_settings_are_validated(kw):
    with pytest.raises(ValueError):
        SuggestionSettings(**kw)


def test_a_chord_written_again_where_it_ends_is_one_longer_chord():
    from composer_app.generation.engine import _merge_repeats
    from composer_app.score import Chord, ChordSymbol

    f, g = ChordSymbol.parse("F"), ChordSymbol.parse("G7")
    chords = [Chord(f, 0, 960), Chord(f, 960, 480), Chord(f, 1440, 480), Chord(g, 1920, 960), Chord(f, 3840, 480)]
    merged, conf = _merge_repeats(chords, [0.9, 0.5, 0.4, 0.8, 0.7])
    assert [(str(c.symbol), c.start, c.duration) for c in merged] == [("F", 0, 1920), ("G7", 1920, 960),
                                                                     ("F", 3840, 480)]
    assert conf == [0.9, 0.8, 0.7]
