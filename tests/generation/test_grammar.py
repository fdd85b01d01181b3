"""The sampler's grammar must accept every answer the tokenizer's training layouts contain:
otherwise the logit masks push the model off what it learned. Teacher-force real layouts
through the grammar with permissive settings and check each region token is allowed."""

import pytest

from composer_app.generation.engine import SuggestionEngine, _Masks, _SeqState
from composer_app.generation.types import SuggestionSettings
from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, TimeSignature, Track


def scores():
    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 64, 62, 64, 67, 69, 67, 67]
    yield Score(tracks=(Track(notes=tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))),),
                chords=tuple(Chord(ChordSymbol.parse(s), i * 1920, 1920) for i, s in enumerate(["G", "C/E", "Em7", "D7"])),
                key_signatures=(KeySignature("G"),))
    # 6/8 with triplet-free eighths, a chord gap (NC) and two chords in a bar
    notes = tuple(Note(60 + (i % 7), i * 240, 240) for i in range(24))
    chords = (Chord(ChordSymbol.parse("Am"), 0, 720), Chord(ChordSymbol.parse("E7"), 720, 720),
              Chord(ChordSymbol.parse("F#m7b5"), 2880, 1440))
    yield Score(tracks=(Track(notes=notes),), chords=chords, time_signatures=(TimeSignature(6, 8),),
                key_signatures=(KeySignature("A", "minor"),))


@pytest.mark.parametrize("task", ["continue", "harmonize", "chords", "infill"])
def test_grammar_accepts_the_training_layouts(engine, task):
    tok = engine.tok
    settings = SuggestionSettings(task=task, finest_grid=40, pitch_low=0, pitch_high=127, monophonic=False,
                                  chord_vocab="all")
    for score in scores():
        piece = tok.encode_piece(score)
        n = piece.n_bars
        r0, r1 = (n - 2, n) if task in ("continue", "chords") else (1, 3)
        ids = tok.layout(piece, task, 0, r0, r1, n if task == "infill" else None)
        prompt = tok.build_prompt(score, task, score.meter.bar(r0).start, score.meter.bar(r1).start,
                                  max_len=1024)
        # The prompt is a prefix of the training sequence (as long as no context was cut).
        assert ids[:len(prompt.ids)] == prompt.ids
        answer = ids[len(prompt.ids):]
        masks = _Masks(tok, settings, score, score.meter.bar(r0).start, notes=task in ("continue", "infill"),
                       chords=True)
        masks.bar_index_ids = list(prompt.bar_index_ids)
        bar_len = [score.meter.bar(r0 + k).length for k in range(r1 - r0)]
        st = _SeqState()
        st.indexed = bool(masks.bar_index_ids)
        for t in answer:
            if tok.kinds[t] in ("meter", "key"):
                continue  # meta changes inside the region are never sampled (not in these scores)
            allowed = SuggestionEngine._allowed(engine, st, masks, bar_len, r1 - r0, settings)
            assert allowed[t], f"{task}: grammar refused {tok.token(t)} in state {st.state}"
            SuggestionEngine._advance(engine, st, t, 0.0, r1 - r0)
            if st.done:
                break
        assert st.done, f"{task}: the answer did not end where the grammar ends it"
