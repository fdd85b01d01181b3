import pytest


@pytest.fixture(scope="session")
def engine(tiny_model_dir):
    from composer_app.generation.engine import SuggestionEngine
    from composer_app.music_lm.loading import load_model

    return SuggestionEngine(load_model(tiny_model_dir, "cpu"))


@pytest.fixture
def lead_sheet():
    from composer_app.score import Chord, ChordSymbol, KeySignature, Note, Score, Track

    pitches = [67, 69, 71, 72, 74, 72, 71, 69, 67, 64, 62, 64, 67, 69, 67, 67]
    notes = tuple(Note(p, i * 480, 480) for i, p in enumerate(pitches))
    chords = tuple(Chord(ChordSymbol.parse(s), i * 1920, 1920) for i, s in enumerate(["G", "C", "Em", "D7"]))
    return Score(title="test", tracks=(Track(notes=notes),), chords=chords, key_signatures=(KeySignature("G"),))
